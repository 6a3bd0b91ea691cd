// Fleet: several processes of one client, with a shared store (one Redis node, a Redis Cluster) and without; token
// requests per lifetime.
import { redisCli, startRedisCluster } from '../../test/support/redis-topologies.mjs';
import { cell, DASH, num, table, verdict } from '../markdown.mjs';
import {
  clientConfig,
  log,
  rotate,
  sharedStoreConfig,
  sharedStoreUnavailable,
} from '../scenario-context.mjs';
import { summarizeReps } from '../stats.mjs';
import { timedCalls, timedGroup } from '../timed-group.mjs';

// 3 s tokens renewed 0.1 s before expiry: the ratio of the default 60 s buffer to a 30-minute token, so one
// instance alone makes 3 / 2.9 = 1.03 token requests per lifetime.
const FULL = {
  sizes: [4, 8],
  lifetimeSeconds: 3,
  lifetimes: 5,
  refreshBeforeExpirySeconds: 0.1,
  intervalMs: 50,
  tailMs: 12_000,
};
export const params = { full: FULL, quick: { ...FULL, sizes: [4] } };

/** Needs a Redis when the build has a shared store. */
export const usesRedis = true;

export async function run(ctx) {
  const { params: all, redis, capabilities } = ctx;
  const p = all.fleet;
  const sharedAvailable = capabilities.sharedStore && redis?.url;
  const cluster = await clusterFor(capabilities);
  const variants = [
    ...(sharedAvailable ? ['shared'] : []),
    ...(cluster.urls ? ['cluster'] : []),
    'perProcess',
  ];
  try {
    return await measure(ctx, p, variants, cluster);
  } finally {
    await cluster.stop?.();
  }
}

/** A 3-primary Redis Cluster with one replica each, when the build reads CACHE_CLUSTER_NODES; or why there is none. */
async function clusterFor(capabilities) {
  if (!capabilities.clusterStore) return { unavailable: 'not available in this build' };
  try {
    const started = await startRedisCluster({ primaries: 3, replicas: 1 });
    log(`  fleet: redis cluster ${started.urls.slice(0, 3).join(',')}`);
    return started;
  } catch (error) {
    return { unavailable: `not measured: ${String(error?.message ?? error).split('\n')[0]}` };
  }
}

async function measure(ctx, p, variants, cluster) {
  const { servers, params: all, redis } = ctx;
  const durationMs = p.lifetimes * p.lifetimeSeconds * 1000;
  const count = Math.round(durationMs / p.intervalMs);
  const sharedAvailable = variants.includes('shared');
  const reps = {};
  for (const size of p.sizes) {
    for (const variant of variants) reps[`${variant}:${size}`] = [];
  }
  for (let rep = 0; rep < all.reps; rep += 1) {
    for (const size of p.sizes) {
      for (const variant of rotate(variants, rep)) {
        servers.reset();
        if (variant === 'shared') await redis.flush();
        if (variant === 'cluster') {
          for (const node of await cluster.primaries()) await redisCli(node.port, 'flushall');
        }
        const clientId = `fleet-${variant}-${size}`;
        const extra = { refreshBeforeExpirySeconds: p.refreshBeforeExpirySeconds };
        if (variant === 'shared') Object.assign(extra, ctx.sharedStoreConfig);
        if (variant === 'cluster') {
          const { cacheEncryptionKey } = sharedStoreConfig();
          Object.assign(extra, { cacheClusterNodes: cluster.urls.slice(0, 3).join(','), cacheEncryptionKey });
        }
        const members = Array.from({ length: size }, () => ({
          client: 'ours',
          config: clientConfig(servers, clientId, extra),
        }));
        const results = await timedGroup('fleet', members, {
          beforeWarm: () => servers.set({ lifetimeSeconds: p.lifetimeSeconds }),
          intervalMs: p.intervalMs,
          count,
          tailMs: p.tailMs,
        });
        const t0 = results[0].t0;
        const tokenRequests = servers.tokenRequestsBetween(clientId, t0, t0 + durationMs);
        const times = servers
          .counters(clientId)
          .tokenRequestTimes.filter((t) => t >= t0 && t < t0 + durationMs)
          .map((t) => Math.round(t - t0));
        // A request within a third of a lifetime of the previous one renewed a token that was just renewed.
        const duplicates = times.filter(
          (t, i) => i > 0 && t - times[i - 1] < (p.lifetimeSeconds * 1000) / 3,
        ).length;
        const records = results.flatMap((r) => r.records);
        const result = {
          processes: size,
          tokenRequests,
          perLifetime: tokenRequests / p.lifetimes,
          duplicates,
          tokenRequestTimes: times,
          warmTokenRequests: servers.tokenRequestsBetween(clientId, 0, t0),
          calls: records.length,
          failed: records.filter((r) => !r.ok).length,
          expiredPresented: servers.counters(clientId).expiredPresented,
        };
        reps[`${variant}:${size}`].push(result);
        log(
          `  fleet rep ${rep + 1} ${variant} x${size}: ${tokenRequests} token requests in ${p.lifetimes} lifetimes ` +
            `(${result.perLifetime.toFixed(2)} per lifetime, ${duplicates} duplicate), ${result.failed} failed; ` +
            `at ${times.join(', ')} ms`,
        );
      }
    }
  }
  const summary = {};
  for (const size of p.sizes) {
    summary[size] = {
      perProcess: summarizeReps(reps[`perProcess:${size}`], ['perLifetime', 'tokenRequests', 'failed']),
      shared: sharedAvailable
        ? summarizeReps(reps[`shared:${size}`], [
            'perLifetime',
            'tokenRequests',
            'duplicates',
            'failed',
            'expiredPresented',
          ])
        : { unavailable: sharedStoreUnavailable(ctx) },
      cluster: variants.includes('cluster')
        ? summarizeReps(reps[`cluster:${size}`], ['perLifetime', 'tokenRequests', 'duplicates', 'failed'])
        : { unavailable: cluster.unavailable ?? sharedStoreUnavailable(ctx) },
    };
  }
  const single = p.lifetimeSeconds / (p.lifetimeSeconds - p.refreshBeforeExpirySeconds);
  return { params: { ...p, durationMs, count, singleInstanceIdeal: single }, reps, summary };
}

