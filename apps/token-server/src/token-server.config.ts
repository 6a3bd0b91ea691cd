/**
 * Settings of the dev token server and the env convention that fills them.
 *
 * Every variable is checked at start-up so that a typo stops the server with one message naming the variable,
 * instead of surfacing later as an opaque `invalid_client` at the first token request. Values of secrets are
 * never part of a message.
 */

import { readFileSync } from 'node:fs';

import {
  readFileVariable,
  readHost,
  readOptional,
  readPort,
  readPositiveInteger,
  type Env,
  type FileReader,
} from '../../shared/env-readers.js';
import {
  CLIENT_AUTH_METHODS,
  isOneOf,
  SECRET_AUTH_METHODS,
  type ClientAuthMethod,
} from './client-auth-methods.js';
import { sampleClientsFromEnv } from './sample-clients.config.js';

export { DEFAULT_HOST } from '../../shared/env-readers.js';

/** The scopes the orders-api understands; the provider refuses any other scope. */
export const ORDERS_SCOPES = ['orders.read', 'orders.write'] as const;

/** A JWK Set of public keys, as a client registers it. */
export interface PublicJwks {
  keys: Array<Record<string, unknown>>;
}

export interface TokenServerClient {
  clientId: string;
  /** The shared secret of the `client_secret_*` methods. */
  clientSecret?: string;
  /** Space-separated scopes this client may ask for. */
  scope: string;
  /** How the client authenticates at the token endpoint; `client_secret_basic` when absent. */
  authMethod?: ClientAuthMethod;
  /** private_key_jwt: the client's public keys; self_signed_tls_client_auth: its certificates (`x5c`). */
  jwks?: PublicJwks;
  /** tls_client_auth: the subject DN of the certificate the client presents, e.g. `CN=orders-caller`. */
  tlsClientAuthSubjectDn?: string;
  /** Issue this client DPoP-bound tokens only (RFC 9449 §5.2, `dpop_bound_access_tokens`). */
  dpopBoundAccessTokens?: boolean;
  /** Bind this client's tokens to its TLS client certificate (RFC 8705 §3). */
  certificateBoundAccessTokens?: boolean;
}

/** Serving over TLS: the server's certificate and key, and the CA that issues `tls_client_auth` certificates. */
export interface TokenServerTls {
  cert: string;
  key: string;
  /** CA certificate(s) trusted for client certificates (`tls_client_auth`); self-signed ones need none. */
  clientCa?: string;
  /**
   * Test harness: request client certificates only on a second port, published as `mtls_endpoint_aliases`
   * (RFC 8705 §5), so a client that ignores the aliases is caught.
   */
  mtlsEndpointAlias?: boolean;
}

export interface TokenServerSettings {
  port: number;
  /** The interface `main.ts` listens on: loopback (`127.0.0.1`) unless `TOKEN_SERVER_HOST` names another. */
  host?: string;
  /** The `iss` of every token, and the base URL of discovery, `/token` and `/jwks`. */
  issuer: string;
  /** Lifetime of an access token (`expires_in`). */
  ttlSeconds: number;
  /** The orders-api URL: the RFC 8707 resource indicator, and so the `aud` of every token. */
  resource: string;
  clients: TokenServerClient[];
  /** Serve https (and enable mTLS client authentication and certificate-bound tokens). */
  tls?: TokenServerTls;
  /** Demand a DPoP nonce (RFC 9449 §8) in every token request's proof. */
  dpopRequireNonce?: boolean;
  /** Extra discovery metadata, e.g. `mtls_endpoint_aliases` (set by the harness). */
  discovery?: Record<string, unknown>;
  /** Clients registered besides `clients`, looked up on every request: their registration may change (tests). */
  registry?: ClientRegistry;
}

/** Where clients whose registration changes while the server runs are found (a rotated secret, a new key). */
export interface ClientRegistry {
  find(clientId: string): TokenServerClient | undefined;
}

