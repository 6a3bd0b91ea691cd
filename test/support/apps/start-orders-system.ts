import type { OrdersApiSettings } from '../../../apps/orders-api/src/orders-api.config.js';
import type { TokenServerSettings } from '../../../apps/token-server/src/token-server.config.js';
import { startOrdersApi, type RunningOrdersApi } from './start-orders-api.js';
import { ordersCallerEnv, startOrdersCaller, type RunningOrdersCaller } from './start-orders-caller.js';
import { startTokenServer, type RunningTokenServer } from './start-token-server.js';

type CallerEnv = Record<string, string | undefined>;

export interface OrdersSystemOptions {
  /** Settings of the token server, over `startTokenServer`'s defaults. */
  tokenServer?: Partial<TokenServerSettings>;
  /** Settings of the orders-api, over its issuer (the token server's) and audience (the token server's resource). */
  ordersApi?: Partial<OrdersApiSettings>;
}

export interface ExternalOrdersSystemOptions {
  /** Another authorization server's issuer (e.g. glewlwyd): no token server is started, the orders-api trusts it. */
  issuer: string;
  /** Settings of the orders-api, over its issuer. */
  ordersApi?: Partial<OrdersApiSettings>;
}

export interface OrdersSystem<TokenServer extends RunningTokenServer | undefined = RunningTokenServer> {
  /** The token server started for the system (`undefined` with another authorization server's issuer). */
  tokenServer: TokenServer;
  ordersApi: RunningOrdersApi;
  /**
   * The orders-caller's env for this system, with `overrides` (an `undefined` value removes a variable). With the
   * token server: its token endpoint and the client it knows (`TEST_CLIENT`); with an issuer: that issuer and the
   * orders-api's audience as the resource, the client being the test's to name.
   */
  callerEnv(overrides?: CallerEnv): CallerEnv;
  /** Starts an orders-caller in-process on `callerEnv(overrides)`; `closeCallers` or `close` stops it. */
  startCaller(overrides?: CallerEnv): Promise<RunningOrdersCaller>;
  /** Stops every orders-caller `startCaller` started (a caller already closed by its test is skipped). */
  closeCallers(): Promise<void>;
  /** Stops the callers, the orders-api and the token server. */
  close(): Promise<void>;
}

/**
 * Starts the orders system for a test: a real token server, a real orders-api that accepts its tokens, and
 * orders-callers on demand (in-process, configured through env as a deployment would be), all on free loopback
 * ports. With `issuer`, another authorization server takes the token server's place.
 */
export function startOrdersSystem(options?: OrdersSystemOptions): Promise<OrdersSystem>;
export function startOrdersSystem(options: ExternalOrdersSystemOptions): Promise<OrdersSystem<undefined>>;
export async function startOrdersSystem(
  options: OrdersSystemOptions | ExternalOrdersSystemOptions = {},
): Promise<OrdersSystem<RunningTokenServer | undefined>> {
  const issuer = 'issuer' in options ? options.issuer : undefined;
  const tokenServer =
    issuer === undefined ? await startTokenServer((options as OrdersSystemOptions).tokenServer) : undefined;
  let ordersApi: RunningOrdersApi;
  try {
    ordersApi = await startOrdersApi({
      issuer: tokenServer?.url ?? issuer,
      ...(tokenServer ? { audience: tokenServer.settings.resource } : {}),
      ...options.ordersApi,
    });
  } catch (error) {
    await tokenServer?.close();
    throw error;
  }

  const callerEnv = (overrides: CallerEnv = {}): CallerEnv =>
    tokenServer
      ? ordersCallerEnv(tokenServer.tokenEndpoint, ordersApi.url, overrides)
      : {
          ACCESS_TOKEN_CLIENTS: 'orders',
          ACCESS_TOKEN_ORDERS_ISSUER: issuer,
          ACCESS_TOKEN_ORDERS_RESOURCE: ordersApi.settings.audience,
          ACCESS_TOKEN_ORDERS_BASE_URL: ordersApi.url,
          ...overrides,
        };
  const callers: RunningOrdersCaller[] = [];
  const closeCallers = async () => {
    await Promise.all(callers.splice(0).map((caller) => caller.close()));
  };

  return {
    tokenServer,
    ordersApi,
    callerEnv,
    startCaller: async (overrides) => {
      const running = await startOrdersCaller(callerEnv(overrides));
      let closed: Promise<void> | undefined;
      const caller = { ...running, close: () => (closed ??= running.close()) };
      callers.push(caller);
      return caller;
    },
    closeCallers,
    close: async () => {
      await closeCallers();
      await ordersApi.close();
      await tokenServer?.close();
    },
  };
}
