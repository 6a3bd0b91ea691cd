// Token lookup: AccessTokenManager.getAccessToken on a cache hit, in-process and with the Redis-backed shared store.
import { performance } from 'node:perf_hooks';
import { pool } from '../call-pool.mjs';
import { runTask } from '../child.mjs';
import { cell, DASH, table } from '../markdown.mjs';
import { clientConfig, sharedStoreUnavailable } from '../scenario-context.mjs';
import { summarize } from '../stats.mjs';

const FULL = { calls: 1_000_000, concurrency: 32, timeLimitMs: 2_000 };
export const params = { full: FULL, quick: FULL };

/** Needs a Redis when the build has a shared store. */
export const usesRedis = true;

export async function run(ctx) {
  const { servers, params: all, redis, capabilities } = ctx;
  const variants = { inProcess: [], redis: [] };
  const redisAvailable = capabilities.sharedStore && redis?.url;
  for (let rep = 0; rep < all.reps; rep += 1) {
    servers.reset();
    variants.inProcess.push(
      await runTask(
        { scenario: 'lookup', client: 'ours', config: clientConfig(servers, 'ours'), ...all.lookup },
        60_000,
      ),
    );
    if (redisAvailable) {
      await redis.flush();
      servers.reset();
      variants.redis.push(
        await runTask(
          {
            scenario: 'lookup',
            client: 'ours',
            config: clientConfig(servers, 'ours', ctx.sharedStoreConfig),
            ...all.lookup,
          },
          60_000,
        ),
      );
    }
  }
  const sum = (list) => ({
    sequential: summarize(list.map((r) => r.sequential.hitsPerSec)),
    concurrent: summarize(list.map((r) => r.concurrent.hitsPerSec)),
    sequentialUs: summarize(list.map((r) => r.sequential.usPerHit)),
  });
  return {
    params: all.lookup,
    reps: variants,
    summary: {
      inProcess: sum(variants.inProcess),
      redis: redisAvailable ? sum(variants.redis) : { unavailable: sharedStoreUnavailable(ctx) },
    },
  };
}

/** In the worker: one caller, then `concurrency` callers, asking the manager for the cached token. */
export async function work(client, { calls, concurrency, timeLimitMs }) {
  const manager = client.manager;
  await manager.getAccessToken('bench');
  const lookups = async (lanes) => {
    const begin = performance.now();
    const { done, failed } = await pool(
      calls,
      lanes,
      () => manager.getAccessToken('bench'),
      begin + timeLimitMs,
    );
    const elapsed = performance.now() - begin;
    return { calls: done, failed, hitsPerSec: (done / elapsed) * 1000, usPerHit: (elapsed * 1000) / done };
  };
  const sequential = await lookups(1);
  const concurrent = await lookups(concurrency);
  return { sequential, concurrent };
}

export const report = {
  section({ summary }) {
    const line = (name, v) =>
      v.unavailable
        ? [name, v.unavailable, DASH, DASH]
        : [name, cell(v.sequential), cell(v.concurrent), cell(v.sequentialUs, 2)];
    return [
      '## Token lookup (`AccessTokenManager.getAccessToken`, cache hit)',
      '',
      table(
        ['store', 'hits/s, one caller', 'hits/s, 32 concurrent callers', 'µs per hit, one caller'],
        [line('in-process (default)', summary.inProcess), line('Redis-backed shared store', summary.redis)],
      ),
      '',
    ];
  },
};
