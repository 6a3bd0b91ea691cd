// `npm start`: builds the three sample apps and runs them side by side with the env of demo-env.mjs (the process env
// over `.env` over `.env.example`: token-server :4000, orders-api :3001, orders-caller :3000 unless
// TOKEN_SERVER_PORT, ORDERS_API_PORT, ORDERS_CALLER_PORT say otherwise). Ctrl+C stops all three.
// `--no-build` runs what `npm run build` left in dist/ (the test that runs this script builds once beforehand).
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { demoEnv } from './demo-env.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const APPS = ['token-server', 'orders-api', 'orders-caller'];
const COLORS = { 'token-server': 35, 'orders-api': 36, 'orders-caller': 33 };

if (!process.argv.includes('--no-build')) {
  const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const env = { ...demoEnv(process.env, process.cwd()), FORCE_COLOR: process.env.FORCE_COLOR ?? '1' };
const children = new Map();
let stopping = false;

function prefixLines(app, stream, target) {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) target.write(`\x1b[${COLORS[app]}m[${app}]\x1b[0m ${line}\n`);
  });
}

function stopAll(code) {
  if (stopping) return;
  stopping = true;
  process.exitCode = code;
  for (const child of children.values()) child.kill('SIGTERM');
}

for (const app of APPS) {
  const child = spawn(process.execPath, [`${ROOT}dist/apps/${app}/apps/${app}/src/main.js`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  children.set(app, child);
  prefixLines(app, child.stdout, process.stdout);
  prefixLines(app, child.stderr, process.stderr);
  child.on('exit', (code, signal) => {
    children.delete(app);
    if (!stopping) {
      process.stderr.write(`[${app}] exited (${signal ?? code}); stopping the others\n`);
      stopAll(code || 1);
    }
  });
}

process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));
