import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AccessTokenManager,
  type AccessTokenError,
  type AccessTokenOptions,
  type ClientCredentialsClientOptions,
} from 'nestjs-access-token-management';
import { startTokenServer, type RunningTokenServer } from '../support/apps/start-token-server.js';
import { InMemoryMetricReader } from '../support/in-memory-metric-reader.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { startTestClock } from '../support/test-clock.js';
import { issueTokens } from '../support/token-responses.js';

const TENANTS = 1_000;
const SCOPE = 'orders.read';
const tenantName = (index: number) => `tenant-${String(index).padStart(4, '0')}`;

/** The `client_id` claim of a JWT access token: whose credentials obtained it. */
function clientIdOf(jwt: string): unknown {
  const payload = jwt.split('.')[1] ?? '';
  return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { client_id?: unknown })
    .client_id;
}

async function failureOf(call: Promise<unknown>): Promise<AccessTokenError> {
  try {
    await call;
  } catch (error) {
    return error as AccessTokenError;
  }
  throw new Error('expected the call to fail');
}

describe('clients at runtime, against the real token server', () => {
  let tokenServer: RunningTokenServer;
  const managers: AccessTokenManager[] = [];
  const track = (created: AccessTokenManager) => (managers.push(created), created);

  /** Each tenant has credentials of its own on the token server. */
  const tenantOptions = (index: number): ClientCredentialsClientOptions => ({
    tokenEndpoint: tokenServer.tokenEndpoint,
    clientId: tenantName(index),
    clientSecret: `${tenantName(index)}-secret`,
    scope: SCOPE,
  });

  beforeAll(async () => {
    tokenServer = await startTokenServer({
      clients: Array.from({ length: TENANTS }, (_, index) => ({
        clientId: tenantName(index),
        clientSecret: `${tenantName(index)}-secret`,
        scope: SCOPE,
      })),
    });
  });
  afterAll(() => tokenServer?.close());
  afterEach(async () => {
    await Promise.all(managers.splice(0).map((manager) => manager.close()));
  });

  function resolvingManager(resolver: AccessTokenOptions['clientResolver'], reader?: InMemoryMetricReader) {
    return track(
      new AccessTokenManager({ clients: {}, clientResolver: resolver }, { meter: reader?.meter() }),
    );
  }

  it('makes one token request per tenant for 1,000 tenants registered at runtime, 20 concurrent calls each', async () => {
    const manager = track(new AccessTokenManager({ clients: {}, clientResolver: () => undefined }));
    // 1,000 token requests reach the token server at once, on a machine shared with other work: a generous timeout.
    for (let index = 0; index < TENANTS; index++) {
      manager.registerClient(tenantName(index), { ...tenantOptions(index), requestTimeoutMs: 120_000 });
    }
    const before = tokenServer.tokenRequests();

    const calls = Array.from({ length: TENANTS }, (_, index) =>
      Promise.all(Array.from({ length: 20 }, () => manager.getAccessToken(tenantName(index)))),
    );
    const tokens = await Promise.all(calls);

    expect(tokenServer.tokenRequests() - before).toBe(TENANTS);
    tokens.forEach((ofTenant, index) => {
      expect(new Set(ofTenant.map((token) => token.value)).size).toBe(1);
      // The tenant's own credentials obtained its token.
      expect(clientIdOf(ofTenant[0]?.value ?? '')).toBe(tenantName(index));
    });
    expect(manager.getStatus().filter((status) => status.valid)).toHaveLength(TENANTS);

    // Removal drops their tokens and their state: a call after it is ERR_CLIENT_NOT_FOUND.
    for (let index = 0; index < TENANTS / 2; index++) {
      await expect(manager.removeClient(tenantName(index))).resolves.toBe(true);
    }
    expect(manager.getStatus()).toHaveLength(TENANTS / 2);
    expect((await failureOf(manager.getAccessToken(tenantName(0)))).code).toBe('ERR_CLIENT_NOT_FOUND');
    await expect(manager.removeClient(tenantName(0))).resolves.toBe(false);

    // Registered again, a tenant gets a new token: the old one was not kept anywhere.
    manager.registerClient(tenantName(0), tenantOptions(0));
    const again = await manager.getAccessToken(tenantName(0));
    expect(again.value).not.toBe(tokens[0]?.[0]?.value);
    expect(tokenServer.tokenRequests() - before).toBe(TENANTS + 1);
  }, 120_000);

  it('refuses invalid runtime clients like start-up ones, and a second client of one name', () => {
    const manager = resolvingManager(() => undefined);
    expect(() =>
      manager.registerClient('tenant-x', { ...tenantOptions(0), tokenEndpoint: 'not a url' }),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_CONFIG_INVALID',
        message: expect.stringMatching(/^clients\.tenant-x\.tokenEndpoint /),
      }),
    );
    expect(() => manager.registerClient('no spaces', tenantOptions(0))).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
    );
    manager.registerClient('tenant-x', tenantOptions(0));
    expect(() => manager.registerClient('tenant-x', tenantOptions(1))).toThrow(
      expect.objectContaining({
        code: 'ERR_CONFIG_INVALID',
        message: expect.stringContaining('removeClient'),
      }),
    );
  });

  it('looks an unknown tenant up once for 200 concurrent first calls, and makes one token request', async () => {
    const asked: string[] = [];
    const manager = resolvingManager(async (name) => {
      asked.push(name);
      await new Promise((resolve) => setTimeout(resolve, 20));
      return tenantOptions(42);
    });
    const before = tokenServer.tokenRequests();

    const tokens = await Promise.all(
      Array.from({ length: 200 }, () => manager.getAccessToken('tenant-0042')),
    );

    expect(asked).toEqual(['tenant-0042']);
    expect(tokenServer.tokenRequests() - before).toBe(1);
    expect(new Set(tokens.map((token) => token.value)).size).toBe(1);
    expect(clientIdOf(tokens[0]?.value ?? '')).toBe('tenant-0042');
    expect(manager.getClient('tenant-0042')).toMatchObject({ name: 'tenant-0042', clientId: 'tenant-0042' });
    // Resolved once, then known: later calls ask neither the resolver nor the token server.
    await manager.getAccessToken('tenant-0042');
    expect(asked).toHaveLength(1);
    expect(tokenServer.tokenRequests() - before).toBe(1);
  });

  it('gives a typed error when the resolver throws, and asks it again on the next call', async () => {
    let attempts = 0;
    const manager = resolvingManager(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('vault unreachable at postgres://admin:hunter2@db');
      return tenantOptions(7);
    });

    const failures = await Promise.all(
      Array.from({ length: 5 }, () => failureOf(manager.getAccessToken('tenant-0007'))),
    );
    for (const failure of failures) {
      expect(failure).toMatchObject({ code: 'ERR_CLIENT_RESOLUTION_FAILED', clientName: 'tenant-0007' });
      expect(failure.message).not.toContain('hunter2');
    }
    expect(attempts).toBe(1);
    expect(manager.clientNames).toEqual([]);

    const token = await manager.getAccessToken('tenant-0007');
    expect(attempts).toBe(2);
    expect(clientIdOf(token.value)).toBe('tenant-0007');
  });

  it("reports a resolver's invalid options as ERR_CONFIG_INVALID naming the field, and keeps nothing", async () => {
    let attempts = 0;
    const manager = resolvingManager(() => {
      attempts += 1;
      return { ...tenantOptions(3), tokenEndpoint: 'ftp://tokens.example' };
    });
    const failure = await failureOf(manager.getAccessToken('tenant-0003'));
    expect(failure.code).toBe('ERR_CONFIG_INVALID');
    expect(failure.message).toMatch(/^clients\.tenant-0003\.tokenEndpoint /);
    await failureOf(manager.getAccessToken('tenant-0003'));
    expect(attempts).toBe(2);
  });

  it('answers ERR_CLIENT_NOT_FOUND when the resolver knows no such tenant, without asking it for impossible names', async () => {
    const asked: string[] = [];
    const manager = resolvingManager((name) => void asked.push(name));
    expect((await failureOf(manager.getAccessToken('tenant-unknown'))).code).toBe('ERR_CLIENT_NOT_FOUND');
    expect((await failureOf(manager.getAccessToken('../etc/passwd'))).code).toBe('ERR_CLIENT_NOT_FOUND');
    expect(asked).toEqual(['tenant-unknown']);
  });

  it('fails a lookup the resolver never answers after 10 s with ERR_CLIENT_RESOLUTION_FAILED, and asks again next time', async () => {
    const time = startTestClock();
    let attempts = 0;
    const manager = track(
      new AccessTokenManager(
        {
          clients: {},
          clientResolver: () =>
            ++attempts === 1 ? new Promise<undefined>(() => undefined) : tenantOptions(5),
        },
        { clock: time.clock },
      ),
    );
    const hanging = failureOf(manager.getAccessToken('tenant-0005'));
    await time.advance(9_999);
    expect(time.pendingTimers()).toBe(1);
    await time.advance(1);
    expect(await hanging).toMatchObject({
      code: 'ERR_CLIENT_RESOLUTION_FAILED',
      message: expect.stringContaining('did not answer within 10000 ms'),
    });
    expect(clientIdOf((await manager.getAccessToken('tenant-0005')).value)).toBe('tenant-0005');
    expect(attempts).toBe(2);
  });

  it('keeps nothing of a lookup that a removal overtook: its callers get ERR_CLIENT_NOT_FOUND', async () => {
    let answer: (options: ClientCredentialsClientOptions) => void = () => undefined;
    const manager = resolvingManager(
      () => new Promise<ClientCredentialsClientOptions>((resolve) => (answer = resolve)),
    );
    const waiting = failureOf(manager.getAccessToken('tenant-0006'));
    await new Promise((resolve) => setImmediate(resolve));
    await expect(manager.removeClient('tenant-0006')).resolves.toBe(true);
    answer(tenantOptions(6));
    expect((await waiting).code).toBe('ERR_CLIENT_NOT_FOUND');
    expect(manager.clientNames).toEqual([]);
  });

  it('resolves a removed tenant again through the resolver, with a new token', async () => {
    let lookups = 0;
    const manager = resolvingManager(() => ((lookups += 1), tenantOptions(9)));
    const before = tokenServer.tokenRequests();
    const first = await manager.getAccessToken('tenant-0009');
    await expect(manager.removeClient('tenant-0009')).resolves.toBe(true);
    expect(manager.getStatus()).toEqual([]);

    const second = await manager.getAccessToken('tenant-0009');
    expect(lookups).toBe(2);
    expect(second.value).not.toBe(first.value);
    expect(tokenServer.tokenRequests() - before).toBe(2);
  });

  it('keeps at most maxCachedTokens resolved clients, evicting the least recently used, and counts it', async () => {
    const reader = new InMemoryMetricReader();
    const lookups: string[] = [];
    const manager = track(
      new AccessTokenManager(
        {
          clients: {},
          maxCachedTokens: 3,
          clientResolver: (name) => (lookups.push(name), tenantOptions(Number(name.slice(-4)))),
        },
        { meter: reader.meter() },
      ),
    );
    for (const index of [1, 2, 3]) await manager.getAccessToken(tenantName(index));
    await manager.getAccessToken(tenantName(1)); // tenant-0001 is now the most recently used
    await manager.getAccessToken(tenantName(4));

    expect(manager.clientNames.sort()).toEqual([tenantName(1), tenantName(3), tenantName(4)]);
    expect(await reader.sum('access_token.cache.evictions', { 'access_token.cache.layer': 'client' })).toBe(
      1,
    );
    expect(
      await reader.sum('access_token.cache.evictions', {
        'access_token.client': tenantName(2),
        'access_token.cache.layer': 'client',
      }),
    ).toBe(1);
    lookups.length = 0;
    await manager.getAccessToken(tenantName(1));
    expect(lookups).toEqual([]);
    await manager.getAccessToken(tenantName(2));
    expect(lookups).toEqual([tenantName(2)]);
  });
});

