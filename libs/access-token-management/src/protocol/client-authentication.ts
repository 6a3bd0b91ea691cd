import { importJWK } from 'jose';
import * as oauth from 'oauth4webapi';
import type { ResolvedPrivateKey } from '../config/key-material.js';
import type { ResolvedClientOptions } from '../config/resolved-options.interface.js';

/** A WebCrypto key for signing with the key's algorithm (oauth4webapi reads the JWS `alg` from the key itself). */
export async function importSigningKey(key: ResolvedPrivateKey): Promise<oauth.CryptoKey> {
  // jose maps `EdDSA` and `Ed25519` to the same WebCrypto algorithm.
  return (await importJWK(key.key.export({ format: 'jwk' }), key.alg)) as oauth.CryptoKey;
}

/**
 * The oauth4webapi client authentication of a client: `client_secret_basic`/`_post`, a JWT assertion signed with the
 * client secret (`client_secret_jwt`) or the client's private key (`private_key_jwt`), or `tls_client_auth` /
 * `self_signed_tls_client_auth` (the certificate goes with the connection, see mtls-fetch.ts).
 *
 * oauth4webapi builds every assertion afresh — new `jti`, `iat` now, `exp` 60 s later — so each token request and each
 * retry carries its own. Its `aud` is the issuer identifier (RFC 7523bis, the 2025 audience-injection advisory); when
 * the issuer is not known (a token endpoint was configured instead of discovery), it is the token endpoint URL
 * (RFC 7523 §3).
 */
export async function createClientAuthentication(client: ResolvedClientOptions): Promise<oauth.ClientAuth> {
  const secret = client.clientSecret as string;
  switch (client.authMethod) {
    case 'client_secret_post':
      return oauth.ClientSecretPost(secret);
    case 'client_secret_basic':
      // Form-urlencodes id and secret before base64, as RFC 6749 §2.3.1 requires.
      return oauth.ClientSecretBasic(secret);
    case 'client_secret_jwt':
      return oauth.ClientSecretJwt(secret, assertionOptions(client));
    case 'private_key_jwt': {
      const signingKey = client.clientAssertionKey as ResolvedPrivateKey;
      const key = await importSigningKey(signingKey);
      return oauth.PrivateKeyJwt({ key, kid: signingKey.kid }, assertionOptions(client, signingKey.alg));
    }
    case 'tls_client_auth':
    case 'self_signed_tls_client_auth':
      return oauth.TlsClientAuth();
  }
}

function assertionOptions(client: ResolvedClientOptions, alg?: string): oauth.ModifyAssertionOptions {
  const audience = client.issuer === undefined ? client.tokenEndpoint : undefined;
  // oauth4webapi names Ed25519 keys' algorithm `Ed25519` (RFC 9864); servers that only know `EdDSA` asked for it.
  const legacyEdDsa = alg === 'EdDSA';
  if (audience === undefined && !legacyEdDsa) return {};
  return {
    [oauth.modifyAssertion]: (header, payload) => {
      if (audience !== undefined) payload.aud = audience;
      if (legacyEdDsa) header.alg = 'EdDSA';
    },
  };
}
