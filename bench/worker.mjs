// One client in one fresh process. The orchestrator (run.mjs) forks this file, sends { type: 'task', task } and reads
// the result. Timed scenarios follow a small protocol so that several processes can start on the same instant:
// ready -> (warm) -> warmed -> (start t0) -> result.
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, failureCode, probeSharedStore } from './clients.mjs';
import { percentile } from './stats.mjs';

const nowMs = () => performance.timeOrigin + performance.now();

function send(message) {
  return new Promise((resolve) => process.send(message, resolve));
}

const inbox = [];
const waiters = [];
process.on('message', (message) => {
  const waiter = waiters.findIndex((w) => w.type === message.type);
  if (waiter >= 0) waiters.splice(waiter, 1)[0].resolve(message);
  else inbox.push(message);
});

function receive(type) {
  const queued = inbox.findIndex((m) => m.type === type);
  if (queued >= 0) return Promise.resolve(inbox.splice(queued, 1)[0]);
  return new Promise((resolve) => waiters.push({ type, resolve }));
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

/** `total` calls, `concurrency` at a time, stopping early at `deadline` (performance.now() ms). */
async function pool(total, concurrency, fn, deadline, latencies) {
  let started = 0;
  let done = 0;
  let failed = 0;
  const failures = {};
  async function lane() {
    while (started < total && performance.now() < deadline) {
      started += 1;
      const begin = performance.now();
      try {
        await fn(started);
      } catch (error) {
        failed += 1;
        const code = failureCode(error);
        failures[code] = (failures[code] ?? 0) + 1;
      }
      if (latencies) latencies[done] = performance.now() - begin;
      done += 1;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { done, failed, failures };
}

/**
 * The hot path in slices: after the warm-up the orchestrator hands out slices of calls to the clients in turn, so
 * that load from outside the bench (other processes on the machine) falls on every client alike.
 */
async function hot(client, { warmup, concurrency, timeLimitMs }) {
  await pool(warmup, concurrency, () => client.call(), performance.now() + timeLimitMs);
  await send({ type: 'ready' });
  const slices = [];
  let done = 0;
  let failed = 0;
  let elapsed = 0;
  let cpuMicros = 0;
  const failures = {};
  for (;;) {
    const message = await receive('slice');
    if (message.stop) break;
    const latencies = new Float64Array(message.calls);
    const cpu = process.cpuUsage();
    const begin = performance.now();
    const run = await pool(message.calls, concurrency, () => client.call(), begin + timeLimitMs, latencies);
    elapsed += performance.now() - begin;
    const used = process.cpuUsage(cpu);
    cpuMicros += used.user + used.system;
    slices.push(latencies.subarray(0, run.done));
    done += run.done;
    failed += run.failed;
    for (const [code, n] of Object.entries(run.failures)) failures[code] = (failures[code] ?? 0) + n;
    await send({ type: 'sliceDone' });
  }
  const sorted = new Float64Array(done);
  let offset = 0;
  for (const slice of slices) {
    sorted.set(slice, offset);
    offset += slice.length;
  }
  sorted.sort();
  return {
    calls: done,
    failed,
    failures,
    reqPerSec: (done / elapsed) * 1000,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    cpuUsPerCall: cpuMicros / done,
    elapsedMs: elapsed,
  };
}

async function lookup(client, { calls, concurrency, timeLimitMs }) {
  const manager = client.manager;
  await manager.getAccessToken('bench');
  const run = async (lanes) => {
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
  const sequential = await run(1);
  const concurrent = await run(concurrency);
  return { sequential, concurrent };
}

async function stampede(client, { calls, timeLimitMs }) {
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

/** Calls on a fixed schedule (open loop: one every intervalMs whether or not earlier ones have finished). */
async function timed(client) {
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

async function mem(client, task) {
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

async function main() {
  const { task } = await receive('task');
  if (task.scenario === 'probe') {
    await send({ type: 'result', result: await probeSharedStore(task.env) });
    process.exit(0);
  }
  const client = await createClient(task.client, task.config);
  let result;
  switch (task.scenario) {
    case 'hot':
      result = await hot(client, task);
      break;
    case 'lookup':
      result = await lookup(client, task);
      break;
    case 'stampede':
      result = await stampede(client, task);
      break;
    case 'timed':
      result = await timed(client);
      break;
    case 'memory':
      result = await mem(client, task);
      break;
    default:
      throw new Error(`unknown scenario ${task.scenario}`);
  }
  await send({ type: 'result', result });
  // Do not wait for keep-alive sockets or timers: the process is done.
  await Promise.race([client.close(), sleep(1000)]).catch(() => undefined);
  process.exit(0);
}

main().catch(async (error) => {
  await send({ type: 'error', message: String(error?.stack ?? error) }).catch(() => undefined);
  process.exit(1);
});
