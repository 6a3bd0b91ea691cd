import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import {
  CLIENT_AUTH_METHODS,
  type ClientAuthMethod,
  type ClientCredentialsClientOptions,
} from './client-options.interface.js';
import { DEFAULT_AUTH_METHOD } from './defaults.js';
import {
  validateClientAssertionAudience,
  validateClientAssertionKey,
} from './client-assertion.validation.js';
import {
  resolvePrivateKey,
  resolveTlsOptions,
  type CertificateThumbprints,
  type ResolvedPrivateKey,
  type ResolvedTlsOptions,
} from './key-material.js';

/** How a client proves who it is and what its tokens are bound to, after validation. */
export interface ResolvedClientAuthentication {
  readonly authMethod: ClientAuthMethod;
  readonly clientSecret?: string;
  /** private_key_jwt: the key that signs client assertions, with the `kid` they carry. */
  readonly clientAssertionKey?: ResolvedPrivateKey;
  /** private_key_jwt with a certificate credential: the `x5t` / `x5t#S256` headers of the assertions. */
  readonly clientAssertionCertificate?: CertificateThumbprints;
  /** JWT client authentication: `token_endpoint`, `issuer` or an explicit URI for the assertions' `aud`. */
  readonly clientAssertionAudience?: string;
  /** Client certificate (mTLS client authentication and certificate-bound tokens) and trusted CAs. */
  readonly tls?: ResolvedTlsOptions;
  /** DPoP (RFC 9449) is on; `key` is the given key pair, absent when one is generated at start-up. */
  readonly dpop?: { readonly key?: ResolvedPrivateKey };
}

const SECRET_METHODS: readonly ClientAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
];
const TLS_METHODS: readonly ClientAuthMethod[] = ['tls_client_auth', 'self_signed_tls_client_auth'];

/** Algorithms servers commonly accept for DPoP proofs (oidc-provider: ES256, Ed25519; Duende adds PS*, RS*). */
const DPOP_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'Ed25519', 'EdDSA'];

function invalid(setting: string, problem: string, clientName: string): AccessTokenError {
  return new AccessTokenError(AccessTokenErrorCode.ConfigInvalid, `${setting} ${problem}`, clientName);
}

/**
 * Checks the client authentication method and the credentials it needs (secret, private key, certificate), and
 * the DPoP settings. Messages name the setting and never echo a value.
 */
export function validateClientAuthentication(
  name: string,
  client: ClientCredentialsClientOptions,
  setting: (field: string) => string,
  tokenEndpoint: string | undefined,
): ResolvedClientAuthentication {
  const authMethod = (client.authMethod ?? DEFAULT_AUTH_METHOD) as ClientAuthMethod;
  if (!CLIENT_AUTH_METHODS.includes(authMethod)) {
    throw invalid(
      setting('authMethod'),
      `is not a supported method (use one of: ${CLIENT_AUTH_METHODS.join(', ')})`,
      name,
    );
  }
  const required = `(required by ${authMethod})`;
  let clientSecret: string | undefined;
  if (SECRET_METHODS.includes(authMethod)) {
    if (typeof client.clientSecret !== 'string' || client.clientSecret === '') {
      throw invalid(setting('clientSecret'), `is missing ${required}`, name);
    }
    clientSecret = client.clientSecret;
  }

  let assertionKey: Pick<ResolvedClientAuthentication, 'clientAssertionKey' | 'clientAssertionCertificate'> =
    {};
  if (authMethod === 'private_key_jwt') {
    assertionKey = validateClientAssertionKey(client, setting, name);
  } else {
    for (const field of ['privateKey', 'privateKeyKid', 'clientAssertionCertificate'] as const) {
      if (client[field] !== undefined) {
        throw invalid(
          setting(field),
          `is only used by private_key_jwt (${setting('authMethod')} is ${authMethod})`,
          name,
        );
      }
    }
    // oauth4webapi signs client_secret_jwt assertions with HS256 only.
    if (
      client.clientAssertionAlg !== undefined &&
      (authMethod !== 'client_secret_jwt' || client.clientAssertionAlg !== 'HS256')
    ) {
      throw invalid(
        setting('clientAssertionAlg'),
        authMethod === 'client_secret_jwt'
          ? 'must be HS256 for client_secret_jwt'
          : `is only used by private_key_jwt and client_secret_jwt (${setting('authMethod')} is ${authMethod})`,
        name,
      );
    }
  }

  const tls = resolveTlsOptions(
    { certificate: client.tlsCertificate, key: client.tlsKey, ca: client.tlsCa },
    { certificate: setting('tlsCertificate'), key: setting('tlsKey'), ca: setting('tlsCa') },
    name,
  );
  if (TLS_METHODS.includes(authMethod)) {
    if (tls?.certificate === undefined)
      throw invalid(setting('tlsCertificate'), `is missing ${required}`, name);
    if (tokenEndpoint !== undefined && new URL(tokenEndpoint).protocol !== 'https:') {
      throw invalid(setting('tokenEndpoint'), `must use https for ${authMethod}`, name);
    }
  }

  if (client.dpop !== undefined && typeof client.dpop !== 'boolean') {
    throw invalid(setting('dpop'), 'must be true or false', name);
  }
  let dpop: ResolvedClientAuthentication['dpop'];
  if (client.dpop === true) {
    const key =
      client.dpopPrivateKey === undefined
        ? undefined
        : resolvePrivateKey(client.dpopPrivateKey, setting('dpopPrivateKey'), name, {
            allowed: DPOP_ALGORITHMS,
          });
    dpop = Object.freeze(key ? { key } : {});
  } else if (client.dpopPrivateKey !== undefined) {
    throw invalid(setting('dpopPrivateKey'), `is set but DPoP is off (set ${setting('dpop')} to true)`, name);
  }

  const clientAssertionAudience = validateClientAssertionAudience(client, authMethod, setting, name);

  return {
    authMethod,
    ...(clientSecret !== undefined ? { clientSecret } : {}),
    ...assertionKey,
    ...(clientAssertionAudience !== undefined ? { clientAssertionAudience } : {}),
    ...(tls ? { tls } : {}),
    ...(dpop ? { dpop } : {}),
  };
}
