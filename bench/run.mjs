// npm run bench            full run (3 repetitions, ~10 min on 2 cores)
// npm run bench:quick      one repetition, half the hot-path calls, one fleet size, fewer memory calls (< 3 min)
// node bench/run.mjs [--quick] [--only=hot,lookup,stampede,rollover,outage,fleet,memory] [--reps=N]
//                    [--lib=<git rev>] [--no-build]
//
// Builds the library from libs/access-token-management/src into bench/dist/lib (tsc keeps the decorator metadata
// Nest needs), starts a token server and an API on loopback, runs every client in a fresh child process, and writes
// bench/results.json, bench/results.md and bench/rollover.svg.
import { Buffer } from 'node:buffer';
import { fork, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { oursEnv } from './clients.mjs';
import { renderMarkdown } from './report.mjs';
import { BenchServers, CLIENT_SECRET } from './servers.mjs';
import { percentile, summarize, summarizeReps } from './stats.mjs';
import { rolloverSvg } from './svg.mjs';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const ROOT = here('..');
const WORKER = here('./worker.mjs');
const nowMs = () => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------------------------------------------------------
// Parameters. Scenarios 1 and 3-5 use the parameters of the first measurement of the peers, so figures compare.

const FULL = {
  reps: 3,
  hot: { calls: 20_000, sliceCalls: 2_000, warmup: 2_000, concurrency: 32, timeLimitMs: 60_000 },
  lookup: { calls: 1_000_000, concurrency: 32, timeLimitMs: 2_000 },
  stampede: { calls: 1_000, timeLimitMs: 30_000 },
  rollover: {
    delayMs: 300,
    lifetimeSeconds: 3,
    intervalMs: 50,
    durationMs: 12_000,
    slowMs: 250,
    tailMs: 8_000,
  },
  // 12 s after the outage: longer than the library's longest backoff delay (10 s), so its recovery is seen.
  outage: { lifetimeSeconds: 6, outageMs: 10_000, intervalMs: 50, afterMs: 12_000, tailMs: 12_000 },
  // 3 s tokens renewed 0.1 s before expiry: the ratio of the default 60 s buffer to a 30-minute token, so one
  // instance alone makes 3 / 2.9 = 1.03 token requests per lifetime.
  fleet: {
    sizes: [4, 8],
    lifetimeSeconds: 3,
    lifetimes: 5,
    refreshBeforeExpirySeconds: 0.1,
    intervalMs: 50,
    tailMs: 12_000,
  },
  memory: { lookups: 1_000_000, distinctKeys: 10_000, httpCalls: 50_000, timeLimitMs: 60_000 },
};

const QUICK = {
  ...FULL,
  reps: 1,
  hot: { ...FULL.hot, calls: 10_000, warmup: 1_000 },
  fleet: { ...FULL.fleet, sizes: [4] },
  memory: { ...FULL.memory, httpCalls: 10_000 },
};

const HOT_CLIENTS = [
  'ours',
  'oursaxios',
  'limit',
  'nestlimit',
  'fetch',
  'handrolled',
  'badgateway',
  'openid',
];
const TOKEN_CLIENTS = ['ours', 'handrolled', 'badgateway', 'openid'];
const ROLLOVER_CLIENTS = [...TOKEN_CLIENTS, 'limit'];
const SCENARIOS = ['hot', 'lookup', 'stampede', 'rollover', 'outage', 'fleet', 'memory'];
const SCOPE = 'orders.read';

function parseArgs(argv) {
  const args = { quick: false, build: true, only: SCENARIOS, reps: undefined, lib: undefined };
  for (const arg of argv) {
    if (arg === '--quick') args.quick = true;
    else if (arg === '--no-build') args.build = false;
    else if (arg.startsWith('--lib=')) args.lib = arg.slice(6);
    else if (arg.startsWith('--only=')) args.only = arg.slice(7).split(',').filter(Boolean);
    else if (arg.startsWith('--reps=')) args.reps = Math.max(1, Math.min(9, Number(arg.slice(7)) || 1));
    else throw new Error(`unknown argument ${arg}`);
  }
  for (const name of args.only) if (!SCENARIOS.includes(name)) throw new Error(`unknown scenario ${name}`);
  return args;
}

const log = (...parts) => process.stderr.write(`${parts.join(' ')}\n`);
const rotate = (list, n) => list.map((_, i) => list[(i + n) % list.length]);

// ---------------------------------------------------------------------------------------------------------------
// Child processes

/** A forked worker with a message inbox. */
class Child {
  constructor(task) {
    this.inbox = [];
    this.waiters = [];
    this.stderr = '';
    this.process = fork(WORKER, [], {
      cwd: ROOT,
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.process.stderr.on('data', (chunk) => {
      this.stderr = (this.stderr + chunk).slice(-4000);
    });
    this.process.on('message', (message) => this.deliver(message));
    this.process.on('exit', (code) => this.deliver({ type: 'exit', code }));
    this.process.send({ type: 'task', task });
  }

  deliver(message) {
    if (message.type === 'error' || message.type === 'exit') this.failed ??= message;
    const index = this.waiters.findIndex((w) => w.type === message.type || message === this.failed);
    if (index >= 0) this.waiters.splice(index, 1)[0].resolve(message);
    else this.inbox.push(message);
  }

  /** The next message of a type; rejects when the child fails first or after timeoutMs. */
  async receive(type, timeoutMs) {
    const queued = this.inbox.findIndex((m) => m.type === type);
    if (queued >= 0) return this.inbox.splice(queued, 1)[0];
    if (this.failed) throw this.failure();
    const message = await Promise.race([
      new Promise((resolve) => this.waiters.push({ type, resolve })),
      sleep(timeoutMs, undefined, { ref: false }).then(() => ({ type: 'timeout' })),
    ]);
    if (message.type !== type) {
      if (message.type === 'timeout') throw new Error(`worker timed out waiting for '${type}'`);
      throw this.failure();
    }
    return message;
  }

  failure() {
    const detail = this.failed?.message ?? `exit code ${this.failed?.code}`;
    return new Error(`worker failed: ${detail}\n${this.stderr}`.trim());
  }

  send(message) {
    if (this.process.connected) this.process.send(message);
  }

  kill() {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGKILL');
  }
}

async function runTask(task, timeoutMs) {
  const child = new Child(task);
  try {
    return (await child.receive('result', timeoutMs)).result;
  } finally {
    await sleep(20);
    child.kill();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Redis (for the shared store, when the library has one)

function hasRedisServer() {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : null;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Sends one command over RESP and resolves with the first reply line. */
function redisCommand(port, ...args) {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('redis timeout'));
    }, 2000);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('data', (data) => {
      clearTimeout(timer);
      socket.end();
      resolve(data.toString('utf8').split('\r\n')[0]);
    });
    socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
  });
}

async function startRedis() {
  const version = hasRedisServer();
  if (!version) return { unavailable: 'redis-server is not installed (apt-get install -y redis-server)' };
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    try {
      if ((await redisCommand(port, 'PING')) === '+PONG') {
        return {
          version,
          url: `redis://127.0.0.1:${port}`,
          flush: () => redisCommand(port, 'FLUSHALL'),
          stop: () => child.kill('SIGTERM'),
        };
      }
    } catch {
      await sleep(50);
    }
  }
  child.kill('SIGKILL');
  return { unavailable: `redis-server did not answer on port ${port}` };
}

