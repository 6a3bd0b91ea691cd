// Tenants: clients resolved at runtime. Heap after a forced GC with 1,000 tenants, and along 100,000 distinct tenants
// under the default maxCachedTokens (10,000): bounded, no growth past the cap. And what resolving one costs.
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { pool } from '../call-pool.mjs';
import { runTask } from '../child.mjs';
import { cell, mib, mibSummary, num, signed, table, verdict } from '../markdown.mjs';
import { clientConfig, log } from '../scenario-context.mjs';
import { summarize } from '../stats.mjs';

const FULL = { few: 1_000, many: 100_000, checkpoints: 10, resolutions: 10_000, timeLimitMs: 240_000 };
export const params = { full: FULL, quick: { ...FULL, many: 30_000 } };

/** The library's default maxCachedTokens, which this scenario leaves as it is. */
const DEFAULT_CAP = 10_000;

export async function run(ctx) {
  const { servers, params: all } = ctx;
  const reps = [];
  for (let rep = 0; rep < all.reps; rep += 1) {
    servers.reset();
    const result = await runTask(
      { scenario: 'tenants', client: 'oursaxios', config: clientConfig(servers, 'tenants'), ...all.tenants },
      all.tenants.timeLimitMs * 2 + 60_000,
    );
    result.tokenRequests = servers.counters('tenants').tokenRequests;
    reps.push(result);
    const mb = (b) => (b / 1048576).toFixed(1);
    log(
      `  tenants rep ${rep + 1}: ${result.few.tenants} tenants +${mb(result.few.heapDelta)} MB; ` +
        `${result.many.tenants} tenants +${mb(result.many.checkpoints.at(-1).heapDelta)} MB ` +
        `(past the cap +${mb(result.many.heapAtCap)} MB), ` +
        `${result.many.keys} keys kept; ${result.resolution.microsPerResolve.toFixed(1)} µs per resolution; ` +
        `${result.tokenRequests} token requests`,
    );
  }
  const summary = summarizeTenants(reps);
  return { params: all.tenants, reps, summary };
}

/** Heap growth from the checkpoint at twice the cap (every cache full and churning) to the last one. */
function growthPastCap(rep) {
  const { checkpoints } = rep.many;
  const full = checkpoints.find((c) => c.tenants >= 2 * DEFAULT_CAP);
  const last = checkpoints.at(-1);
  return full === undefined || full === last ? null : last.heapDelta - full.heapDelta;
}

/** The medians of the repetitions (exported: results.json can be rendered again with it). */
export function summarizeTenants(reps) {
  const pick = (f) => summarize(reps.map(f));
  return {
    ours: {
      fewTenants: pick((r) => r.few.tenants),
      fewHeapDelta: pick((r) => r.few.heapDelta),
      manyTenants: pick((r) => r.many.tenants),
      manyHeapDelta: pick((r) => r.many.checkpoints.at(-1)?.heapDelta),
      heapAtCap: pick((r) => r.many.heapAtCap),
      growthPastCap: pick(growthPastCap),
      keysKept: pick((r) => r.many.keys),
      clientsKept: pick((r) => r.many.clients),
      tokenRequests: pick((r) => r.tokenRequests),
      microsPerResolve: pick((r) => r.resolution.microsPerResolve),
      microsPerFirstCall: pick((r) => r.many.microsPerFirstCall),
      checkpoints: reps[0]?.many.checkpoints ?? [],
    },
  };
}

function heapAfterGc() {
  if (typeof globalThis.gc === 'function') {
    globalThis.gc();
    globalThis.gc();
  }
  return process.memoryUsage().heapUsed;
}

