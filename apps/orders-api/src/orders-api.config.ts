/**
 * Settings of the orders-api and the env convention that fills them. A missing or malformed variable stops
 * start-up with one message naming it.
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

export { DEFAULT_HOST } from '../../shared/env-readers.js';

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
  const size = readPositiveInteger(env, 'ORDERS_API_DPOP_REPLAY_CACHE_SIZE');
  return size === undefined ? {} : { dpopReplayCacheSize: size };
}

function readTokenServerCa(env: Env, readFile: FileReader): Pick<OrdersApiSettings, 'tokenServerCa'> {
  const tokenServerCa = readFileVariable(env, 'ORDERS_API_TOKEN_SERVER_CA_FILE', readFile);
  return tokenServerCa === undefined ? {} : { tokenServerCa };
}

function readTls(env: Env, readFile: FileReader): Pick<OrdersApiSettings, 'tls'> {
  const certSet = readOptional(env, 'ORDERS_API_TLS_CERT_FILE') !== undefined;
  const keySet = readOptional(env, 'ORDERS_API_TLS_KEY_FILE') !== undefined;
  if (!certSet && !keySet) return {};
  // Checked before either file is read: the missing half is the mistake to report.
  if (certSet !== keySet) {
    throw new Error('ORDERS_API_TLS_CERT_FILE and ORDERS_API_TLS_KEY_FILE must be set together');
  }
  const cert = readFileVariable(env, 'ORDERS_API_TLS_CERT_FILE', readFile);
  const key = readFileVariable(env, 'ORDERS_API_TLS_KEY_FILE', readFile);
  return cert !== undefined && key !== undefined ? { tls: { cert, key } } : {};
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
