// Client CPU per call on the hot path, the minimum over rounds (the machine is noisy: minima, not one run's medians),
// for the library's clients and their fixed-header baselines, against a loopback API in another process.
//   node bench/cpu-per-call.mjs [--rounds=N] [--calls=N] [--only=oursaxios,limit]   (after `npm run bench:quick` or
//   any run that built bench/dist/lib)
// With `node --cpu-prof --cpu-prof-dir=<dir> bench/cpu-per-call.mjs --only=<one client>` the profile holds that
// client's calls only: the API and the token endpoint run in the child process.
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import process from 'node:process';
import { createClient } from './clients.mjs';

const arg = (name, fallback) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;

if (process.argv[2] === '--serve') {
  // The child: a token endpoint and an API, both answering at once.
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const body =
        request.url === '/token'
          ? JSON.stringify({ access_token: 'tok_bench', token_type: 'Bearer', expires_in: 3600 })
          : JSON.stringify([{ id: '1', item: 'Grinder' }]);
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(body);
    });
  });
  server.listen(0, '127.0.0.1', () => process.send?.(server.address().port));
} else {
  const rounds = Number(arg('rounds', '5'));
  const calls = Number(arg('calls', '4000'));
  const only = arg('only', 'ours,nestlimit,oursaxios,limit,oursfetch,fetch').split(',');
  const child = fork(new URL(import.meta.url).pathname, ['--serve']);
  const port = await new Promise((resolve) => child.once('message', resolve));
  const base = `http://127.0.0.1:${port}`;
  const config = {
    apiBase: base,
    tokenEndpoint: `${base}/token`,
    issuer: base,
    clientId: 'bench',
    secret: 'bench-secret',
    scope: 'orders.read',
    staticToken: 'tok_bench',
  };
  const clients = {};
  for (const kind of only) clients[kind] = await createClient(kind, config);
  const best = Object.fromEntries(only.map((kind) => [kind, Infinity]));
  const concurrency = 32;
  for (let round = 0; round < rounds + 1; round += 1) {
    for (const kind of only) {
      const client = clients[kind];
      const start = process.cpuUsage();
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < calls) {
            next += 1;
            await client.call();
          }
        }),
      );
      const used = process.cpuUsage(start);
      // Round 0 warms up (JIT, the first token request) and is not counted.
      if (round > 0) best[kind] = Math.min(best[kind], (used.user + used.system) / calls);
    }
  }
  for (const kind of only)
    console.log(`${kind.padEnd(10)} ${best[kind].toFixed(1)} µs CPU per call (min of ${rounds})`);
  for (const kind of only) await clients[kind].close();
  child.kill();
}
