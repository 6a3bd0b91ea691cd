// Hot path: requests/s, latency and client CPU per call once a token is cached, every client against the limits.
import { PerformanceObserver, performance } from 'node:perf_hooks';
import process from 'node:process';
import { pool } from '../call-pool.mjs';
import { Child } from '../child.mjs';
import { cell, DASH, num, verdict } from '../markdown.mjs';
import { clientConfig, log, rotate } from '../scenario-context.mjs';
import { percentile, summarize, summarizeReps } from '../stats.mjs';
import { receive, send } from '../worker-channel.mjs';

// Each repetition of the run starts `processSets` fresh sets of client processes, one set after the other. Two
// processes of the same client can differ by several percent for their whole life (564 vs 528 µs of CPU per call in
// one run), so a verdict rests on how many process pairs it saw as much as on how many calls each made: 3 repetitions
// of 3 sets give 9 process pairs per goal and 90 slice pairs. The warm-up is long: after 1,000 or 2,000 calls a
// process's first slices still ran at about half the speed of its later ones (the JIT still at work), which made the
// first slice pairs compare warm-up speeds, the library's clients having more code to warm.
const FULL = {
  processSets: 3,
  calls: 20_000,
  sliceCalls: 2_000,
  warmup: 10_000,
  concurrency: 32,
  timeLimitMs: 60_000,
};
export const params = { full: FULL, quick: { ...FULL, calls: 6_000 } };

// Each of the library's clients with its baseline, as a pair whose two slices always run one right after the other;
// the other clients alone. Which of a pair goes first alternates from round to round, exactly: the slice that runs
// second after another client's tends to be the slower one (a run with the baselines first in 7 of 10 rounds gave
// the library's clients 0.95x and 0.94x; with them second in 7 of 10, 0.97x and 0.97x).
const UNITS = [
  ['nestlimit', 'ours'],
  ['limit', 'oursaxios'],
  ['fetch', 'oursfetch'],
  // The A/A control: two processes of the same client, paired as the library's clients are with their baselines. Its
  // ratio is how far two identical clients differ in this very run, the resolution the verdicts above have.
  ['controla', 'controlb'],
  ['handrolled'],
  ['badgateway'],
  ['openid'],
];
const CLIENTS = UNITS.flat();

/** The library's clients, each to the client it must keep up with: the same HTTP client with a fixed header. */
const BASELINES = { ours: 'nestlimit', oursaxios: 'limit', oursfetch: 'fetch' };
/** The same, with the A/A control: its second process to its first. */
const PAIRS = { ...BASELINES, controlb: 'controla' };

export async function run(ctx) {
  const { servers, params: all } = ctx;
  const p = all.hot;
  const reps = Object.fromEntries(CLIENTS.map((c) => [c, []]));
  const slices = Math.ceil(p.calls / p.sliceCalls);
  // `reps` holds one entry per process set; sets of one repetition follow each other as repetitions do.
  for (let rep = 0; rep < all.reps * p.processSets; rep += 1) {
    servers.reset();
    // All clients start (and warm up) in their own process, then take turns: slice after slice, round-robin.
    const order = rotate(CLIENTS, rep);
    const children = order.map(
      (client) => new Child({ scenario: 'hot', client, config: clientConfig(servers, client), ...p }),
    );
    try {
      await Promise.all(children.map((c) => c.receive('ready', 120_000)));
      for (let round = 0; round < slices; round += 1) {
        const calls = Math.min(p.sliceCalls, p.calls - round * p.sliceCalls);
        // The units turn by one each round (the load of a moment falls on every client in turn); within a pair, the
        // baseline goes first in even rounds and the library's client in odd ones.
        for (const unit of rotate(UNITS, round)) {
          for (const client of round % 2 === 1 ? [...unit].reverse() : unit) {
            const child = children[order.indexOf(client)];
            child.send({ type: 'slice', calls });
            await child.receive('sliceDone', p.timeLimitMs + 30_000);
          }
        }
      }
      for (const child of children) child.send({ type: 'slice', stop: true });
      const results = await Promise.all(children.map((c) => c.receive('result', 30_000)));
      order.forEach((client, i) => {
        const result = results[i].result;
        result.tokenRequests = servers.counters(client).tokenRequests;
        reps[client].push(result);
        log(
          `  hot rep ${rep + 1} ${client}: ${Math.round(result.reqPerSec)} req/s, p99 ${result.p99Ms.toFixed(1)} ms, ` +
            `${Math.round(result.cpuUsPerCall)} µs CPU per call (GC ${result.gcUsPerCall.toFixed(1)})`,
        );
      });
    } finally {
      for (const child of children) child.kill();
    }
  }
  const summary = {};
  for (const client of CLIENTS) {
    summary[client] = summarizeReps(reps[client], [
      'reqPerSec',
      'p50Ms',
      'p99Ms',
      'cpuUsPerCall',
      'gcUsPerCall',
      'failed',
    ]);
    // Ratios to LIMIT per repetition (same repetition, adjacent in time), then their median.
    summary[client].reqPerSecRatio = summarize(
      reps[client].map((r, i) => r.reqPerSec / reps.limit[i].reqPerSec),
    );
    summary[client].p99Ratio = summarize(reps[client].map((r, i) => r.p99Ms / reps.limit[i].p99Ms));
  }
  // Each of the library's clients against the same client with a fixed header: repetition by repetition, and slice
  // by slice (the slice of the baseline that ran just before or after it). The goals take the median of the slice
  // pairs: load from outside the bench that falls on a few slices moves a whole repetition's figure, not that median.
  for (const [client, baseline] of Object.entries(PAIRS)) {
    summary[client].baselineRatio = summarize(
      reps[client].map((r, i) => r.reqPerSec / reps[baseline][i].reqPerSec),
    );
    summary[client].baselineP99Ratio = summarize(
      reps[client].map((r, i) => r.p99Ms / reps[baseline][i].p99Ms),
    );
    const pairs = reps[client].flatMap((r, i) =>
      r.slices.map((slice, k) => [slice, reps[baseline][i].slices[k]]),
    );
    summary[client].pairedRatio = summarize(pairs.map(([a, b]) => a.reqPerSec / b.reqPerSec));
    summary[client].pairedP99Ratio = summarize(pairs.map(([a, b]) => a.p99Ms / b.p99Ms));
  }
  return { params: p, reps, summary };
}