// ---------------------------------------------------------------------------------------------------------------
// Scenarios

function clientConfig(servers, clientId, extra = {}) {
  return {
    tokenEndpoint: servers.tokenEndpoint,
    issuer: servers.issuer,
    apiBase: servers.apiBase,
    staticToken: servers.staticToken,
    clientId,
    secret: CLIENT_SECRET,
    scope: SCOPE,
    ...extra,
  };
}

async function scenarioHot(ctx) {
  const { servers, params } = ctx;
  const p = params.hot;
  const reps = Object.fromEntries(HOT_CLIENTS.map((c) => [c, []]));
  const slices = Math.ceil(p.calls / p.sliceCalls);
  for (let rep = 0; rep < params.reps; rep += 1) {
    servers.reset();
    // All clients start (and warm up) in their own process, then take turns: slice after slice, round-robin.
    const order = rotate(HOT_CLIENTS, rep);
    const children = order.map(
      (client) => new Child({ scenario: 'hot', client, config: clientConfig(servers, client), ...p }),
    );
    try {
      await Promise.all(children.map((c) => c.receive('ready', 120_000)));
      for (let round = 0; round < slices; round += 1) {
        const calls = Math.min(p.sliceCalls, p.calls - round * p.sliceCalls);
        for (const child of rotate(children, round)) {
          child.send({ type: 'slice', calls });
          await child.receive('sliceDone', p.timeLimitMs + 30_000);
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
            `${Math.round(result.cpuUsPerCall)} µs CPU per call`,
        );
      });
    } finally {
      for (const child of children) child.kill();
    }
  }
  const summary = {};
  for (const client of HOT_CLIENTS) {
    summary[client] = summarizeReps(reps[client], ['reqPerSec', 'p50Ms', 'p99Ms', 'cpuUsPerCall', 'failed']);
    // Ratios to LIMIT per repetition (same repetition, adjacent in time), then their median.
    summary[client].reqPerSecRatio = summarize(
      reps[client].map((r, i) => r.reqPerSec / reps.limit[i].reqPerSec),
    );
    summary[client].p99Ratio = summarize(reps[client].map((r, i) => r.p99Ms / reps.limit[i].p99Ms));
  }
  return { params: params.hot, reps, summary };
}

