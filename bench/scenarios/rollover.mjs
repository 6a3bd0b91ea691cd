// Rollover: a slow token endpoint and short tokens; does any call wait for a renewal, or present an expired token?
import { cell, num, verdict } from '../markdown.mjs';
import { clientConfig, log, rotate, TOKEN_CLIENTS } from '../scenario-context.mjs';
import { summarizeReps } from '../stats.mjs';
import { latencyStats, timedCalls, timedGroup } from '../timed-group.mjs';
import { rolloverSvg } from './rollover-chart.mjs';

const FULL = {
  delayMs: 300,
  lifetimeSeconds: 3,
  intervalMs: 50,
  durationMs: 12_000,
  slowMs: 250,
  tailMs: 8_000,
};
export const params = { full: FULL, quick: FULL };

const CLIENTS = [...TOKEN_CLIENTS, 'limit'];

export async function run(ctx) {
  const { servers, params: all } = ctx;
  const p = all.rollover;
  const count = Math.round(p.durationMs / p.intervalMs);
  const reps = Object.fromEntries(CLIENTS.map((c) => [c, []]));
  for (let rep = 0; rep < all.reps; rep += 1) {
    servers.reset();
    const order = rotate(CLIENTS, rep);
    const results = await timedGroup(
      'rollover',
      order.map((client) => ({ client, config: clientConfig(servers, client) })),
      {
        beforeWarm: () => servers.set({ delayMs: p.delayMs, lifetimeSeconds: p.lifetimeSeconds }),
        intervalMs: p.intervalMs,
        count,
        tailMs: p.tailMs,
      },
    );
    order.forEach((client, i) => {
      const { records, t0 } = results[i];
      const counters = servers.counters(client);
      const requestTimes = counters.tokenRequestTimes.filter((t) => t >= t0).map((t) => t - t0);
      const result = {
        calls: records.length,
        failed: records.filter((r) => !r.ok).length,
        slow: records.filter((r) => r.ms === null || r.ms > p.slowMs).length,
        tokenRequests: requestTimes.length,
        expiredPresented: counters.expiredPresented,
        ...latencyStats(records),
        records,
        tokenRequestTimes: requestTimes,
      };
      reps[client].push(result);
      log(
        `  rollover rep ${rep + 1} ${client}: ${result.slow} calls > ${p.slowMs} ms, ${result.tokenRequests} token ` +
          `requests, ${result.expiredPresented} expired presented, max ${Math.round(result.maxMs)} ms`,
      );
    });
  }
  const fields = ['p50Ms', 'p99Ms', 'maxMs', 'slow', 'tokenRequests', 'expiredPresented', 'failed'];
  const summary = Object.fromEntries(CLIENTS.map((c) => [c, summarizeReps(reps[c], fields)]));
  return { params: { ...p, count }, reps, summary };
}

export const work = timedCalls;

export const report = {
  goals({ summary }) {
    const r = summary.ours;
    return [
      [
        'Rollover: 0 calls slower than 250 ms',
        num(r.slow.median),
        verdict(r.slow.median === 0, `${num(r.slow.median)} slow calls`),
      ],
      [
        'Rollover: ≤ 5 token requests',
        num(r.tokenRequests.median),
        verdict(r.tokenRequests.median <= 5, `by ${num(r.tokenRequests.median - 5)}`),
      ],
      [
        'Rollover: 0 expired tokens presented',
        num(r.expiredPresented.median),
        verdict(r.expiredPresented.median === 0, `${num(r.expiredPresented.median)}`),
      ],
    ];
  },
  sideBySide({ params: p }) {
    return [
      [
        `**Rollover** (${p.delayMs} ms token endpoint, ${p.lifetimeSeconds} s tokens, ${p.count} calls in ${p.durationMs / 1000} s): p50 / p99 / max ms`,
        (c) => `${num(c.p50Ms.median, 1)} / ${num(c.p99Ms.median)} / ${num(c.maxMs.median)}`,
      ],
      [`Rollover: calls > ${p.slowMs} ms`, (c) => cell(c.slow)],
      ['Rollover: token requests', (c) => cell(c.tokenRequests)],
      ['Rollover: expired tokens presented to the API', (c) => cell(c.expiredPresented)],
    ];
  },
  figure: () => ['## Call latency across token rollovers', '', '![rollover](rollover.svg)', ''],
  files: (result) => ({ 'rollover.svg': rolloverSvg(result) }),
};
