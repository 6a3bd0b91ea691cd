// Cold stampede: 1,000 concurrent first calls; how many token requests reach the token server.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { runTask } from '../child.mjs';
import { failureCode } from '../clients.mjs';
import { cell, num, verdict } from '../markdown.mjs';
import { clientConfig, log, rotate, TOKEN_CLIENTS } from '../scenario-context.mjs';
import { summarizeReps } from '../stats.mjs';

const FULL = { calls: 1_000, timeLimitMs: 30_000 };
export const params = { full: FULL, quick: FULL };

export async function run(ctx) {
  const { servers, params: all } = ctx;
  const reps = Object.fromEntries(TOKEN_CLIENTS.map((c) => [c, []]));
  for (let rep = 0; rep < all.reps; rep += 1) {
    for (const client of rotate(TOKEN_CLIENTS, rep)) {
      servers.reset();
      const result = await runTask(
        { scenario: 'stampede', client, config: clientConfig(servers, client), ...all.stampede },
        all.stampede.timeLimitMs + 60_000,
      );
      result.tokenRequests = servers.counters(client).tokenRequests;
      reps[client].push(result);
      log(
        `  stampede rep ${rep + 1} ${client}: ${result.tokenRequests} token requests, ${result.failed} failed`,
      );
    }
  }
  const summary = Object.fromEntries(
    TOKEN_CLIENTS.map((c) => [c, summarizeReps(reps[c], ['tokenRequests', 'failed', 'elapsedMs'])]),
  );
  return { params: all.stampede, reps, summary };
}

/** In the worker: every call at once, on a client that holds no token yet. */
export async function work(client, { calls, timeLimitMs }) {
  const begin = performance.now();
  const outcomes = await Promise.race([
    Promise.allSettled(Array.from({ length: calls }, () => client.call())),
    sleep(timeLimitMs).then(() => null),
  ]);
  const elapsed = performance.now() - begin;
  if (outcomes === null) return { calls, failed: calls, timedOut: true, elapsedMs: elapsed };
  const failures = {};
  for (const outcome of outcomes) {
    if (outcome.status === 'rejected') {
      const code = failureCode(outcome.reason);
      failures[code] = (failures[code] ?? 0) + 1;
    }
  }
  const failed = outcomes.filter((o) => o.status === 'rejected').length;
  return { calls, failed, failures, elapsedMs: elapsed };
}

export const report = {
  goals({ summary }) {
    const n = summary.ours.tokenRequests.median;
    return [
      ['Cold stampede: 1 token request for 1,000 calls', num(n), verdict(n === 1, `${num(n - 1)} extra`)],
    ];
  },
  sideBySide({ params: p }) {
    const n = num(p.calls);
    return [
      [`**Cold stampede** (${n} concurrent first calls): token requests`, (c) => cell(c.tokenRequests)],
      ['Cold stampede: failed calls', (c) => cell(c.failed)],
      [`Cold stampede: ms until all ${n} answered`, (c) => cell(c.elapsedMs)],
    ];
  },
};
