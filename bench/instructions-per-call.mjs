// Instructions per call on the hot path, counted by valgrind (callgrind), for the library's clients and for their
// fixed-header baselines in processes that differ by one thing each. On a shared machine time and CPU per call move by
// 5-10% from one process to the next; instruction counts move less (2-4% on a quiet machine, up to 11% on a busy one),
// and they tell a process's own work from
// the machine's load. Each variant runs twice, with `--calls` and 5x as many: the difference, divided by the extra
// calls, is the count per call, without start-up and warm-up.
//   node bench/instructions-per-call.mjs [--calls=500] [--only=fetch,fetchpost,...]   (after any bench run that built
//   bench/dist/lib; needs valgrind: `apt-get install valgrind`; about 5 minutes on 2 cores)
import { execFile, fork } from 'node:child_process';
import { createServer } from 'node:http';
import os from 'node:os';
import process from 'node:process';
import { URLSearchParams, fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { coreUrl, oursEnv } from './clients.mjs';

const arg = (name, fallback) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;

/** Each variant: what its process does before the measured calls, and the call. */
const VARIANTS = {
  fetch: 'plain fetch with a fixed header (FETCH)',
  fetchpost: 'the same, in a process that first made one form POST with fetch (as a token request is made)',
  fetchcore: 'the same, in a process that imported the `/core` entry',
  fetchmanager: 'the same, in a process with a manager that fetched its token',
  oursfetch: 'createAuthorizedFetch (OURS (fetch))',
  limit: 'axios with a fixed header (LIMIT)',
  limitmanager: 'the same, in a process with a manager that fetched its token',
  oursaxios: 'attachAccessToken on axios (OURS (axios))',
};
const CONCURRENCY = 8;

async function serve() {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const body =
        request.url === '/token'
          ? JSON.stringify({ access_token: 'tok_bench', token_type: 'Bearer', expires_in: 3600 })
          : JSON.stringify([{ id: '1', item: 'Grinder' }]);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(body);
    });
  });
  // Nothing closes a connection between the two runs of a variant.
  server.keepAliveTimeout = 600_000;
  server.listen(0, '127.0.0.1', () => process.send?.(server.address().port));
}

/** In the process valgrind runs: the variant's set-up, then `calls` calls, `CONCURRENCY` at a time. */
async function measured(variant, calls, base) {
  const url = `${base}/orders`;
  const headers = { Authorization: 'Bearer tok_bench' };
  const env = oursEnv({
    tokenEndpoint: `${base}/token`,
    clientId: 'bench',
    secret: 'bench-secret',
    scope: 'orders.read',
    apiBase: base,
  });
  const manager = async () => {
    const lib = await import(coreUrl().href);
    const tokens = new lib.AccessTokenManager(lib.accessTokenOptionsFromEnv(env));
    await tokens.getAccessToken('bench');
    return { lib, tokens };
  };
  const fixed = () => globalThis.fetch(url, { headers }).then((response) => response.json());
  let call = fixed;
  if (variant === 'fetchpost') {
    const body = new URLSearchParams({ grant_type: 'client_credentials', scope: 'orders.read' });
    await (await globalThis.fetch(`${base}/token`, { method: 'POST', body })).json();
  } else if (variant === 'fetchcore') {
    await import(coreUrl().href);
  } else if (variant === 'fetchmanager') {
    await manager();
  } else if (variant === 'oursfetch') {
    const { lib, tokens } = await manager();
    const authorized = lib.createAuthorizedFetch(tokens, 'bench');
    call = () => authorized(url).then((response) => response.json());
  } else if (variant.startsWith('limit') || variant === 'oursaxios') {
    const { default: axios } = await import('axios');
    if (variant === 'oursaxios') {
      const { lib, tokens } = await manager();
      const instance = axios.create({ baseURL: base });
      lib.attachAccessToken(instance, tokens, 'bench');
      call = () => instance.get('/orders');
    } else {
      if (variant === 'limitmanager') await manager();
      const instance = axios.create({ baseURL: base, headers });
      call = () => instance.get('/orders');
    }
  }
  let started = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (started < calls) {
        started += 1;
        await call();
      }
    }),
  );
}

const exec = promisify(execFile);

/** Total instructions of one process of the variant making `calls` calls. */
async function count(variant, calls, port) {
  const self = fileURLToPath(import.meta.url);
  const args = ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, self];
  const { stderr } = await exec('valgrind', [...args, '--measure', variant, String(calls), String(port)], {
    maxBuffer: 16 * 1024 * 1024,
  });
  const collected = /Collected : (\d+)/.exec(stderr);
  if (!collected) throw new Error(`valgrind gave no count for ${variant}:\n${stderr.slice(-2000)}`);
  return Number(collected[1]);
}

async function main() {
  const calls = Number(arg('calls', '500'));
  const only = arg('only', Object.keys(VARIANTS).join(',')).split(',');
  for (const variant of only) if (!VARIANTS[variant]) throw new Error(`unknown variant ${variant}`);
  await exec('valgrind', ['--version']).catch(() => {
    throw new Error('valgrind is not installed (apt-get install valgrind)');
  });
  const server = fork(fileURLToPath(import.meta.url), ['--serve']);
  const port = await new Promise((resolve) => server.once('message', resolve));
  try {
    const jobs = only.flatMap((variant) => [
      [variant, calls],
      [variant, calls * 5],
    ]);
    const totals = {};
    // As many valgrind processes at a time as there are cores.
    const lanes = Math.max(1, os.cpus().length);
    let next = 0;
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        while (next < jobs.length) {
          const [variant, n] = jobs[next++];
          (totals[variant] ??= {})[n] = await count(variant, n, port);
        }
      }),
    );
    const perCall = (variant) => (totals[variant][calls * 5] - totals[variant][calls]) / (calls * 4);
    const reference = { fetch: 'fetch', limit: 'limit' };
    console.log(`instructions per call (${calls * 4} calls between the two runs, ${CONCURRENCY} at a time)`);
    for (const variant of only) {
      const against = reference[variant.startsWith('fetch') || variant === 'oursfetch' ? 'fetch' : 'limit'];
      const ratio = totals[against]
        ? ` (${(perCall(variant) / perCall(against)).toFixed(3)}x ${against})`
        : '';
      console.log(
        `  ${variant.padEnd(13)} ${(perCall(variant) / 1e6).toFixed(3)} M${ratio}  ${VARIANTS[variant]}`,
      );
    }
  } finally {
    server.kill();
  }
}

if (process.argv[2] === '--serve') await serve();
else if (process.argv[2] === '--measure') {
  const [variant, calls, port] = process.argv.slice(3);
  await measured(variant, Number(calls), `http://127.0.0.1:${port}`);
  process.exit(0);
} else await main();
