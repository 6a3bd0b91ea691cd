/**
 * Settings of the dev token server and the env convention that fills them.
 *
 * Every variable is checked at start-up so that a typo stops the server with one message naming the variable,
 * instead of surfacing later as an opaque `invalid_client` at the first token request. Values of secrets are
 * never part of a message.
 */

/** The scopes the orders-api understands; the provider refuses any other scope. */
export const ORDERS_SCOPES = ['orders.read', 'orders.write'] as const;

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post';

export interface TokenServerClient {
  clientId: string;
  clientSecret: string;
  /** Space-separated scopes this client may ask for. */
  scope: string;
  /** How the client authenticates at the token endpoint; `client_secret_basic` when absent. */
  authMethod?: ClientAuthMethod;
}

export interface TokenServerSettings {
  port: number;
  /** The `iss` of every token, and the base URL of discovery, `/token` and `/jwks`. */
  issuer: string;
  /** Lifetime of an access token (`expires_in`). */
  ttlSeconds: number;
  /** The orders-api URL: the RFC 8707 resource indicator, and so the `aud` of every token. */
  resource: string;
  clients: TokenServerClient[];
}

export type Env = Readonly<Record<string, string | undefined>>;

const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post'];

/** RFC 6749 appendix A: client ids and secrets are VSCHAR (printable ASCII); oidc-provider enforces it. */
const VSCHAR = /^[\x20-\x7e]+$/;

/** Reads the settings from `env` (normally `process.env` after the `.env` files were loaded). */
export function tokenServerSettingsFromEnv(env: Env): TokenServerSettings {
  const port = readPort(env, 'TOKEN_SERVER_PORT', 4000);
  const issuer = readHttpUrl(env, 'TOKEN_SERVER_ISSUER', `http://localhost:${port}`);
  const authMethod = readOptional(env, 'TOKEN_SERVER_CLIENT_AUTH_METHOD');
  if (authMethod !== undefined && !CLIENT_AUTH_METHODS.includes(authMethod as ClientAuthMethod)) {
    throw new Error(`TOKEN_SERVER_CLIENT_AUTH_METHOD must be one of ${CLIENT_AUTH_METHODS.join(', ')}`);
  }
  return {
    port,
    issuer,
    ttlSeconds: readPositiveInteger(env, 'TOKEN_TTL_SECONDS', 300),
    resource: readResource(env, 'ORDERS_API_URL', 'http://localhost:3001'),
    clients: [
      {
        clientId: readClientId(env, 'TOKEN_SERVER_CLIENT_ID', 'orders-caller'),
        clientSecret: readSecret(env, 'TOKEN_SERVER_CLIENT_SECRET'),
        scope: readScope(env, 'TOKEN_SERVER_CLIENT_SCOPE', ORDERS_SCOPES.join(' ')),
        authMethod: (authMethod as ClientAuthMethod | undefined) ?? 'client_secret_basic',
      },
    ],
  };
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
    assertSecret(client.clientSecret, `${where}.clientSecret`);
    assertScope(client.scope, `${where}.scope`);
    if (client.authMethod !== undefined && !CLIENT_AUTH_METHODS.includes(client.authMethod)) {
      throw new Error(`${where}.authMethod must be one of ${CLIENT_AUTH_METHODS.join(', ')}`);
    }
  });
}

/** Blank values count as unset, so `FOO=` in a `.env` file falls back to the default like a missing line. */
function readOptional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function readPort(env: Env, name: string, fallback: number): number {
  const raw = readOptional(env, name);
  if (raw === undefined) return fallback;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65535)
    throw new Error(`${name} must be a port number (1-65535)`);
  return port;
}

function readPositiveInteger(env: Env, name: string, fallback: number): number {
  const raw = readOptional(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value <= 0) {
    throw new Error(`${name} must be a positive integer`);
  }
  return value;
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
