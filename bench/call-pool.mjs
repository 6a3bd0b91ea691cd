// Closed-loop load in a worker: a number of calls, a number at a time.
import { performance } from 'node:perf_hooks';
import { failureCode } from './clients.mjs';

/**
 * `total` calls, `concurrency` at a time, stopping early at `deadline` (performance.now() ms). With `latencies` (a
 * Float64Array), each call's duration is stored at the index of its completion.
 */
export async function pool(total, concurrency, fn, deadline, latencies) {
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
