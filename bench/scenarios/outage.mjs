// Outage: the token endpoint down for 10 s while a 6 s token is cached; failed calls, endpoint hits, recovery.
import { setTimeout as sleep } from 'node:timers/promises';
import { cell, num, verdict } from '../markdown.mjs';
import { clientConfig, log, nowMs, rotate, TOKEN_CLIENTS } from '../scenario-context.mjs';
import { summarizeReps } from '../stats.mjs';
import { timedCalls, timedGroup } from '../timed-group.mjs';

// 12 s after the outage: longer than the library's longest backoff delay (10 s), so its recovery is seen.
const FULL = { lifetimeSeconds: 6, outageMs: 10_000, intervalMs: 50, afterMs: 12_000, tailMs: 12_000 };
export const params = { full: FULL, quick: FULL };

export async function run(ctx) {
  const { servers, params: all } = ctx;
  const p = all.outage;
  const count = Math.round((p.outageMs + p.afterMs) / p.intervalMs);
  const reps = Object.fromEntries(TOKEN_CLIENTS.map((c) => [c, []]));
  for (let rep = 0; rep < all.reps; rep += 1) {
    servers.reset();
    const order = rotate(TOKEN_CLIENTS, rep);
    const window = {};
    const results = await timedGroup(
      'outage',
      order.map((client) => ({ client, config: clientConfig(servers, client) })),
      {
        beforeWarm: () => servers.set({ lifetimeSeconds: p.lifetimeSeconds }),
        // The token each client fetched in its warm-up call is the 6 s token; the outage starts at t0.
        afterWarm: async (t0) => {
          await sleep(Math.max(0, t0 - nowMs()));
          // The tokens fetched in the warm-up calls; no other is issued until the outage ends.
          window.expiry = new Map(servers.lastExpiresAt);
          servers.set({ outage: true });
          window.on = nowMs();
          await sleep(Math.max(0, t0 + p.outageMs - nowMs()));
          servers.set({ outage: false });
          window.off = nowMs();
        },
        intervalMs: p.intervalMs,
        count,
        tailMs: p.tailMs,
      },
    );
    order.forEach((client, i) => {
      const { records, t0 } = results[i];
      const counters = servers.counters(client);
      const tokenExpiresAt = window.expiry.get(client) ?? t0;
      const failed = records.filter((r) => !r.ok);
      const validUntil = tokenExpiresAt - t0;
      const recovered = records.find((r) => r.ok && t0 + r.t >= window.off);
      const result = {
        calls: records.length,
        failed: failed.length,
        failedWhileValid: failed.filter((r) => r.t < validUntil).length,
        failedAfter: failed.filter((r) => t0 + r.t >= window.off).length,
        firstFailureS: failed.length ? failed[0].t / 1000 : null,
        tokenValidForS: validUntil / 1000,
        outageHits: counters.outageHits,
        recoveryMs: recovered ? t0 + recovered.t + recovered.ms - window.off : null,
        failures: Object.fromEntries(
          [...new Set(failed.map((r) => r.error))].map((e) => [
            e,
            failed.filter((r) => r.error === e).length,
          ]),
        ),
        records,
      };
      reps[client].push(result);
      log(
        `  outage rep ${rep + 1} ${client}: ${result.failed} failed (${result.failedWhileValid} while valid), ` +
          `${result.outageHits} hits during outage, recovery ${result.recoveryMs === null ? '-' : Math.round(result.recoveryMs)} ms`,
      );
    });
  }
  const fields = [
    'failed',
    'failedWhileValid',
    'failedAfter',
    'firstFailureS',
    'outageHits',
    'recoveryMs',
    'tokenValidForS',
  ];
  const summary = Object.fromEntries(TOKEN_CLIENTS.map((c) => [c, summarizeReps(reps[c], fields)]));
  return { params: { ...p, count }, reps, summary };
}

export const work = timedCalls;

export const report = {
  goals({ summary }) {
    const o = summary.ours;
    // A run without any success after the outage counts as infinitely slow.
    const runs = o.failed.n;
    const recoveries = [...o.recoveryMs.values]
      .map((v) => v ?? Number.POSITIVE_INFINITY)
      .sort((a, b) => a - b);
    const rec = recoveries.length ? recoveries[Math.floor((recoveries.length - 1) / 2)] : null;
    const none = recoveries.filter((v) => v === Number.POSITIVE_INFINITY).length;
    return [
      [
        'Outage: no call fails while the token is valid',
        `${num(o.failedWhileValid.median)} failed while valid`,
        verdict(o.failedWhileValid.median === 0, `${num(o.failedWhileValid.median)} calls`),
      ],
      [
        'Outage: ≤ 8 token endpoint hits in the 10 s',
        num(o.outageHits.median),
        verdict(o.outageHits.median <= 8, `by ${num(o.outageHits.median - 8)}`),
      ],
      [
        'Outage: first success within 1 s of recovery',
        `${cell(o.recoveryMs, 0, ' ms')}${none ? ` (no success in ${none} of ${runs} runs)` : ''}`,
        verdict(
          rec !== null && rec <= 1000,
          Number.isFinite(rec) ? `by ${num(rec - 1000)} ms` : 'no success',
        ),
      ],
    ];
  },
  sideBySide({ params: p }) {
    return [
      [
        `**Outage** (${p.lifetimeSeconds} s token fetched at its start, ${p.outageMs / 1000} s down, ${1000 / p.intervalMs} calls/s, ${p.count} calls): failed calls`,
        (c) => cell(c.failed),
      ],
      ['Outage: of which while the token was still valid', (c) => cell(c.failedWhileValid)],
      ['Outage: of which after the token endpoint was back', (c) => cell(c.failedAfter)],
      ['Outage: first failure, s after the outage began', (c) => cell(c.firstFailureS, 2)],
      ['Outage: token endpoint hits during the outage', (c) => cell(c.outageHits)],
      [
        'Outage: first success after it ended, ms',
        (c) =>
          c.recoveryMs.n < c.failed.n
            ? `${cell(c.recoveryMs)}; none in ${c.failed.n - c.recoveryMs.n} run(s)`
            : cell(c.recoveryMs),
      ],
    ];
  },
};