async function scenarioLookup(ctx) {
  const { servers, params, redis, capabilities } = ctx;
  const variants = { inProcess: [], redis: [] };
  const redisAvailable = capabilities.sharedStore && redis?.url;
  for (let rep = 0; rep < params.reps; rep += 1) {
    servers.reset();
    variants.inProcess.push(
      await runTask(
        { scenario: 'lookup', client: 'ours', config: clientConfig(servers, 'ours'), ...params.lookup },
        60_000,
      ),
    );
    if (redisAvailable) {
      await redis.flush();
      servers.reset();
      variants.redis.push(
        await runTask(
          {
            scenario: 'lookup',
            client: 'ours',
            config: clientConfig(servers, 'ours', ctx.sharedStoreConfig),
            ...params.lookup,
          },
          60_000,
        ),
      );
    }
  }
  const sum = (list) => ({
    sequential: summarize(list.map((r) => r.sequential.hitsPerSec)),
    concurrent: summarize(list.map((r) => r.concurrent.hitsPerSec)),
    sequentialUs: summarize(list.map((r) => r.sequential.usPerHit)),
  });
  return {
    params: params.lookup,
    reps: variants,
    summary: {
      inProcess: sum(variants.inProcess),
      redis: redisAvailable ? sum(variants.redis) : { unavailable: sharedStoreUnavailable(ctx) },
    },
  };
}

