import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient } from '@keyv/redis';
import {
  AccessTokenManager,
  type AccessTokenOptions,
  type ClientCredentialsClientOptions,
} from 'nestjs-access-token-management';
import { startTokenServer, type RunningTokenServer } from '../support/apps/start-token-server.js';
import { startRedisServer, type RunningRedis } from '../support/redis-server.mjs';

const TENANTS = ['tenant-a', 'tenant-b'] as const;
const INSTANCES = 4;

/** Runtime clients share tokens through Redis, and take turns at the token endpoint, exactly like configured ones. */
describe('a fleet with clients at runtime, through Redis', () => {
  let redis: RunningRedis;
  let tokenServer: RunningTokenServer;
  let raw: ReturnType<typeof createClient>;
  const managers: AccessTokenManager[] = [];
  const cacheEncryptionKey = randomBytes(32).toString('base64');

  beforeAll(async () => {
    [redis, tokenServer] = await Promise.all([
      startRedisServer(),
      startTokenServer({
        clients: TENANTS.map((clientId) => ({
          clientId,
          clientSecret: `${clientId}-secret`,
          scope: 'orders.read',
        })),
      }),
    ]);
    raw = createClient({ url: redis.url });
    raw.on('error', () => undefined);
    await raw.connect();
  }, 60_000);
  afterEach(async () => {
    await Promise.all(managers.splice(0).map((manager) => manager.close()));
    await raw.flushAll().catch(() => undefined);
  });
  afterAll(async () => {
    await raw?.quit().catch(() => undefined);
    await Promise.all([redis?.stop(), tokenServer?.close()]);
  });

  const tenant = (name: string): ClientCredentialsClientOptions => ({
    tokenEndpoint: tokenServer.tokenEndpoint,
    clientId: name,
    clientSecret: `${name}-secret`,
    scope: 'orders.read',
  });

  function instance(options: Partial<AccessTokenOptions> = {}) {
    const created = new AccessTokenManager({
      clients: {},
      cacheUrl: redis.url,
      cacheEncryptionKey,
      ...options,
    });
    managers.push(created);
    return created;
  }

  const storedEntries = async () => (await raw.keys('*')).filter((key) => !key.endsWith(':lock'));

  it('makes one token request for a tenant that 4 instances resolve at once, 50 calls each', async () => {
    const lookups: string[] = [];
    const fleet = Array.from({ length: INSTANCES }, () =>
      instance({ clientResolver: (name) => (lookups.push(name), tenant(name)) }),
    );
    const before = tokenServer.tokenRequests();

    const tokens = await Promise.all(
      fleet.flatMap((manager) => Array.from({ length: 50 }, () => manager.getAccessToken('tenant-a'))),
    );

    expect(tokenServer.tokenRequests() - before).toBe(1);
    expect(new Set(tokens.map((token) => token.value)).size).toBe(1);
    expect(lookups).toEqual(Array(INSTANCES).fill('tenant-a')); // one lookup per instance
    expect(await storedEntries()).toHaveLength(1);
  });

  it('makes one token request for a tenant registered on every instance', async () => {
    const fleet = Array.from({ length: INSTANCES }, () => instance({ clientResolver: () => undefined }));
    for (const manager of fleet) manager.registerClient('tenant-b', tenant('tenant-b'));
    const before = tokenServer.tokenRequests();

    const tokens = await Promise.all(
      fleet.flatMap((manager) => Array.from({ length: 50 }, () => manager.getAccessToken('tenant-b'))),
    );

    expect(tokenServer.tokenRequests() - before).toBe(1);
    expect(new Set(tokens.map((token) => token.value)).size).toBe(1);
  });

  it('drops a removed tenant from Redis too: an instance resolving it afterwards asks for a new token', async () => {
    const resolver = (name: string) => tenant(name);
    const [first, second] = [instance({ clientResolver: resolver }), instance({ clientResolver: resolver })];
    const before = tokenServer.tokenRequests();
    const token = await first.getAccessToken('tenant-a');
    // Shared: the second instance gets the same token from Redis.
    expect((await second.getAccessToken('tenant-a')).value).toBe(token.value);
    expect(tokenServer.tokenRequests() - before).toBe(1);

    await expect(first.removeClient('tenant-a')).resolves.toBe(true);
    expect(await storedEntries()).toEqual([]);

    const third = instance({ clientResolver: resolver });
    expect((await third.getAccessToken('tenant-a')).value).not.toBe(token.value);
    expect(tokenServer.tokenRequests() - before).toBe(2);
  });

  it('reads a token evicted from the in-process layer back from Redis, without a token request', async () => {
    const manager = instance({ maxCachedTokens: 1, clientResolver: (name) => tenant(name) });
    const before = tokenServer.tokenRequests();
    const first = await manager.getAccessToken('tenant-a');
    await manager.getAccessToken('tenant-b'); // evicts tenant-a (cap 1): its client, key state and local copy
    expect(manager.clientNames).toEqual(['tenant-b']);

    expect((await manager.getAccessToken('tenant-a')).value).toBe(first.value);
    expect(tokenServer.tokenRequests() - before).toBe(2);
  });
});
