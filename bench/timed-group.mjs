// Calls on one timeline across processes, shared by the rollover, outage and fleet scenarios: the orchestrator's side
// (timedGroup) and the worker's (timedCalls). Protocol: ready -> (warm) -> warmed -> (start t0) -> result.
import { setTimeout as sleep } from 'node:timers/promises';
import { Child } from './child.mjs';
import { failureCode } from './clients.mjs';
import { nowMs } from './scenario-context.mjs';
import { percentile } from './stats.mjs';
import { receive, send } from './worker-channel.mjs';

/**
 * Runs several clients at once on one timeline: all start their process, make one warm-up call (which fetches their
 * first token), then call every intervalMs from t0. Each client has its own client id, and the servers count per
 * client id, so the runs do not mix. `scenario` names the scenario whose work (timedCalls) the workers run. Returns
 * per member: its records and the t0 used.
 */
export async function timedGroup(scenario, members, { beforeWarm, afterWarm, intervalMs, count, tailMs }) {
  const children = members.map((m) => new Child({ scenario, client: m.client, config: m.config }));
  try {
    await Promise.all(children.map((c) => c.receive('ready', 90_000)));
    beforeWarm?.();
    for (const c of children) c.send({ type: 'warm' });
    const warmed = await Promise.all(children.map((c) => c.receive('warmed', 60_000)));
    const t0 = nowMs() + 150;
    const during = afterWarm?.(t0);
    for (const c of children) c.send({ type: 'start', t0, intervalMs, count, tailMs });
    const results = await Promise.all(
      children.map((c) => c.receive('result', count * intervalMs + tailMs + 30_000)),
    );
    await during;
    return results.map((r, i) => ({ ...r.result, warm: warmed[i], t0 }));
  } finally {
    for (const c of children) c.kill();
  }
}

/** In the worker: calls on a fixed schedule (open loop: one every intervalMs whether or not earlier ones finished). */
export async function timedCalls(client) {
  await send({ type: 'ready' });
  await receive('warm');
  const warmBegin = nowMs();
  let warmOk = true;
  try {
    await client.call();
  } catch {
    warmOk = false;
  }
  await send({ type: 'warmed', ok: warmOk, at: nowMs(), ms: nowMs() - warmBegin });
  const { t0, intervalMs, count, tailMs } = await receive('start');
  const records = [];
  const pending = [];
  for (let i = 0; i < count; i += 1) {
    const due = t0 + i * intervalMs;
    const wait = due - nowMs();
    if (wait > 0) await sleep(wait);
    const begin = nowMs();
    const record = { t: begin - t0, ms: null, ok: false };
    records.push(record);
    pending.push(
      client.call().then(
        () => {
          record.ms = nowMs() - begin;
          record.ok = true;
        },
        (error) => {
          record.ms = nowMs() - begin;
          record.error = failureCode(error);
        },
      ),
    );
  }
  await Promise.race([Promise.allSettled(pending), sleep(tailMs)]);
  for (const record of records) {
    if (record.ms === null) record.error = 'unfinished';
  }
  return { records, warmOk };
}

/** p50, p99 and max of the finished calls of a timed run. */
export function latencyStats(records) {
  const times = records.filter((r) => r.ms !== null).map((r) => r.ms);
  const sorted = Float64Array.from(times).sort();
  return {
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length ? sorted[sorted.length - 1] : null,
  };
}