async function scenarioStampede(ctx) {
  const { servers, params } = ctx;
  const reps = Object.fromEntries(TOKEN_CLIENTS.map((c) => [c, []]));
  for (let rep = 0; rep < params.reps; rep += 1) {
    for (const client of rotate(TOKEN_CLIENTS, rep)) {
      servers.reset();
      const result = await runTask(
        { scenario: 'stampede', client, config: clientConfig(servers, client), ...params.stampede },
        params.stampede.timeLimitMs + 60_000,
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
  return { params: params.stampede, reps, summary };
}

/**
 * Runs several clients at once on one timeline: all start their process, make one warm-up call (which fetches their
 * first token), then call every intervalMs from t0. Each client has its own client id, and the servers count per
 * client id, so the runs do not mix. Returns per member: its records and the t0 used.
 */
async function timedGroup(members, { beforeWarm, afterWarm, intervalMs, count, tailMs }) {
  const children = members.map((m) => new Child({ scenario: 'timed', client: m.client, config: m.config }));
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

function latencyStats(records) {
  const times = records.filter((r) => r.ms !== null).map((r) => r.ms);
  const sorted = Float64Array.from(times).sort();
  return {
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length ? sorted[sorted.length - 1] : null,
  };
}

async function scenarioRollover(ctx) {
  const { servers, params } = ctx;
  const p = params.rollover;
  const count = Math.round(p.durationMs / p.intervalMs);
  const reps = Object.fromEntries(ROLLOVER_CLIENTS.map((c) => [c, []]));
  for (let rep = 0; rep < params.reps; rep += 1) {
    servers.reset();
    const order = rotate(ROLLOVER_CLIENTS, rep);
    const results = await timedGroup(
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
  const summary = Object.fromEntries(ROLLOVER_CLIENTS.map((c) => [c, summarizeReps(reps[c], fields)]));
  return { params: { ...p, count }, reps, summary };
}

async function scenarioOutage(ctx) {
  const { servers, params } = ctx;
  const p = params.outage;
  const count = Math.round((p.outageMs + p.afterMs) / p.intervalMs);
  const reps = Object.fromEntries(TOKEN_CLIENTS.map((c) => [c, []]));
  for (let rep = 0; rep < params.reps; rep += 1) {
    servers.reset();
    const order = rotate(TOKEN_CLIENTS, rep);
    const window = {};
    const results = await timedGroup(
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

async function scenarioFleet(ctx) {
  const { servers, params, redis, capabilities } = ctx;
  const p = params.fleet;
  const durationMs = p.lifetimes * p.lifetimeSeconds * 1000;
  const count = Math.round(durationMs / p.intervalMs);
  const sharedAvailable = capabilities.sharedStore && redis?.url;
  const variants = sharedAvailable ? ['shared', 'perProcess'] : ['perProcess'];
  const reps = {};
  for (const size of p.sizes) {
    for (const variant of variants) reps[`${variant}:${size}`] = [];
  }
  for (let rep = 0; rep < params.reps; rep += 1) {
    for (const size of p.sizes) {
      for (const variant of rotate(variants, rep)) {
        servers.reset();
        if (variant === 'shared') await redis.flush();
        const clientId = `fleet-${variant}-${size}`;
        const extra = { refreshBeforeExpirySeconds: p.refreshBeforeExpirySeconds };
        if (variant === 'shared') Object.assign(extra, ctx.sharedStoreConfig);
        const members = Array.from({ length: size }, () => ({
          client: 'ours',
          config: clientConfig(servers, clientId, extra),
        }));
        const results = await timedGroup(members, {
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
    };
  }
  const single = p.lifetimeSeconds / (p.lifetimeSeconds - p.refreshBeforeExpirySeconds);
  return { params: { ...p, durationMs, count, singleInstanceIdeal: single }, reps, summary };
}

async function scenarioMemory(ctx) {
  const { servers, params } = ctx;
  const clients = ['ours', 'limit'];
  const reps = { ours: [], limit: [] };
  for (let rep = 0; rep < params.reps; rep += 1) {
    for (const client of rotate(clients, rep)) {
      servers.reset();
      const result = await runTask(
        { scenario: 'memory', client, config: clientConfig(servers, client), ...params.memory },
        params.memory.timeLimitMs * 3 + 60_000,
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
  return { params: params.memory, reps, summary };
}

/** How a user turns the shared store on: a Redis URL and an encryption key for the tokens at rest. */
function sharedStoreConfig(cacheUrl) {
  return { cacheUrl, cacheEncryptionKey: randomBytes(32).toString('base64') };
}

function sharedStoreUnavailable(ctx) {
  if (!ctx.capabilities.sharedStore) return `not available in this build (${ctx.capabilities.reason})`;
  return `not measured: ${ctx.redis?.unavailable ?? 'no Redis'}`;
}

// ---------------------------------------------------------------------------------------------------------------

/**
 * Compiles the library into bench/dist/lib: from the working tree, or with `--lib=<rev>` from a commit (read with
 * `git archive`, which changes nothing in the repository) -- handy while libs/ is being edited.
 */
function buildLibrary(rev) {
  let project = here('../libs/access-token-management/tsconfig.build.json');
  if (rev !== undefined) {
    const source = here('./dist/src');
    rmSync(source, { recursive: true, force: true });
    mkdirSync(source, { recursive: true });
    const archive = spawnSync(
      'git',
      ['archive', '--format=tar', rev, 'tsconfig.json', 'libs/access-token-management'],
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
    );
    if (archive.status !== 0) throw new Error(`git archive ${rev} failed: ${archive.stderr}`);
    const untar = spawnSync('tar', ['-x', '-C', source], { input: archive.stdout });
    if (untar.status !== 0) throw new Error(`unpacking ${rev} failed: ${untar.stderr}`);
    project = `${source}/libs/access-token-management/tsconfig.build.json`;
  }
  const lib = here('./dist/lib');
  rmSync(lib, { recursive: true, force: true });
  const tsc = here('../node_modules/typescript/bin/tsc');
  const flags = ['--declaration', 'false', '--declarationMap', 'false', '--sourceMap', 'false'];
  const result = spawnSync(
    process.execPath,
    [tsc, '-p', project, '--outDir', lib, ...flags, '--inlineSources', 'false'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (result.status !== 0) {
    throw new Error(
      `building the library failed (a half-done edit in libs/? try --lib=HEAD):\n${result.stdout}${result.stderr}`,
    );
  }
}

/** Aligns the tables with the repository's Prettier settings, so `npm run lint` stays clean after a run. */
async function formatMarkdown(markdown, filepath) {
  try {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(filepath)) ?? {};
    return await prettier.format(markdown, { ...options, filepath });
  } catch {
    return markdown;
  }
}

function machine(rev) {
  const cpus = os.cpus();
  const git = (...args) =>
    spawnSync('git', ['--no-optional-locks', ...args], { cwd: ROOT, encoding: 'utf8' });
  const commit = git('rev-parse', '--short', rev ?? 'HEAD');
  const dirty = rev === undefined ? git('status', '--porcelain', '--', 'libs/access-token-management') : null;
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    commit: commit.status === 0 ? commit.stdout.trim() : null,
    libraryModified: dirty?.status === 0 ? dirty.stdout.trim().length > 0 : false,
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const params = JSON.parse(JSON.stringify(args.quick ? QUICK : FULL));
  if (args.reps) params.reps = args.reps;
  const started = nowMs();
  const loadAtStart = os.loadavg().map((v) => Math.round(v * 100) / 100);
  log(
    `bench: ${args.quick ? 'quick' : 'full'} mode, ${params.reps} repetition(s), scenarios: ${args.only.join(', ')}`,
  );
  if (args.build) {
    log(`bench: building the library (${args.lib ?? 'working tree'}) into bench/dist/lib`);
    buildLibrary(args.lib);
  }
  const servers = await new BenchServers().start();
  const ctx = { servers, params, redis: null };
  const results = {
    meta: { ...machine(args.lib), date: new Date().toISOString(), mode: args.quick ? 'quick' : 'full' },
  };
  try {
    // Does this build take ACCESS_TOKEN_CACHE_URL (a Redis-backed shared store)? Asked of the library itself.
    ctx.capabilities = await runTask(
      {
        scenario: 'probe',
        env: oursEnv({ ...clientConfig(servers, 'probe'), ...sharedStoreConfig('redis://127.0.0.1:6379') }),
      },
      60_000,
    );
    log(
      `bench: shared store ${ctx.capabilities.sharedStore ? 'supported' : `not available in this build (${ctx.capabilities.reason})`}`,
    );
    if (ctx.capabilities.sharedStore && args.only.some((s) => s === 'fleet' || s === 'lookup')) {
      ctx.redis = await startRedis();
      if (ctx.redis.url) ctx.sharedStoreConfig = sharedStoreConfig(ctx.redis.url);
      log(`bench: redis ${ctx.redis.url ?? ctx.redis.unavailable}`);
    }
    results.capabilities = {
      ...ctx.capabilities,
      redis: ctx.redis?.version ?? ctx.redis?.unavailable ?? null,
    };
    results.params = params;
    results.scenarios = {};
    const runners = {
      hot: scenarioHot,
      lookup: scenarioLookup,
      stampede: scenarioStampede,
      rollover: scenarioRollover,
      outage: scenarioOutage,
      fleet: scenarioFleet,
      memory: scenarioMemory,
    };
    for (const name of SCENARIOS) {
      if (!args.only.includes(name)) continue;
      const begin = nowMs();
      log(`bench: ${name}`);
      results.scenarios[name] = await runners[name](ctx);
      results.scenarios[name].seconds = (nowMs() - begin) / 1000;
    }
  } finally {
    ctx.redis?.stop?.();
    await servers.close();
  }
  results.meta.seconds = (nowMs() - started) / 1000;
  results.meta.loadAverage = { start: loadAtStart, end: os.loadavg().map((v) => Math.round(v * 100) / 100) };

  writeFileSync(here('./results.json'), `${JSON.stringify(results, null, 1)}\n`);
  const markdown = await formatMarkdown(renderMarkdown(results), here('./results.md'));
  writeFileSync(here('./results.md'), markdown);
  if (results.scenarios.rollover) writeFileSync(here('./rollover.svg'), rolloverSvg(results));
  process.stdout.write(`\n${markdown}\n`);
  log(
    `bench: done in ${Math.round(results.meta.seconds)} s; wrote bench/results.json, bench/results.md` +
      (results.scenarios.rollover ? ', bench/rollover.svg' : ''),
  );
}

main().catch((error) => {
  log(`bench failed: ${error?.stack ?? error}`);
  process.exit(1);
});
