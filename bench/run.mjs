// npm run bench            full run (3 repetitions, ~35 min on 2 cores)
// npm run bench:quick      one repetition, fewer hot-path calls, one fleet size, fewer memory calls (a few minutes)
// node bench/run.mjs [--quick] [--only=hot,overhead,lookup,stampede,rollover,outage,fleet,memory,tenants] [--reps=N]
//                    [--lib=<git rev>] [--no-build]
//
// Builds the library from libs/access-token-management/src into bench/dist/lib (tsc keeps the decorator metadata
// Nest needs), starts a token server and an API on loopback, runs each scenario of bench/scenarios/ (every client
// in a fresh child process, worker.mjs), and writes bench/results.json, bench/results.md and bench/rollover.svg.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { spawnRedisServer } from '../test/support/redis-server.mjs';
import { runTask } from './child.mjs';
import { oursEnv } from './clients.mjs';
import { buildLibrary, machine } from './library-build.mjs';
import { renderFiles, renderMarkdown } from './report.mjs';
import { clientConfig, log, nowMs, sharedStoreConfig } from './scenario-context.mjs';
import { SCENARIOS } from './scenarios/index.mjs';
import { BenchServers } from './servers.mjs';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const NAMES = Object.keys(SCENARIOS);
/** Repetitions of every scenario; `--reps=N` overrides. */
const REPS = { full: 3, quick: 1 };

function parseArgs(argv) {
  const args = { quick: false, build: true, only: NAMES, reps: undefined, lib: undefined };
  for (const arg of argv) {
    if (arg === '--quick') args.quick = true;
    else if (arg === '--no-build') args.build = false;
    else if (arg.startsWith('--lib=')) args.lib = arg.slice(6);
    else if (arg.startsWith('--only=')) args.only = arg.slice(7).split(',').filter(Boolean);
    else if (arg.startsWith('--reps=')) args.reps = Math.max(1, Math.min(9, Number(arg.slice(7)) || 1));
    else throw new Error(`unknown argument ${arg}`);
  }
  for (const name of args.only) if (!NAMES.includes(name)) throw new Error(`unknown scenario ${name}`);
  return args;
}

/** `{ reps, hot: {...}, lookup: {...}, ... }` for the mode, a fresh copy the scenarios may not share. */
function parameters(mode, reps) {
  const params = { reps: reps ?? REPS[mode] };
  for (const [name, scenario] of Object.entries(SCENARIOS)) params[name] = scenario.params[mode];
  return JSON.parse(JSON.stringify(params));
}

/** A redis-server of the bench's own (never REDIS_URL: the bench flushes it), or why there is none. */
async function startRedis() {
  try {
    const redis = await spawnRedisServer();
    return { version: redis.version, url: redis.url, flush: redis.flush, stop: redis.stop };
  } catch (error) {
    return { unavailable: String(error?.message ?? error) };
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

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const mode = args.quick ? 'quick' : 'full';
  const params = parameters(mode, args.reps);
  const started = nowMs();
  const loadAtStart = os.loadavg().map((v) => Math.round(v * 100) / 100);
  log(`bench: ${mode} mode, ${params.reps} repetition(s), scenarios: ${args.only.join(', ')}`);
  if (args.build) {
    log(`bench: building the library (${args.lib ?? 'working tree'}) into bench/dist/lib`);
    buildLibrary(args.lib);
  }
  const servers = await new BenchServers().start();
  const ctx = { servers, params, redis: null };
  const results = { meta: { ...machine(args.lib), date: new Date().toISOString(), mode } };
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
    if (ctx.capabilities.sharedStore && args.only.some((name) => SCENARIOS[name].usesRedis)) {
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
    for (const name of NAMES) {
      if (!args.only.includes(name)) continue;
      const begin = nowMs();
      log(`bench: ${name}`);
      results.scenarios[name] = await SCENARIOS[name].run(ctx);
      results.scenarios[name].seconds = (nowMs() - begin) / 1000;
    }
  } finally {
    await ctx.redis?.stop?.();
    await servers.close();
  }
  results.meta.seconds = (nowMs() - started) / 1000;
  results.meta.loadAverage = { start: loadAtStart, end: os.loadavg().map((v) => Math.round(v * 100) / 100) };

  writeFileSync(here('./results.json'), `${JSON.stringify(results, null, 1)}\n`);
  const markdown = await formatMarkdown(renderMarkdown(results), here('./results.md'));
  writeFileSync(here('./results.md'), markdown);
  const files = renderFiles(results);
  for (const [file, content] of Object.entries(files)) writeFileSync(here(`./${file}`), content);
  process.stdout.write(`\n${markdown}\n`);
  log(
    `bench: done in ${Math.round(results.meta.seconds)} s; wrote ` +
      ['results.json', 'results.md', ...Object.keys(files)].map((file) => `bench/${file}`).join(', '),
  );
}

main().catch((error) => {
  log(`bench failed: ${error?.stack ?? error}`);
  process.exit(1);
});
