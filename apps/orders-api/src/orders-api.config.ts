/**
 * Settings of the orders-api and the env convention that fills them. A missing or malformed variable stops
 * start-up with one message naming it.
 */

export interface OrdersApiSettings {
  port: number;
  /** The token server whose tokens this API accepts: the expected `iss`. */
  issuer: string;
  /** This API's own identifier (its URL): the expected `aud`, the resource clients ask tokens for. */
  audience: string;
  /** Where the token server publishes its signing keys; `${issuer}/jwks` (oidc-provider's route) when absent. */
  jwksUri?: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

export function ordersApiSettingsFromEnv(env: Env): OrdersApiSettings {
  const jwksUri = readOptional(env, 'ORDERS_API_JWKS_URI');
  if (jwksUri !== undefined) assertHttpUrl(jwksUri, 'ORDERS_API_JWKS_URI');
  const issuer = readOptional(env, 'TOKEN_SERVER_ISSUER') ?? 'http://localhost:4000';
  assertHttpUrl(issuer, 'TOKEN_SERVER_ISSUER');
  const audience = readOptional(env, 'ORDERS_API_URL') ?? 'http://localhost:3001';
  assertHttpUrl(audience, 'ORDERS_API_URL');
  return {
    port: readPort(env, 'ORDERS_API_PORT', 3001),
    // Compared verbatim with the `iss` claim, so only a trailing slash (never part of oidc-provider's issuer) goes.
    issuer: issuer.replace(/\/+$/, ''),
    // Compared verbatim with `aud`: it must be exactly the resource the clients ask the token server for.
    audience,
    ...(jwksUri !== undefined ? { jwksUri } : {}),
  };
}

/** The JWKS location the settings imply. */
export function jwksUriOf(settings: Pick<OrdersApiSettings, 'issuer' | 'jwksUri'>): string {
  return settings.jwksUri ?? `${settings.issuer.replace(/\/+$/, '')}/jwks`;
}

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
