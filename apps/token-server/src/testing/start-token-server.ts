import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { TokenServerSettings } from '../token-server.config.js';
import { createTokenServerApp } from '../token-server-app.factory.js';

/** The client every harness token server knows unless `clients` is overridden. */
export const TEST_CLIENT = {
  clientId: 'orders-caller',
  clientSecret: 'orders-caller-test-secret',
  scope: 'orders.read orders.write',
} as const;

/** The default resource (token audience): the `ORDERS_API_URL` default, also `startOrdersApi`'s default audience. */
export const TEST_RESOURCE = 'http://localhost:3001';

export interface RunningTokenServer {
  /** The issuer, `http://127.0.0.1:<port>`; discovery is at `${url}/.well-known/openid-configuration`. */
  url: string;
  tokenEndpoint: string;
  jwksUri: string;
  settings: TokenServerSettings;
  /** How many `POST /token` requests reached the server (successful or not) since it started. */
  tokenRequests(): number;
  close(): Promise<void>;
}

/**
 * Starts a real token server on a free loopback port, for tests.
 *
 * The issuer must contain the port, and oidc-provider needs the issuer when it is built; so the HTTP server is
 * bound first (port 0, no race with other processes) and the Nest app is attached to it once the port is known.
 */
export async function startTokenServer(
  overrides: Partial<TokenServerSettings> = {},
): Promise<RunningTokenServer> {
  const server = createServer();
  await listen(server);
  const { port } = server.address() as AddressInfo;
  const settings: TokenServerSettings = {
    issuer: `http://127.0.0.1:${port}`,
    ttlSeconds: 300,
    resource: TEST_RESOURCE,
    clients: [{ ...TEST_CLIENT }],
    ...overrides,
    port,
  };

  let tokenRequests = 0;
  let app;
  try {
    app = await createTokenServerApp(settings, { logger: ['error'] });
    // Registered before `init()` mounts the provider, so it sees every request first.
    app.use((req: { method: string; url: string }, _res: unknown, next: () => void) => {
      if (req.method === 'POST' && req.url.split('?')[0] === '/token') tokenRequests += 1;
      next();
    });
    await app.init();
  } catch (error) {
    server.close();
    throw error;
  }
  server.on('request', app.getHttpAdapter().getInstance());

  return {
    url: settings.issuer,
    tokenEndpoint: `${settings.issuer}/token`,
    jwksUri: `${settings.issuer}/jwks`,
    settings,
    tokenRequests: () => tokenRequests,
    close: async () => {
      // Node's fetch keeps connections alive; without this `close` would wait for them to time out.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
    },
  };
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}
