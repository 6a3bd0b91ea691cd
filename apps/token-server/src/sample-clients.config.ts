/**
 * The optional sample clients of the dev token server, one per modern way to authenticate or bind tokens, each
 * registered only when its env settings are present:
 *
 * - `TOKEN_SERVER_DPOP_CLIENT_SECRET` (+ `TOKEN_SERVER_DPOP_CLIENT_ID`, default `orders-caller-dpop`): a
 *   client_secret_basic client that gets DPoP-bound tokens only (RFC 9449).
 * - `TOKEN_SERVER_JWT_CLIENT_JWKS` or `TOKEN_SERVER_JWT_CLIENT_JWKS_FILE` (+ `TOKEN_SERVER_JWT_CLIENT_ID`, default
 *   `orders-caller-jwt`): a private_key_jwt client (RFC 7523) with these public keys.
 * - with TLS on, `TOKEN_SERVER_MTLS_CLIENT_SUBJECT_DN` (tls_client_auth, certificates of
 *   `TOKEN_SERVER_TLS_CLIENT_CA_FILE`) or `TOKEN_SERVER_MTLS_CLIENT_CERT_FILE` (self_signed_tls_client_auth with this
 *   certificate) (+ `TOKEN_SERVER_MTLS_CLIENT_ID`, default `orders-caller-mtls`): an mTLS client whose tokens are bound
 *   to its certificate (RFC 8705).
 */

import { X509Certificate } from 'node:crypto';

import { readFileVariable, readOptional, type Env, type FileReader } from '../../shared/env-readers.js';
import { ORDERS_SCOPES, type PublicJwks, type TokenServerClient } from './token-server.config.js';

/** Members that only private or symmetric JWKs have. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

export function sampleClientsFromEnv(env: Env, readFile: FileReader, tls: boolean): TokenServerClient[] {
  const scope = ORDERS_SCOPES.join(' ');
  const clients: TokenServerClient[] = [];

  const dpopSecret = readOptional(env, 'TOKEN_SERVER_DPOP_CLIENT_SECRET');
  if (dpopSecret !== undefined) {
    clients.push({
      clientId: readOptional(env, 'TOKEN_SERVER_DPOP_CLIENT_ID') ?? 'orders-caller-dpop',
      clientSecret: dpopSecret,
      scope,
      authMethod: 'client_secret_basic',
      dpopBoundAccessTokens: true,
    });
  }

  const jwksInline = readOptional(env, 'TOKEN_SERVER_JWT_CLIENT_JWKS');
  const jwksFile = readFileVariable(env, 'TOKEN_SERVER_JWT_CLIENT_JWKS_FILE', readFile);
  if (jwksInline !== undefined && jwksFile !== undefined) {
    throw new Error(
      'TOKEN_SERVER_JWT_CLIENT_JWKS and TOKEN_SERVER_JWT_CLIENT_JWKS_FILE are both set: set one',
    );
  }
  const jwksText = jwksInline ?? jwksFile;
  if (jwksText !== undefined) {
    clients.push({
      clientId: readOptional(env, 'TOKEN_SERVER_JWT_CLIENT_ID') ?? 'orders-caller-jwt',
      scope,
      authMethod: 'private_key_jwt',
      jwks: parsePublicJwks(
        jwksText,
        jwksInline !== undefined ? 'TOKEN_SERVER_JWT_CLIENT_JWKS' : 'TOKEN_SERVER_JWT_CLIENT_JWKS_FILE',
      ),
    });
  }

  const subjectDn = readOptional(env, 'TOKEN_SERVER_MTLS_CLIENT_SUBJECT_DN');
  const certificate = readFileVariable(env, 'TOKEN_SERVER_MTLS_CLIENT_CERT_FILE', readFile);
  if (subjectDn !== undefined || certificate !== undefined) {
    const variable =
      subjectDn !== undefined ? 'TOKEN_SERVER_MTLS_CLIENT_SUBJECT_DN' : 'TOKEN_SERVER_MTLS_CLIENT_CERT_FILE';
    if (!tls)
      throw new Error(`${variable} needs TLS: set TOKEN_SERVER_TLS_CERT_FILE and TOKEN_SERVER_TLS_KEY_FILE`);
    if (subjectDn !== undefined && certificate !== undefined) {
      throw new Error(
        'TOKEN_SERVER_MTLS_CLIENT_SUBJECT_DN and TOKEN_SERVER_MTLS_CLIENT_CERT_FILE are both set: set one',
      );
    }
    const clientId = readOptional(env, 'TOKEN_SERVER_MTLS_CLIENT_ID') ?? 'orders-caller-mtls';
    clients.push(
      subjectDn !== undefined
        ? {
            clientId,
            scope,
            authMethod: 'tls_client_auth',
            tlsClientAuthSubjectDn: subjectDn,
            certificateBoundAccessTokens: true,
          }
        : {
            clientId,
            scope,
            authMethod: 'self_signed_tls_client_auth',
            jwks: certificateJwks(certificate as string, variable),
            certificateBoundAccessTokens: true,
          },
    );
  }
  return clients;
}

/** A JWK Set from JSON text, public keys only: the server must never hold a client's private key. */
export function parsePublicJwks(text: string, name: string): PublicJwks {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${name} must be a JWK Set as JSON ({"keys":[...]})`);
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0 || keys.some((key) => typeof key?.kty !== 'string')) {
    throw new Error(`${name} must be a JWK Set with at least one key ({"keys":[{"kty":...}]})`);
  }
  if (keys.some((key) => PRIVATE_MEMBERS.some((member) => member in key))) {
    throw new Error(`${name} must hold public keys only`);
  }
  return { keys };
}

/** The JWK Set of a self-signed client certificate: its public key with the certificate as `x5c`. */
export function certificateJwks(pem: string, name: string): PublicJwks {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch {
    throw new Error(`${name} must name a PEM certificate`);
  }
  const jwk = certificate.publicKey.export({ format: 'jwk' });
  return { keys: [{ ...jwk, x5c: [certificate.raw.toString('base64')] }] };
}