/** The single env client authenticates with a shared secret; the others have env settings of their own. */
const ENV_CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post'];

/** RFC 6749 appendix A: client ids and secrets are VSCHAR (printable ASCII); oidc-provider enforces it. */
const VSCHAR = /^[\x20-\x7e]+$/;

/**
 * Reads the settings from `env` (normally `process.env` after the `.env` files were loaded). Besides the main client,
 * optional clients show the other ways to authenticate and bind tokens (see sample-clients.config.ts).
 */
export function tokenServerSettingsFromEnv(
  env: Env,
  readFile: FileReader = (path) => readFileSync(path, 'utf8'),
): TokenServerSettings {
  const port = readPort(env, 'TOKEN_SERVER_PORT', 4000);
  const host = readHost(env, 'TOKEN_SERVER_HOST');
  const tls = readTls(env, readFile);
  const issuer = readHttpUrl(env, 'TOKEN_SERVER_ISSUER', `${tls ? 'https' : 'http'}://localhost:${port}`);
  const authMethod = readOptional(env, 'TOKEN_SERVER_CLIENT_AUTH_METHOD');
  if (authMethod !== undefined && !ENV_CLIENT_AUTH_METHODS.includes(authMethod as ClientAuthMethod)) {
    throw new Error(`TOKEN_SERVER_CLIENT_AUTH_METHOD must be one of ${ENV_CLIENT_AUTH_METHODS.join(', ')}`);
  }
  return {
    port,
    host,
    issuer,
    ttlSeconds: readPositiveInteger(env, 'TOKEN_TTL_SECONDS') ?? 300,
    // The orders-api's own default URL, so that moving it takes ORDERS_API_PORT alone.
    resource: readResource(
      env,
      'ORDERS_API_URL',
      `http://localhost:${readPort(env, 'ORDERS_API_PORT', 3001)}`,
    ),
    clients: [
      {
        clientId: readClientId(env, 'TOKEN_SERVER_CLIENT_ID', 'orders-caller'),
        clientSecret: readSecret(env, 'TOKEN_SERVER_CLIENT_SECRET'),
        scope: readScope(env, 'TOKEN_SERVER_CLIENT_SCOPE', ORDERS_SCOPES.join(' ')),
        authMethod: (authMethod as ClientAuthMethod | undefined) ?? 'client_secret_basic',
      },
      ...sampleClientsFromEnv(env, readFile, tls !== undefined),
    ],
    ...(tls ? { tls } : {}),
    ...(readOptional(env, 'TOKEN_SERVER_DPOP_NONCE') === 'true' ? { dpopRequireNonce: true } : {}),
  };
}

function readTls(env: Env, readFile: FileReader): TokenServerTls | undefined {
  const cert = readFileVariable(env, 'TOKEN_SERVER_TLS_CERT_FILE', readFile);
  const key = readFileVariable(env, 'TOKEN_SERVER_TLS_KEY_FILE', readFile);
  const clientCa = readFileVariable(env, 'TOKEN_SERVER_TLS_CLIENT_CA_FILE', readFile);
  if (cert === undefined && key === undefined) {
    if (clientCa !== undefined)
      throw new Error('TOKEN_SERVER_TLS_CLIENT_CA_FILE needs TOKEN_SERVER_TLS_CERT_FILE');
    return undefined;
  }
  if (cert === undefined || key === undefined) {
    throw new Error('TOKEN_SERVER_TLS_CERT_FILE and TOKEN_SERVER_TLS_KEY_FILE must be set together');
  }
  return { cert, key, ...(clientCa !== undefined ? { clientCa } : {}) };
}

