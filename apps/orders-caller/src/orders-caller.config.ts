/**
 * Where the orders-caller listens. Its access token client comes from the library's env convention
 * (`ACCESS_TOKEN_*`, read by `accessTokenOptionsFromEnv`); these are the app's own variables.
 */

import { isIP } from 'node:net';

import type { EnvSource } from 'nestjs-access-token-management';

export interface OrdersCallerSettings {
  port: number;
  /** Loopback (`127.0.0.1`) unless `ORDERS_CALLER_HOST` names another interface. */
  host: string;
}

/** The caller is reachable from this machine only, unless ORDERS_CALLER_HOST opens it up. */
export const DEFAULT_HOST = '127.0.0.1';
/** Dot-separated labels of letters, digits and hyphens. */
const HOST_NAME = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/;

/** Reads `ORDERS_CALLER_PORT` (3000) and `ORDERS_CALLER_HOST`; a malformed value throws naming the variable. */
export function ordersCallerSettingsFromEnv(env: EnvSource): OrdersCallerSettings {
  const rawPort = env.ORDERS_CALLER_PORT?.trim() || '3000';
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port < 1 || port > 65535) {
    throw new Error('ORDERS_CALLER_PORT must be a port number (1-65535)');
  }
  const host = env.ORDERS_CALLER_HOST?.trim() || DEFAULT_HOST;
  if (isIP(host) === 0 && !HOST_NAME.test(host)) {
    throw new Error('ORDERS_CALLER_HOST must be a host name or an IP address (e.g. 127.0.0.1, 0.0.0.0, ::)');
  }
  return { port, host };
}