export const work = timedCalls;

export const report = {
  goals({ summary }) {
    return Object.entries(summary).flatMap(([size, f]) => {
      const goal = `Fleet of ${size}: ≤ 1.1 token requests per lifetime`;
      const rows = [];
      if (f.shared.unavailable) rows.push([goal, f.shared.unavailable, 'waits on issue 3']);
      else {
        const v = f.shared.perLifetime.median;
        rows.push([goal, num(v, 2), verdict(v <= 1.1, `by ${num(v - 1.1, 2)}`)]);
      }
      if (f.cluster && !f.cluster.unavailable) {
        const v = f.cluster.perLifetime.median;
        rows.push([`${goal}, on a Redis Cluster`, num(v, 2), verdict(v <= 1.1, `by ${num(v - 1.1, 2)}`)]);
      }
      return rows;
    });
  },
  section({ params: p, summary }) {
    const rows = Object.entries(summary).map(([size, f]) => [
      size,
      f.shared.unavailable ?? cell(f.shared.perLifetime, 2),
      f.shared.unavailable ? DASH : `${cell(f.shared.duplicates)} / ${cell(f.shared.failed)}`,
      // Results from before the cluster variant have no `cluster` member.
      f.cluster?.unavailable ?? (f.cluster ? cell(f.cluster.perLifetime, 2) : DASH),
      f.cluster && !f.cluster.unavailable
        ? `${cell(f.cluster.duplicates)} / ${cell(f.cluster.failed)}`
        : DASH,
      cell(f.perProcess.perLifetime, 2),
      cell(f.perProcess.failed),
    ]);
    return [
      `## Fleet (${p.lifetimes} token lifetimes of ${p.lifetimeSeconds} s, a call every ${p.intervalMs} ms per process)`,
      '',
      `Token requests per token lifetime for the whole fleet. Renewal ${p.refreshBeforeExpirySeconds} s before expiry, ` +
        `so a single instance alone makes ${num(p.singleInstanceIdeal, 2)} per lifetime.`,
      '',
      table(
        [
          'processes',
          'OURS, shared store (Redis)',
          'shared: duplicate requests / failed calls',
          'OURS, Redis Cluster (3 primaries + 3 replicas)',
          'cluster: duplicate requests / failed calls',
          'OURS, per-process cache',
          'per-process: failed calls',
        ],
        rows,
      ),
      '',
      'A duplicate is a token request less than a third of a lifetime after the previous one: two instances renewing ' +
        'the same token.',
      '',
    ];
  },
};
