/**
 * Settings of the orders-api and the env convention that fills them. A missing or malformed variable stops
 * start-up with one message naming it.
 */

import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

export interface OrdersApiSettings {
  port: number;
  /** The interface `main.ts` listens on: loopback (`127.0.0.1`) unless `ORDERS_API_HOST` names another. */
  host?: string;
  /** The token server whose tokens this API accepts: the expected `iss`. */
  issuer: string;
  /** This API's own identifier (its URL): the expected `aud`, the resource clients ask tokens for. */
  audience: string;
  /**
   * The URL clients reach this API at, which DPoP proofs must name (`htu` = this URL + the request path); the audience
   * when absent. Never taken from the request's `Host` header, which the caller chooses.
   */
  publicUrl?: string;
  /** Where the token server publishes its signing keys; `${issuer}/jwks` (oidc-provider's route) when absent. */
  jwksUri?: string;
  /**
   * Serve https with this certificate and key, and ask callers for a client certificate (never require one), so that
   * certificate-bound tokens (RFC 8705) can be checked.
   */
  tls?: { cert: string; key: string };
  /** Demand a server-issued nonce in DPoP proofs (RFC 9449 section 9). */
  dpopNonce?: boolean;
  /** How many DPoP proof `jti`s are remembered at once (100 000 when absent); beyond that, new proofs get 503. */
  dpopReplayCacheSize?: number;
  /** PEM of the CA that issued the token server's TLS certificate, when it is not a public one. */
  tokenServerCa?: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** The API is reachable from this machine only, unless ORDERS_API_HOST opens it up. */
export const DEFAULT_HOST = '127.0.0.1';
/** Dot-separated labels of letters, digits and hyphens. */
const HOST_NAME = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/;

/** Reads a file named by an env variable; tests pass their own. */
export type FileReader = (path: string) => string;

export function ordersApiSettingsFromEnv(
  env: Env,
  readFile: FileReader = (path) => readFileSync(path, 'utf8'),
): OrdersApiSettings {
  const jwksUri = readOptional(env, 'ORDERS_API_JWKS_URI');
  if (jwksUri !== undefined) assertHttpUrl(jwksUri, 'ORDERS_API_JWKS_URI');
  const port = readPort(env, 'ORDERS_API_PORT', 3001);
  // The defaults follow the ports, so that moving an app takes its port variable alone.
  const issuer =
    readOptional(env, 'TOKEN_SERVER_ISSUER') ??
    `http://localhost:${readPort(env, 'TOKEN_SERVER_PORT', 4000)}`;
  assertHttpUrl(issuer, 'TOKEN_SERVER_ISSUER');
  const audience = readOptional(env, 'ORDERS_API_URL') ?? `http://localhost:${port}`;
  assertHttpUrl(audience, 'ORDERS_API_URL');
  return {
    port,
    host: readHost(env, 'ORDERS_API_HOST'),
    // Compared verbatim with the `iss` claim, so only a trailing slash (never part of oidc-provider's issuer) goes.
    issuer: issuer.replace(/\/+$/, ''),
    // Compared verbatim with `aud`: it must be exactly the resource the clients ask the token server for.
    audience,
    ...(jwksUri !== undefined ? { jwksUri } : {}),
    ...readTls(env, readFile),
    ...readTokenServerCa(env, readFile),
    ...(readOptional(env, 'ORDERS_API_DPOP_NONCE') === 'true' ? { dpopNonce: true } : {}),
    ...readReplayCacheSize(env),
  };
}

function readReplayCacheSize(env: Env): Pick<OrdersApiSettings, 'dpopReplayCacheSize'> {
  const name = 'ORDERS_API_DPOP_REPLAY_CACHE_SIZE';
  const raw = readOptional(env, name);
  if (raw === undefined) return {};
  const size = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(size) || size < 1) {
    throw new Error(`${name} must be a positive integer`);
  }
  return { dpopReplayCacheSize: size };
}

function readTokenServerCa(env: Env, readFile: FileReader): Pick<OrdersApiSettings, 'tokenServerCa'> {
  const path = readOptional(env, 'ORDERS_API_TOKEN_SERVER_CA_FILE');
  return path === undefined
    ? {}
    : { tokenServerCa: readNamedFile('ORDERS_API_TOKEN_SERVER_CA_FILE', path, readFile) };
}

function readNamedFile(name: string, path: string, readFile: FileReader): string {
  try {
    return readFile(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new Error(
      `${name} names a file that cannot be read${typeof code === 'string' ? ` (${code})` : ''}`,
      { cause: error },
    );
  }
}

function readTls(env: Env, readFile: FileReader): Pick<OrdersApiSettings, 'tls'> {
  const certPath = readOptional(env, 'ORDERS_API_TLS_CERT_FILE');
  const keyPath = readOptional(env, 'ORDERS_API_TLS_KEY_FILE');
  if (certPath === undefined && keyPath === undefined) return {};
  if (certPath === undefined || keyPath === undefined) {
    throw new Error('ORDERS_API_TLS_CERT_FILE and ORDERS_API_TLS_KEY_FILE must be set together');
  }
  const read = (name: string, path: string) => readNamedFile(name, path, readFile);
  return {
    tls: { cert: read('ORDERS_API_TLS_CERT_FILE', certPath), key: read('ORDERS_API_TLS_KEY_FILE', keyPath) },
  };
}

/** The URL a DPoP proof for a request to `path` (path and query, as received) must name. */
export function publicUrlOf(
  settings: Pick<OrdersApiSettings, 'audience' | 'publicUrl'>,
  path: string,
): string {
  const base = new URL(settings.publicUrl ?? settings.audience);
  // The API's routes hang below the URL's path (a reverse proxy may publish it as https://example.com/orders-api).
  return `${base.origin}${base.pathname.replace(/\/+$/, '')}${path}`;
}

/** The JWKS location the settings imply. */
export function jwksUriOf(settings: Pick<OrdersApiSettings, 'issuer' | 'jwksUri'>): string {
  return settings.jwksUri ?? `${settings.issuer.replace(/\/+$/, '')}/jwks`;
}

function readOptional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** A host name or IP address to listen on, e.g. `0.0.0.0` (every IPv4 interface) or `::`. */
function readHost(env: Env, name: string): string {
  const value = readOptional(env, name) ?? DEFAULT_HOST;
  if (isIP(value) === 0 && !HOST_NAME.test(value)) {
    throw new Error(`${name} must be a host name or an IP address (e.g. 127.0.0.1, 0.0.0.0, ::)`);
  }
  return value;
}

function readPort(env: Env, name: string, fallback: number): number {
  const raw = readOptional(env, name);
  if (raw === undefined) return fallback;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65535)
    throw new Error(`${name} must be a port number (1-65535)`);
  return port;
}

function assertHttpUrl(value: string, name: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name} must be an absolute http(s) URL`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hash) {
    throw new Error(`${name} must be an absolute http(s) URL without fragment`);
  }
}
