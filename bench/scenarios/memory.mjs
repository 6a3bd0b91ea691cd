// Memory: heap after a forced GC over a million lookups, per distinct cache key, and over many HTTP calls.
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { pool } from '../call-pool.mjs';
import { runTask } from '../child.mjs';
import { cell, mib, mibSummary, num, signed, table, verdict } from '../markdown.mjs';
import { clientConfig, log, rotate } from '../scenario-context.mjs';
import { summarize } from '../stats.mjs';

const FULL = { lookups: 1_000_000, distinctKeys: 10_000, httpCalls: 50_000, timeLimitMs: 60_000 };
export const params = { full: FULL, quick: { ...FULL, httpCalls: 10_000 } };

const CLIENTS = ['ours', 'limit'];

export async function run(ctx) {
  const { servers, params: all } = ctx;
  const reps = { ours: [], limit: [] };
  for (let rep = 0; rep < all.reps; rep += 1) {
    for (const client of rotate(CLIENTS, rep)) {
      servers.reset();
      const result = await runTask(
        { scenario: 'memory', client, config: clientConfig(servers, client), ...all.memory },
        all.memory.timeLimitMs * 3 + 60_000,
      );
      reps[client].push(result);
      const mb = (b) => (b / 1048576).toFixed(1);
      if (result.lookups) {
        log(
          `  memory rep ${rep + 1} ours: heap ${mb(result.lookups.before.heapUsed)} -> ${mb(result.lookups.after.heapUsed)} MB ` +
            `over ${result.lookups.calls} lookups; ${result.keys.keys} keys +${mb(result.keys.after.heapUsed - result.keys.before.heapUsed)} MB`,
        );
      }
      log(
        `  memory rep ${rep + 1} ${client}: heap ${mb(result.http.before.heapUsed)} -> ${mb(result.http.after.heapUsed)} MB over ${result.http.calls} HTTP calls`,
      );
    }
  }
  const delta = (m) => m.after.heapUsed - m.before.heapUsed;
  const summary = {
    ours: {
      lookupCalls: summarize(reps.ours.map((r) => r.lookups.calls)),
      lookupHeapBefore: summarize(reps.ours.map((r) => r.lookups.before.heapUsed)),
      lookupHeapAfter: summarize(reps.ours.map((r) => r.lookups.after.heapUsed)),
      lookupHeapDelta: summarize(reps.ours.map((r) => delta(r.lookups))),
      lookupRssBefore: summarize(reps.ours.map((r) => r.lookups.before.rss)),
      lookupRssAfter: summarize(reps.ours.map((r) => r.lookups.after.rss)),
      keys: summarize(reps.ours.map((r) => r.keys.keys)),
      keysHeapDelta: summarize(reps.ours.map((r) => delta(r.keys))),
      keysRssDelta: summarize(reps.ours.map((r) => r.keys.after.rss - r.keys.before.rss)),
      bytesPerKey: summarize(reps.ours.map((r) => delta(r.keys) / r.keys.keys)),
      httpCalls: summarize(reps.ours.map((r) => r.http.calls)),
      httpHeapDelta: summarize(reps.ours.map((r) => delta(r.http))),
    },
    limit: {
      httpCalls: summarize(reps.limit.map((r) => r.http.calls)),
      httpHeapDelta: summarize(reps.limit.map((r) => delta(r.http))),
    },
  };
  return { params: all.memory, reps, summary };
}

function gc() {
  if (typeof globalThis.gc === 'function') {
    globalThis.gc();
    globalThis.gc();
  }
}

function memory() {
  gc();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsed, rss };
}

/** In the worker (started with --expose-gc): lookups and distinct keys (a manager's only), then HTTP calls. */
export async function work(client, task) {
  const out = { kind: task.client };
  if (client.manager) {
    const manager = client.manager;
    await manager.getAccessToken('bench');
    const before = memory();
    const checkpoints = [{ calls: 0, heapUsed: before.heapUsed }];
    const deadline = performance.now() + task.timeLimitMs;
    const step = Math.max(1, Math.floor(task.lookups / 4));
    let done = 0;
    while (done < task.lookups && performance.now() < deadline) {
      const until = Math.min(task.lookups, done + step);
      // Batches of 100 concurrent lookups: the library's per-call path, without the HTTP stack.
      while (done < until && performance.now() < deadline) {
        const batch = Math.min(100, until - done);
        await Promise.all(Array.from({ length: batch }, () => manager.getAccessToken('bench')));
        done += batch;
      }
      checkpoints.push({ calls: done, heapUsed: memory().heapUsed });
    }
    const after = memory();
    out.lookups = { calls: done, before, after, checkpoints };

    const keysBefore = memory();
    const keyDeadline = performance.now() + task.timeLimitMs;
    const keys = await pool(
      task.distinctKeys,
      32,
      (i) => manager.getAccessToken('bench', { scope: `orders.read k${i}` }),
      keyDeadline,
    );
    const keysAfter = memory();
    out.keys = { keys: keys.done, failed: keys.failed, before: keysBefore, after: keysAfter };
  }
  const httpBefore = memory();
  const http = await pool(task.httpCalls, 32, () => client.call(), performance.now() + task.timeLimitMs);
  const httpAfter = memory();
  out.http = { calls: http.done, failed: http.failed, before: httpBefore, after: httpAfter };
  return out;
}

export const report = {
  goals({ summary }) {
    const m = summary.ours;
    const delta = m.lookupHeapDelta.median;
    return [
      [
        `Memory flat over ${num(m.lookupCalls.median)} calls (heap after GC grows < 1 MiB)`,
        `${signed(num(mib(delta), 2))} MiB`,
        verdict(delta < 1048576, `${num(mib(delta), 1)} MiB`),
      ],
    ];
  },
  section({ summary: m }) {
    const o = m.ours;
    return [
      '## Memory (OURS; heap after a forced GC)',
      '',
      table(
        ['measure', 'value'],
        [
          [
            `heap before → after ${num(o.lookupCalls.median)} \`getAccessToken\` calls`,
            `${num(mib(o.lookupHeapBefore.median), 1)} → ${num(mib(o.lookupHeapAfter.median), 1)} MiB (${signed(cell(mibSummary(o.lookupHeapDelta), 2))} MiB)`,
          ],
          [
            'RSS before → after',
            `${num(mib(o.lookupRssBefore.median), 1)} → ${num(mib(o.lookupRssAfter.median), 1)} MiB`,
          ],
          [
            `${num(o.keys.median)} distinct cache keys (scopes)`,
            `${signed(cell(mibSummary(o.keysHeapDelta), 1))} MiB heap, ${cell(o.bytesPerKey)} bytes per key; RSS ${signed(cell(mibSummary(o.keysRssDelta), 1))} MiB`,
          ],
          [
            `heap change over ${num(o.httpCalls.median)} HTTP calls, OURS (named HttpService)`,
            `${signed(cell(mibSummary(o.httpHeapDelta), 2))} MiB`,
          ],
          [
            `heap change over ${num(m.limit.httpCalls.median)} HTTP calls, LIMIT (plain axios)`,
            `${signed(cell(mibSummary(m.limit.httpHeapDelta), 2))} MiB`,
          ],
        ],
      ),
      '',
    ];
  },
};
