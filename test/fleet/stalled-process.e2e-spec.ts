import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTokenStore } from '../../libs/access-token-management/src/cache/token-store.factory.js';
import type { TokenStore } from '../../libs/access-token-management/src/cache/token-store.interface.js';
import { validateAccessTokenOptions } from '../../libs/access-token-management/src/config/options.validation.js';
import { startRedisServer, type RunningRedis } from '../support/redis-server.mjs';

/** Keeps the CPU for `ms`, as a process starved of CPU (or in a long synchronous task) does not read its sockets. */
function stall(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy: timers and sockets wait
  }
}

/**
 * A process on a loaded machine can stall for longer than a Redis command may take (250 ms). A reply that arrived
 * during the stall is an answer in time, not a Redis failure: counting it as one loses the cross-instance lock (the
 * instance goes on alone: a duplicate token request) and turns sharing off for a second.
 */
describe('a shared token store in a process that stalls', () => {
  let redis: RunningRedis;
  let store: TokenStore;
  const warnings: string[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    const options = validateAccessTokenOptions({
      clients: {
        orders: { tokenEndpoint: 'https://login.example.com/token', clientId: 'c', clientSecret: 's' },
      },
      cacheUrl: redis.url,
      allowPlaintextCache: true,
    });
    store = createTokenStore(options, { log: () => undefined, warn: (m) => warnings.push(m) }, Date.now);
    // Connected once: from now on a command may take 250 ms.
    await store.lock.acquire('warm-up', 1_000);
    expect(await store.lock.isHeld('warm-up')).toBe(true);
  });
  afterAll(async () => {
    await store.close();
    await redis.stop();
  });

  it('takes the lock whose reply came during a 600 ms stall, and keeps the store in use', async () => {
    const attempt = store.lock.acquire('atm:orders:stalled', 5_000);
    stall(600);
    await expect(attempt).resolves.toMatchObject({ status: 'acquired' });
    expect(await store.lock.isHeld('atm:orders:stalled')).toBe(true);
    // A second instance sees the lock as held: it waits instead of requesting a token too.
    await expect(store.lock.acquire('atm:orders:stalled', 5_000)).resolves.toEqual({ status: 'held' });
    expect(warnings).toEqual([]);
  });

  it('still times out a Redis that does not answer', async () => {
    await redis.kill();
    const attempt = store.lock.acquire('atm:orders:down', 5_000);
    stall(600);
    await expect(attempt).resolves.toEqual({ status: 'unavailable' });
    expect(warnings).toHaveLength(1);
    await redis.restart();
  });
});
