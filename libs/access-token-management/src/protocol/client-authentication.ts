import * as oauth from 'oauth4webapi';
import type { ResolvedPrivateKey } from '../config/key-material.js';
import type { ResolvedClientOptions } from '../config/resolved-options.interface.js';
import { clientSecretBasic } from './client-secret-basic.js';
import { loadJose } from './jose-module.js';
import { platformAssertionAuthentication } from './platform-assertion.js';

/** A WebCrypto key for signing with the key's algorithm (oauth4webapi reads the JWS `alg` from the key itself). */
export async function importSigningKey(key: ResolvedPrivateKey): Promise<oauth.CryptoKey> {
  // jose maps `EdDSA` and `Ed25519` to the same WebCrypto algorithm.
  const { importJWK } = await loadJose();
  return (await importJWK(key.key.export({ format: 'jwk' }), key.alg)) as oauth.CryptoKey;
}

/**
 * The oauth4webapi client authentication of a client: `client_secret_basic`/`_post`, a JWT assertion signed with the
 * client secret (`client_secret_jwt`) or the client's private key (`private_key_jwt`), or `tls_client_auth` /
 * `self_signed_tls_client_auth` (the certificate goes with the connection, see client-network.ts).
 *
 * oauth4webapi builds every assertion afresh — new `jti`, `iat` now, `exp` 60 s later — so each token request and each
 * retry carries its own. Its `aud` is the client's `clientAssertionAudience`: the token endpoint URL the request goes
 * to (RFC 7523 §3, the default), the issuer identifier (RFC 7523bis), or an explicit URI.
 */
export async function createClientAuthentication(client: ResolvedClientOptions): Promise<oauth.ClientAuth> {
  const secret = client.clientSecret as string;
  switch (client.authMethod) {
    case 'client_secret_post':
      return oauth.ClientSecretPost(secret);
    case 'client_secret_basic':
      return clientSecretBasic(secret);
    case 'client_secret_jwt':
      return jwtAuthentication(client, (options) => oauth.ClientSecretJwt(secret, options));
    case 'private_key_jwt': {
      // The platform signed the assertion (workload identity): sent as it is, read for each request.
      if (client.clientAssertion) return platformAssertionAuthentication(client.clientAssertion, client.name);
      const signingKey = client.clientAssertionKey as ResolvedPrivateKey;
      const key = await importSigningKey(signingKey);
      return jwtAuthentication(
        client,
        (options) => oauth.PrivateKeyJwt({ key, kid: signingKey.kid }, options),
        signingKey.alg,
      );
    }
    case 'tls_client_auth':
    case 'self_signed_tls_client_auth':
      return oauth.TlsClientAuth();
  }
}

/**
 * A JWT client authentication whose assertion is shaped per request: `aud` depends on the server metadata of the
 * request, which oauth4webapi passes to the authentication only then.
 */
function jwtAuthentication(
  client: ResolvedClientOptions,
  create: (options: oauth.ModifyAssertionOptions) => oauth.ClientAuth,
  alg?: string,
): oauth.ClientAuth {
  const certificate = client.clientAssertionCertificate;
  // oauth4webapi names Ed25519 keys' algorithm `Ed25519` (RFC 9864); servers that only know `EdDSA` asked for it.
  const legacyEdDsa = alg === 'EdDSA';
  return (as, oauthClient, body, headers) => {
    const audience = assertionAudience(client, as, oauthClient);
    const authenticate = create({
      [oauth.modifyAssertion]: (header, payload) => {
        payload.aud = audience;
        if (legacyEdDsa) header.alg = 'EdDSA';
        if (certificate) Object.assign(header, certificate);
      },
    });
    return authenticate(as, oauthClient, body, headers);
  };
}

function assertionAudience(
  client: ResolvedClientOptions,
  as: oauth.AuthorizationServer,
  oauthClient: oauth.Client,
): string {
  switch (client.clientAssertionAudience) {
    case 'issuer':
      return as.issuer;
    case 'token_endpoint':
    case undefined: {
      // The URL the request goes to: with a client certificate, the mTLS alias where the server has one (RFC 8705 §5).
      const alias = oauthClient.use_mtls_endpoint_aliases
        ? as.mtls_endpoint_aliases?.token_endpoint
        : undefined;
      return typeof alias === 'string' ? alias : (as.token_endpoint as string);
    }
    default:
      return client.clientAssertionAudience;
  }
}