describe('maxCachedTokens against a flood of distinct scopes', () => {
  let endpoint: ScriptedServer;
  const managers: AccessTokenManager[] = [];

  beforeAll(async () => {
    endpoint = await startScriptedServer(issueTokens());
  });
  afterAll(() => endpoint.close());
  afterEach(async () => {
    await Promise.all(managers.splice(0).map((manager) => manager.close()));
    endpoint.requests.length = 0;
  });

  it('keeps <= 100 tokens and key states for 10,000 distinct scopes, the least recently used evicted', async () => {
    const reader = new InMemoryMetricReader();
    const manager = new AccessTokenManager(
      {
        clients: {
          orders: { tokenEndpoint: `${endpoint.url}/token`, clientId: 'orders', clientSecret: 's' },
        },
        maxCachedTokens: 100,
      },
      { meter: reader.meter() },
    );
    managers.push(manager);
    const hot = await manager.getAccessToken('orders', { scope: 'hot' });
    // 10,000 scopes in batches of 50 (fewer than the cap, so that 'hot', used between them, is never the oldest).
    for (let batch = 0; batch < 200; batch++) {
      await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          manager.getAccessToken('orders', { scope: `user-${batch * 50 + index}` }),
        ),
      );
      // Used between the batches: never the least recently used for long.
      expect((await manager.getAccessToken('orders', { scope: 'hot' })).value).toBe(hot.value);
    }
    expect(endpoint.requests).toHaveLength(10_001);

    const statuses = manager.getStatus();
    expect(statuses.length).toBeLessThanOrEqual(100);
    expect(statuses.map((status) => status.scope)).toContain('hot');
    const evicted = (layer: string) =>
      reader.sum('access_token.cache.evictions', { 'access_token.cache.layer': layer });
    // 10,001 keys, 100 kept: every other one evicted, from both the token store and the key states.
    expect(await evicted('key')).toBe(10_001 - statuses.length);
    expect(await evicted('token')).toBeGreaterThanOrEqual(10_001 - 100);

    // The most recent ones are served from the cache, the oldest ones were evicted and are fetched again.
    await manager.getAccessToken('orders', { scope: 'user-9999' });
    expect(endpoint.requests).toHaveLength(10_001);
    await manager.getAccessToken('orders', { scope: 'user-0' });
    expect(endpoint.requests).toHaveLength(10_002);
  }, 120_000);

  it('holds a renewal timer only for keys in use, and none once a key is evicted or its client removed', async () => {
    const time = startTestClock();
    const manager = new AccessTokenManager(
      {
        clients: {
          orders: { tokenEndpoint: `${endpoint.url}/token`, clientId: 'orders', clientSecret: 's' },
        },
        maxCachedTokens: 1,
      },
      { clock: time.clock },
    );
    managers.push(manager);
    await manager.getAccessToken('orders', { scope: 'a' });
    expect(time.pendingTimers()).toBe(0); // fetched for one call: nobody uses it yet
    await manager.getAccessToken('orders', { scope: 'a' });
    expect(time.pendingTimers()).toBe(1); // served from the cache: in use, renewed ahead
    await manager.getAccessToken('orders', { scope: 'b' }); // evicts 'a' (cap 1)
    expect(time.pendingTimers()).toBe(0);
    await manager.getAccessToken('orders', { scope: 'b' });
    expect(time.pendingTimers()).toBe(1);
    await manager.removeClient('orders');
    expect(time.pendingTimers()).toBe(0);
    await time.advance(600_000);
    expect(endpoint.requests).toHaveLength(2);
  });

  it('lets a token request in flight for a removed client finish, and caches nothing of it', async () => {
    endpoint.handle(issueTokens({}, 200));
    const client = { tokenEndpoint: `${endpoint.url}/token`, clientId: 'tenant', clientSecret: 's' };
    const manager = new AccessTokenManager({ clients: {}, clientResolver: () => undefined });
    managers.push(manager);
    manager.registerClient('tenant', client);
    const inFlight = manager.getAccessToken('tenant');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await manager.removeClient('tenant');
    manager.registerClient('tenant', client);

    const finished = await inFlight;
    const after = await manager.getAccessToken('tenant');
    expect(after.value).not.toBe(finished.value);
    expect(endpoint.requests).toHaveLength(2);
    endpoint.handle(issueTokens());
  });
});