/** In the worker (started with --expose-gc): managers of the build under test, each with a resolver of its own. */
export async function work(client, task) {
  // The build's AccessTokenManager class, whichever build the bench loaded.
  const Manager = client.manager.constructor;
  const { tokenEndpoint, clientId, secret, scope } = task.config;
  const tenant = { tokenEndpoint, clientId, clientSecret: secret, scope };
  const resolving = (options = {}) => new Manager({ clients: {}, clientResolver: () => tenant, ...options });
  const deadline = performance.now() + task.timeLimitMs;
  const name = (i) => `tenant-${i}`;

  // 1,000 tenants, each used twice (fetched, then served from the cache: in use, renewed ahead).
  const baseline = heapAfterGc();
  const few = resolving();
  await pool(task.few, 32, (i) => few.getAccessToken(name(i)), deadline);
  await pool(task.few, 32, (i) => few.getAccessToken(name(i)), deadline);
  const fewResult = { tenants: few.getStatus().length, heapDelta: heapAfterGc() - baseline };
  await few.close();

  // 100,000 distinct tenants under the default cap, heap after GC at checkpoints.
  const manyBaseline = heapAfterGc();
  const many = resolving();
  const step = Math.ceil(task.many / task.checkpoints);
  const checkpoints = [];
  let done = 0;
  let heapAtCap;
  const started = performance.now();
  while (done < task.many && performance.now() < deadline) {
    const until = Math.min(task.many, done + step);
    const offset = done;
    const batch = await pool(until - done, 32, (i) => many.getAccessToken(name(offset + i)), deadline);
    done += batch.done;
    const heap = heapAfterGc() - manyBaseline;
    checkpoints.push({ tenants: done, heapDelta: heap, keys: many.getStatus().length });
    if (heapAtCap === undefined && done >= DEFAULT_CAP) heapAtCap = heap;
  }
  const microsPerFirstCall = ((performance.now() - started) * 1000) / Math.max(1, done);
  const manyResult = {
    tenants: done,
    heapAtCap,
    keys: many.getStatus().length,
    clients: many.clientNames.length,
    checkpoints,
    microsPerFirstCall,
  };
  await many.close();

  // The cost of resolving a tenant: lookup, validation, key material; no token request.
  const resolver = resolving({ maxCachedTokens: task.resolutions });
  const begin = performance.now();
  for (let i = 0; i < task.resolutions; i += 1) await resolver.resolveClient(name(i));
  const resolution = { microsPerResolve: ((performance.now() - begin) * 1000) / task.resolutions };
  await resolver.close();
  return { few: fewResult, many: manyResult, resolution };
}

export const report = {
  goals({ summary }) {
    const m = summary.ours;
    const growth = m.growthPastCap.median;
    // Bounded: once every cache is full (twice the cap), more distinct tenants add nothing that stays.
    return [
      [
        `Tenants: heap flat from 20,000 to ${num(m.manyTenants.median)} distinct tenants (grows < 1 MiB)`,
        growth === null ? '—' : `${signed(num(mib(growth), 2))} MiB`,
        growth === null ? '—' : verdict(growth < 1048576, `${num(mib(growth), 1)} MiB`),
      ],
    ];
  },
  section({ summary: m }) {
    const o = m.ours;
    return [
      '## Tenants (clients resolved at runtime; heap after a forced GC, default `maxCachedTokens` = 10,000)',
      '',
      table(
        ['measure', 'value'],
        [
          [
            `${num(o.fewTenants.median)} tenants, each resolved and used twice`,
            `${signed(cell(mibSummary(o.fewHeapDelta), 1))} MiB heap`,
          ],
          [
            `${num(o.manyTenants.median)} distinct tenants: heap just past the cap → at the end`,
            `${signed(cell(mibSummary(o.heapAtCap), 1))} → ${signed(cell(mibSummary(o.manyHeapDelta), 1))} MiB`,
          ],
          [
            'heap growth from 20,000 distinct tenants to the end',
            `${signed(cell(mibSummary(o.growthPastCap), 2))} MiB`,
          ],
          ['key states and resolved clients kept at the end', `${cell(o.keysKept)} / ${cell(o.clientsKept)}`],
          ['token requests (one per tenant)', cell(o.tokenRequests)],
          [
            'wall time per new tenant, 32 at a time (resolution + token request on loopback)',
            `${cell(o.microsPerFirstCall)} µs`,
          ],
          [
            'resolving a tenant (lookup, validation, key material; no request)',
            `${cell(o.microsPerResolve, 1)} µs`,
          ],
        ],
      ),
      '',
      `Heap along the distinct tenants (first repetition): ${o.checkpoints
        .map((c) => `${num(c.tenants)}: ${signed(num(mib(c.heapDelta), 1))} MiB`)
        .join(', ')}.`,
      '',
    ];
  },
};
