import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type Provider from 'oidc-provider';

import { OIDC_PROVIDER } from '../../../apps/token-server/src/token-server.constants.js';
import type { TokenServerSettings } from '../../../apps/token-server/src/token-server.config.js';
import {
  createTokenServerApp,
  httpsOptionsOf,
} from '../../../apps/token-server/src/token-server-app.factory.js';

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
  /** How many token requests the provider refused (its `grant.error` events), e.g. for `invalid_client`. */
  refusedTokenRequests(): number;
  /** The `DPoP` header of every `POST /token` request, in order (`undefined` when a request had none). */
  dpopProofs: Array<string | undefined>;
  /** The `client_assertion` of every token request that got as far as the grant (granted or refused), in order. */
  clientAssertions: string[];
  /** With `tls.mtlsEndpointAlias`: the token endpoint on the port that asks for client certificates. */
  mtlsTokenEndpoint?: string;
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
  hooks: {
    /** Runs as each `POST /token` arrives, before the provider reads it (a test changes something mid-request). */
    beforeTokenRequest?: () => void | Promise<void>;
  } = {},
): Promise<RunningTokenServer> {
  const tls = overrides.tls;
  // With TLS and an mTLS alias, the main port does not ask for client certificates; the alias port does.
  const server = tls ? createHttpsServer(httpsOptionsOf(tls, !tls.mtlsEndpointAlias)) : createServer();
  const aliasServer = tls?.mtlsEndpointAlias ? createHttpsServer(httpsOptionsOf(tls, true)) : undefined;
  const servers = aliasServer ? [server, aliasServer] : [server];
  await Promise.all(servers.map(listen));
  const { port } = server.address() as AddressInfo;
  const scheme = tls ? 'https' : 'http';
  const mtlsTokenEndpoint = aliasServer
    ? `https://127.0.0.1:${(aliasServer.address() as AddressInfo).port}/token`
    : undefined;
  const settings: TokenServerSettings = {
    issuer: `${scheme}://127.0.0.1:${port}`,
    ttlSeconds: 300,
    resource: TEST_RESOURCE,
    clients: [{ ...TEST_CLIENT }],
    ...overrides,
    ...(mtlsTokenEndpoint
      ? {
          discovery: { ...overrides.discovery, mtls_endpoint_aliases: { token_endpoint: mtlsTokenEndpoint } },
        }
      : {}),
    port,
  };

  let tokenRequests = 0;
  let refusedTokenRequests = 0;
  const dpopProofs: Array<string | undefined> = [];
  const clientAssertions: string[] = [];
  let app;
  try {
    const restoreStructuredClone = realmLocalStructuredClone();
    try {
      app = await createTokenServerApp(settings, { logger: ['error'] });
    } finally {
      restoreStructuredClone();
    }
    // Registered before `init()` mounts the provider, so it sees every request first.
    app.use(
      (
        req: { method: string; url: string; headers: Record<string, string | string[] | undefined> },
        _res: unknown,
        next: () => void,
      ) => {
        if (req.method === 'POST' && req.url.split('?')[0] === '/token') {
          tokenRequests += 1;
          const dpop = req.headers.dpop;
          dpopProofs.push(typeof dpop === 'string' ? dpop : undefined);
          if (hooks.beforeTokenRequest) {
            void Promise.resolve(hooks.beforeTokenRequest()).then(() => next());
            return;
          }
        }
        next();
      },
    );
    await app.init();
    const provider = app.get<Provider>(OIDC_PROVIDER, { strict: false });
    const recordAssertion = (ctx: { oidc?: { params?: Record<string, unknown> } }) => {
      const assertion = ctx.oidc?.params?.client_assertion;
      if (typeof assertion === 'string') clientAssertions.push(assertion);
    };
    provider.on('grant.success', recordAssertion);
    provider.on('grant.error', (ctx: Parameters<typeof recordAssertion>[0]) => {
      refusedTokenRequests += 1;
      recordAssertion(ctx);
    });
  } catch (error) {
    servers.forEach((each) => each.close());
    throw error;
  }
  const handler = app.getHttpAdapter().getInstance();
  servers.forEach((each) => each.on('request', handler));

  return {
    url: settings.issuer,
    tokenEndpoint: `${settings.issuer}/token`,
    jwksUri: `${settings.issuer}/jwks`,
    settings,
    tokenRequests: () => tokenRequests,
    refusedTokenRequests: () => refusedTokenRequests,
    dpopProofs,
    clientAssertions,
    ...(mtlsTokenEndpoint ? { mtlsTokenEndpoint } : {}),
    close: async () => {
      // Node's fetch keeps connections alive; without this `close` would wait for them to time out.
      await Promise.all(
        servers.map((each) => {
          each.closeAllConnections();
          return new Promise<void>((resolve) => each.close(() => resolve()));
        }),
      );
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

/**
 * Under jest, `structuredClone` is Node's and returns objects of the outer realm, while oidc-provider runs in the test
 * realm and accepts only objects whose `constructor === Object`: it clones static client metadata when it is built, so
 * a client's `jwks` would be refused as "invalid". While providers are built, clones are made in this realm (static
 * client metadata is plain JSON). Counted, so token servers started in parallel do not undo each other's patch.
 * Outside jest the two realms are one and nothing changes.
 */
let realmPatches = 0;
let outerStructuredClone: typeof structuredClone | undefined;

function realmLocalStructuredClone(): () => void {
  if (realmPatches === 0) {
    if (globalThis.structuredClone({}).constructor === Object) return () => undefined;
    outerStructuredClone = globalThis.structuredClone;
    globalThis.structuredClone = (<T>(value: T): T =>
      value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T)) as typeof structuredClone;
  }
  realmPatches += 1;
  return () => {
    realmPatches -= 1;
    if (realmPatches === 0 && outerStructuredClone) globalThis.structuredClone = outerStructuredClone;
  };
}