/** Checks settings that did not come from env (tests build them by hand) with the same rules. */
export function assertValidTokenServerSettings(settings: TokenServerSettings): void {
  assertHttpUrl(settings.issuer, 'issuer');
  assertResource(settings.resource, 'resource');
  if (!Number.isSafeInteger(settings.ttlSeconds) || settings.ttlSeconds <= 0) {
    throw new Error('ttlSeconds must be a positive integer');
  }
  if (settings.clients.length === 0) throw new Error('clients must name at least one client');
  const ids = new Set<string>();
  settings.clients.forEach((client, index) => {
    const where = `clients[${index}]`;
    assertClientId(client.clientId, `${where}.clientId`);
    if (ids.has(client.clientId)) throw new Error(`${where}.clientId is a duplicate`);
    ids.add(client.clientId);
    const authMethod = client.authMethod ?? 'client_secret_basic';
    if (!CLIENT_AUTH_METHODS.includes(authMethod)) {
      throw new Error(`${where}.authMethod must be one of ${CLIENT_AUTH_METHODS.join(', ')}`);
    }
    if (isOneOf(SECRET_AUTH_METHODS, authMethod) || client.clientSecret !== undefined) {
      assertSecret(client.clientSecret ?? '', `${where}.clientSecret`);
    }
    assertScope(client.scope, `${where}.scope`);
    if (
      ['private_key_jwt', 'self_signed_tls_client_auth'].includes(authMethod) &&
      !client.jwks?.keys.length
    ) {
      throw new Error(`${where}.jwks is required by ${authMethod}`);
    }
    if (authMethod === 'tls_client_auth' && !client.tlsClientAuthSubjectDn) {
      throw new Error(`${where}.tlsClientAuthSubjectDn is required by tls_client_auth`);
    }
    const mtls = authMethod.endsWith('tls_client_auth') || client.certificateBoundAccessTokens === true;
    if (mtls && settings.tls === undefined) {
      throw new Error(`${where} needs mutual TLS: the token server must run with tls settings`);
    }
  });
}

function readHttpUrl(env: Env, name: string, fallback: string): string {
  const value = readOptional(env, name) ?? fallback;
  assertHttpUrl(value, name);
  // oidc-provider appends its routes to the issuer; a trailing slash would give `//token`.
  return value.replace(/\/+$/, '');
}

function readResource(env: Env, name: string, fallback: string): string {
  const value = readOptional(env, name) ?? fallback;
  assertResource(value, name);
  // Kept verbatim: RFC 8707 resources are compared as strings, so the client must send exactly this value.
  return value;
}

function readClientId(env: Env, name: string, fallback: string): string {
  const value = readOptional(env, name) ?? fallback;
  assertClientId(value, name);
  return value;
}

function readSecret(env: Env, name: string): string {
  // Not trimmed beyond the emptiness check: a secret may legitimately start or end with a space.
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new Error(`${name} is required`);
  assertSecret(value, name);
  return value;
}

function readScope(env: Env, name: string, fallback: string): string {
  const value = readOptional(env, name) ?? fallback;
  assertScope(value, name);
  return value.split(/\s+/).join(' ');
}

function assertHttpUrl(value: string, name: string): void {
  const url = parseUrl(value);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
    throw new Error(`${name} must be an http(s) URL without query or fragment`);
  }
}

function assertResource(value: string, name: string): void {
  const url = parseUrl(value);
  // RFC 8707 section 2: an absolute URI without a fragment.
  if (!url || url.hash || value.includes('#'))
    throw new Error(`${name} must be an absolute URL without fragment`);
}

function assertClientId(value: string, name: string): void {
  if (!value || !VSCHAR.test(value) || /\s/.test(value)) {
    throw new Error(`${name} must be printable ASCII without spaces`);
  }
}

function assertSecret(value: string, name: string): void {
  if (!value || !VSCHAR.test(value)) throw new Error(`${name} must be non-empty printable ASCII`);
}

function assertScope(value: string, name: string): void {
  const scopes = value.trim().split(/\s+/);
  const unknown = scopes.filter((scope) => !(ORDERS_SCOPES as readonly string[]).includes(scope));
  if (value.trim() === '' || unknown.length > 0) {
    throw new Error(`${name} must be a space-separated subset of: ${ORDERS_SCOPES.join(' ')}`);
  }
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}
