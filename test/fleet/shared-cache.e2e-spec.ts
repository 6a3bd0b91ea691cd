import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient } from '@keyv/redis';
import { AccessTokenManager, type AccessTokenOptions } from 'nestjs-access-token-management';
import { startRedisServer, type RunningRedis } from '../support/redis-server.mjs';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { issueTokens } from '../support/token-responses.js';
import { buildLibrary, startMember, type FleetMember } from './fleet.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const newKey = () => randomBytes(32).toString('base64');

describe('a fleet sharing tokens through Redis', () => {
  let redis: RunningRedis;
  let endpoint: ScriptedServer;
  let raw: ReturnType<typeof createClient>;
  const members: FleetMember[] = [];
  const managers: AccessTokenManager[] = [];
  const key = newKey();

  beforeAll(async () => {
    buildLibrary();
    [redis, endpoint] = await Promise.all([startRedisServer(), startScriptedServer()]);
    raw = createClient({ url: redis.url });
    raw.on('error', () => undefined);
    await raw.connect();
  }, 60_000);
  afterEach(async () => {
    await Promise.all(members.splice(0).map((member) => member.exit()));
    await Promise.all(managers.splice(0).map((manager) => manager.close()));
    endpoint.requests.length = 0;
    await raw.flushAll().catch(() => undefined);
  });
  afterAll(async () => {
    await raw.quit().catch(() => undefined);
    await Promise.all([redis.stop(), endpoint.close()]);
  });

  function options(overrides: Partial<AccessTokenOptions> = {}, client: object = {}): AccessTokenOptions {
    return {
      clients: {
        orders: {
          tokenEndpoint: `${endpoint.url}/token`,
          clientId: 'orders-caller',
          clientSecret: 'fleet-secret',
          scope: 'orders.read',
          ...client,
        },
      },
      cacheUrl: redis.url,
      cacheEncryptionKey: key,
      ...overrides,
    };
  }

  function manager(
    overrides: Partial<AccessTokenOptions> = {},
    client: object = {},
    warnings: string[] = [],
  ) {
    const created = new AccessTokenManager(options(overrides, client), {
      logger: {
        log: (message) => warnings.push(`log: ${message}`),
        warn: (message) => warnings.push(message),
      },
    });
    managers.push(created);
    return created;
  }

  /** Entries are stored through keyv (its 'keyv::' namespace in front); the lock is set on the raw cache key. */
  const lockKeyOf = (entryKey = '') => `${entryKey.replace(/^keyv::/, '')}:lock`;

  const storedValues = async () => {
    const keys = (await raw.keys('*')).filter((k) => !k.endsWith(':lock'));
    return Promise.all(keys.map(async (k) => ({ key: k, value: (await raw.get(k)) ?? '' })));
  };

  it('makes exactly one token request for 4 processes x 50 concurrent cold calls, and one more after renewal', async () => {
    endpoint.handle(issueTokens({ expires_in: 4 }, 200));
    const fleet = await Promise.all(Array.from({ length: 4 }, () => startMember(options())));
    members.push(...fleet);

    const cold = await Promise.all(fleet.map((member) => member.burst(50)));
    expect(cold.flatMap((r) => r.errors)).toEqual([]);
    expect(new Set(cold.flatMap((r) => r.values)).size).toBe(1);
    expect(endpoint.requests).toHaveLength(1);

    // Past the renewal point (2 s for a 4 s token) calls still get the valid token at once, and the fleet renews it
    // once, in the background.
    await sleep(2_300);
    const stale = await Promise.all(fleet.map((member) => member.burst(50)));
    expect(stale.flatMap((r) => r.errors)).toEqual([]);
    for (let i = 0; i < 100 && endpoint.requests.length < 2; i++) await sleep(20);
    await sleep(300);
    expect(endpoint.requests).toHaveLength(2);
    const renewed = await Promise.all(fleet.map((member) => member.burst(50)));
    const values = new Set(renewed.flatMap((r) => r.values));
    expect(values.size).toBe(1);
    expect(values.has(cold[0]?.values[0] ?? '')).toBe(false);
    expect(endpoint.requests).toHaveLength(2);
  }, 30_000);

  it('lets another process take over when the lock holder dies mid-request', async () => {
    let hung = false;
    const succeed = issueTokens();
    endpoint.handle((request, response) => {
      if (!hung) {
        hung = true; // the first request never gets an answer: its process is killed while it waits
        return;
      }
      succeed(request, response);
    });
    const holderOptions = options({}, { requestTimeoutMs: 20_000 });
    const holder = await startMember(holderOptions);
    members.push(holder);
    void holder.burst(1);
    let locks: string[] = [];
    for (let i = 0; i < 200 && (endpoint.requests.length === 0 || locks.length === 0); i++) {
      await sleep(20);
      locks = await raw.keys('*:lock');
    }
    expect(endpoint.requests).toHaveLength(1);
    expect(locks).toHaveLength(1);

    // The lock lives 20 s + 2 s; shorten what is left of it so the test does not wait that long.
    const waiter = await startMember(holderOptions);
    members.push(waiter);
    await raw.pExpire(locks[0] ?? '', 1_500);
    const shortened = Date.now();
    const result = waiter.burst(5);
    await sleep(300);
    holder.child.kill('SIGKILL');
    const { values, errors } = await result;
    expect(errors).toEqual([]);
    expect(new Set(values).size).toBe(1);
    expect(endpoint.requests).toHaveLength(2);
    // The waiter neither fetched while the dead holder's lock stood, nor gave up: it took over once it expired.
    expect(endpoint.requests[1]!.receivedAt - shortened).toBeGreaterThanOrEqual(1_400);
  }, 30_000);

  it('waits on the lock of a stuck peer no longer than the lock lifetime (request timeout + 2 s), then fetches itself', async () => {
    endpoint.handle(issueTokens());
    await manager({}, { requestTimeoutMs: 1_000 }).getAccessToken('orders');
    const [entry] = await storedValues();
    await raw.flushAll();
    // A peer that took the lock and hangs on (a lock far longer-lived than ours would be).
    await raw.set(lockKeyOf(entry?.key), 'stuck-peer', { expiration: { type: 'PX', value: 60_000 } });
    endpoint.requests.length = 0;

    const cold = manager({}, { requestTimeoutMs: 1_000 });
    const started = Date.now();
    await expect(cold.getAccessToken('orders')).resolves.toMatchObject({ type: 'Bearer' });
    const waited = (endpoint.requests[0]?.receivedAt ?? Infinity) - started;
    expect(endpoint.requests).toHaveLength(1);
    expect(waited).toBeGreaterThanOrEqual(2_900); // it waited for the peer, one lock lifetime (1 s + 2 s)...
    expect(waited).toBeLessThan(4_000); // ...and no longer
  });

  it('with refreshAhead off, serves a still-valid token at once rather than wait on the lock of another instance', async () => {
    endpoint.handle(issueTokens());
    let clock = Date.now();
    const tokens = new AccessTokenManager(options({ refreshAhead: false }), { now: () => clock });
    managers.push(tokens);
    const first = await tokens.getAccessToken('orders');
    const [entry] = await storedValues();
    await raw.set(lockKeyOf(entry?.key), 'renewing-peer', { expiration: { type: 'PX', value: 60_000 } });
    clock += 241_000; // past the renewal point; still served for another 54 s

    const answer = await Promise.race([
      tokens.getAccessToken('orders').then((token) => token.value),
      sleep(5_000).then(() => 'still waiting on the lock'),
    ]);
    expect(answer).toBe(first.value);
    expect(endpoint.requests).toHaveLength(1);
  });

  it('stores nothing that reveals the token, rejects entries moved to another key, and reads rotated keys', async () => {
    endpoint.handle(issueTokens());
    const writer = manager();
    const token = await writer.getAccessToken('orders', { scope: 'orders.read' });
    const [readEntry] = await storedValues();
    await writer.getAccessToken('orders', { scope: 'orders.write' });
    const stored = await storedValues();
    const writeEntry = stored.find((entry) => entry.key !== readEntry?.key);
    expect(stored).toHaveLength(2);
    for (const { key: k, value } of stored) {
      for (let i = 0; i + 8 <= token.value.length; i++)
        expect(value).not.toContain(token.value.slice(i, i + 8));
      expect(k).not.toContain('fleet-secret');
      expect(value).not.toContain('fleet-secret');
    }

    // Rotation: a reader whose current key is new still reads entries written with the old one.
    const rotated = manager({ cacheEncryptionKey: [newKey(), key] });
    expect((await rotated.getAccessToken('orders', { scope: 'orders.read' })).value).toBe(token.value);
    expect(endpoint.requests).toHaveLength(2);

    // The orders.read entry copied under the orders.write key does not decrypt there: a miss, and a token request.
    await raw.set(writeEntry?.key ?? '', readEntry?.value ?? '');
    const fresh = manager();
    const other = await fresh.getAccessToken('orders', { scope: 'orders.write' });
    expect(other.value).not.toBe(token.value);
    expect(endpoint.requests).toHaveLength(3);
  });

  it('treats garbage in Redis as a miss and overwrites it', async () => {
    endpoint.handle(issueTokens());
    const first = manager();
    await first.getAccessToken('orders');
    const [entry] = await storedValues();
    await raw.set(entry?.key ?? '', 'not an entry at all');
    const warnings: string[] = [];
    const second = manager({}, {}, warnings);
    const token = await second.getAccessToken('orders');
    expect(endpoint.requests).toHaveLength(2);
    await sleep(100);
    expect(await raw.get(entry?.key ?? '')).not.toBe('not an entry at all');
    const third = manager();
    expect((await third.getAccessToken('orders')).value).toBe(token.value);
    expect(endpoint.requests).toHaveLength(2);
  });

  it('never shares an entry between clients of the same name with other client ids or scopes', async () => {
    endpoint.handle(issueTokens());
    const a = manager({}, { clientId: 'service-a' });
    const b = manager({}, { clientId: 'service-b' });
    const c = manager({}, { clientId: 'service-a', scope: 'orders.write' });
    const tokens = await Promise.all([a, b, c].map((m) => m.getAccessToken('orders')));
    expect(new Set(tokens.map((t) => t.value)).size).toBe(3);
    expect(endpoint.requests).toHaveLength(3);
    expect(await storedValues()).toHaveLength(3);
    // The namespace prefix keeps services apart too.
    const prefixed = manager({ cacheKeyPrefix: 'billing' }, { clientId: 'service-a' });
    expect((await prefixed.getAccessToken('orders')).value).not.toBe(tokens[0]?.value);
  });

  it('keeps every call succeeding when Redis dies under load, warns once, and shares again once it is back', async () => {
    endpoint.handle(issueTokens({ expires_in: 3 }));
    const warnings: string[] = [];
    const busy = manager({}, {}, warnings);
    let failed = 0;
    let calls = 0;
    let running = true;
    const load = (async () => {
      while (running) {
        calls += 1;
        await busy.getAccessToken('orders').catch(() => (failed += 1));
        await sleep(5);
      }
    })();
    await sleep(300);
    await redis.kill();
    await sleep(3_500); // longer than a token's life: renewal happens while Redis is gone
    await redis.restart();
    // The client reconnects on its own (its retry delay has grown to up to 2 s during the outage)...
    for (let i = 0; i < 80 && !warnings.some((w) => w.includes('reachable again')); i++) await sleep(100);
    await sleep(2_000); // ...and the next renewal (every ~1.5 s for a 3 s token) writes to Redis again
    running = false;
    await load;

    expect(calls).toBeGreaterThan(300);
    expect(failed).toBe(0);
    expect(warnings.filter((w) => w.startsWith('Shared token cache unavailable'))).toHaveLength(1);
    expect(warnings.filter((w) => w.includes('reachable again'))).toHaveLength(1);

    const before = endpoint.requests.length;
    const newcomer = manager();
    expect((await newcomer.getAccessToken('orders')).value).toBe((await busy.getAccessToken('orders')).value);
    expect(endpoint.requests).toHaveLength(before);
  }, 30_000);

  it('starts and serves with Redis unreachable from the start, with one warning', async () => {
    endpoint.handle(issueTokens());
    const warnings: string[] = [];
    const closedPort = 'redis://127.0.0.1:1'; // nothing listens on port 1 of loopback
    const offline = manager({ cacheUrl: closedPort }, {}, warnings);
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => offline.getAccessToken('orders')),
    );
    for (let call = 0; call < 20; call++)
      results.push(...(await Promise.allSettled([offline.getAccessToken('orders')])));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(endpoint.requests).toHaveLength(1);
    expect(warnings.filter((w) => w.startsWith('Shared token cache unavailable'))).toHaveLength(1);
  });

  it('refuses a shared store without an encryption key unless plaintext is allowed', () => {
    expect(() => new AccessTokenManager({ ...options(), cacheEncryptionKey: undefined })).toThrow(
      expect.objectContaining({
        code: 'ERR_CONFIG_INVALID',
        message: expect.stringContaining('cacheEncryptionKey'),
      }),
    );
    managers.push(
      new AccessTokenManager({ ...options(), cacheEncryptionKey: undefined, allowPlaintextCache: true }),
    );
  });
});