/**
 * In the worker. After the warm-up the orchestrator hands out slices of calls to the clients in turn, so that load
 * from outside the bench (other processes on the machine) falls on every client alike.
 */
export async function work(client, { warmup, concurrency, timeLimitMs }) {
  await pool(warmup, concurrency, () => client.call(), performance.now() + timeLimitMs);
  await send({ type: 'ready' });
  const slices = [];
  /** Each slice's own req/s and p99, for the slice-by-slice comparison with the baseline. */
  const sliceStats = [];
  let done = 0;
  let failed = 0;
  let elapsed = 0;
  let cpuMicros = 0;
  // Garbage collection during the slices: a process that holds more (a library's modules and state) pays more for
  // each full collection, which its own functions' profile does not show.
  let gcMs = 0;
  let measuring = false;
  const gc = new PerformanceObserver((list) => {
    if (measuring) for (const entry of list.getEntries()) gcMs += entry.duration;
  });
  gc.observe({ entryTypes: ['gc'] });
  const failures = {};
  for (;;) {
    const message = await receive('slice');
    if (message.stop) break;
    const latencies = new Float64Array(message.calls);
    measuring = true;
    const cpu = process.cpuUsage();
    const begin = performance.now();
    const lap = await pool(message.calls, concurrency, () => client.call(), begin + timeLimitMs, latencies);
    const sliceMs = performance.now() - begin;
    elapsed += sliceMs;
    sliceStats.push({
      reqPerSec: (lap.done / sliceMs) * 1000,
      p99Ms: percentile(latencies.slice(0, lap.done).sort(), 99),
    });
    const used = process.cpuUsage(cpu);
    cpuMicros += used.user + used.system;
    // Entries arrive after the collection; those of the slice's last moments are counted with a delay of one turn.
    await new Promise((resolve) => globalThis.setImmediate(resolve));
    measuring = false;
    slices.push(latencies.subarray(0, lap.done));
    done += lap.done;
    failed += lap.failed;
    for (const [code, n] of Object.entries(lap.failures)) failures[code] = (failures[code] ?? 0) + n;
    await send({ type: 'sliceDone' });
  }
  gc.disconnect();
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
    gcUsPerCall: (gcMs * 1000) / done,
    elapsedMs: elapsed,
    slices: sliceStats,
  };
}

export const report = {
  goals({ summary }) {
    const label = { ours: 'OURS', oursaxios: 'OURS (axios)', oursfetch: 'OURS (fetch)' };
    const base = { nestlimit: 'NEST-LIMIT', limit: 'LIMIT', fetch: 'FETCH' };
    const goals = Object.entries(BASELINES)
      .filter(([client]) => summary[client]?.pairedRatio)
      .flatMap(([client, baseline]) => {
        const ratio = summary[client].pairedRatio.median;
        const p99 = summary[client].pairedP99Ratio.median;
        return [
          [
            `Hot path throughput: ${label[client]} ≥ 0.97× ${base[baseline]} (median of the slice pairs)`,
            `${num(ratio, 2)}×`,
            verdict(ratio >= 0.97, `by ${num(0.97 - ratio, 2)}×`),
          ],
          [
            `Hot path p99: ${label[client]} ≤ 1.05× ${base[baseline]} (median of the slice pairs)`,
            `${num(p99, 2)}×`,
            verdict(p99 <= 1.05, `by ${num(p99 - 1.05, 2)}×`),
          ],
        ];
      });
    const control = summary.controlb?.pairedRatio;
    if (control === undefined) return goals;
    // Not a goal: the spread of identical clients, against which a verdict a few hundredths either side means little.
    return [
      ...goals,
      [
        'A/A control, not a goal: a second FETCH against the first (median of the slice pairs [min–max]; p99)',
        `${cell(control, 2, '×')}; p99 ${num(summary.controlb.pairedP99Ratio.median, 2)}×`,
        DASH,
      ],
    ];
  },
  sideBySide({ params: p }) {
    const at = `${num(p.calls)} calls per process, ${p.processSets} process sets per repetition, concurrency ${p.concurrency}`;
    return [
      [`**Hot path** (${at}): req/s`, (c) => cell(c.reqPerSec)],
      ['Hot path: req/s ratio to LIMIT', (c) => cell(c.reqPerSecRatio, 2, '×')],
      ['Hot path: p50 ms', (c) => cell(c.p50Ms, 1)],
      ['Hot path: p99 ms', (c) => cell(c.p99Ms, 1)],
      ['Hot path: p99 ratio to LIMIT', (c) => cell(c.p99Ratio, 2, '×')],
      ['Hot path: client CPU µs per call', (c) => cell(c.cpuUsPerCall)],
      ['Hot path: of which garbage collection (pause time), µs per call', (c) => cell(c.gcUsPerCall, 1)],
      [
        'Hot path: req/s ratio to its baseline (same HTTP client, fixed header), slice by slice: median [min–max]',
        (c) => cell(c.pairedRatio, 2, '×'),
      ],
      ['Hot path: p99 ratio to its baseline, slice by slice', (c) => cell(c.pairedP99Ratio, 2, '×')],
    ];
  },
};
