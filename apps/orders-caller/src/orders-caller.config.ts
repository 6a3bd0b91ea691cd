/**
 * Where the orders-caller listens. Its access token client comes from the library's env convention
 * (`ACCESS_TOKEN_*`, read by `accessTokenOptionsFromEnv`); these are the app's own variables.
 */

import { readHost, readPort, type Env } from '../../shared/env-readers.js';

export { DEFAULT_HOST } from '../../shared/env-readers.js';

export interface OrdersCallerSettings {
  port: number;
  /** Loopback (`127.0.0.1`) unless `ORDERS_CALLER_HOST` names another interface. */
  host: string;
}

/** Reads `ORDERS_CALLER_PORT` (3000) and `ORDERS_CALLER_HOST`; a malformed value throws naming the variable. */
export function ordersCallerSettingsFromEnv(env: Env): OrdersCallerSettings {
  return { port: readPort(env, 'ORDERS_CALLER_PORT', 3000), host: readHost(env, 'ORDERS_CALLER_HOST') };
}
