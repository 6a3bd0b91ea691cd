#!/usr/bin/env node
/**
 * Runs the test suite against the lowest version of every peer dependency the library admits.
 *
 * The lowest versions are derived from the peer ranges in libs/access-token-management/package.json (the lowest
 * published version each range admits). A copy of the working tree is made in a temporary directory, `npm ci` installs
 * the locked tree there, then `npm install --save-exact` replaces the peers by their lowest versions (the copy's
 * package.json then pins them too, so the packed-library test installs them as well). Every workspace package that
 * uses a peer must resolve the one lowest copy, else the run fails before any test.
 *
 *   npm run test:lowest-peers                        # the whole suite
 *   npm run test:lowest-peers -- test/library        # only some suites (jest arguments)
 *   KEEP_LOWEST_PEERS_DIR=1 npm run test:lowest-peers  # keep the copy for a look afterwards
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LIBRARY_MANIFEST = 'libs/access-token-management/package.json';

/**
 * Not peers of the library, but a Nest app has them at the version of one: the lowest of these is the lowest release
 * whose own peer range admits the leader's lowest version (@nestjs/core 12.0.0 was published wanting common ^11).
 */
const MOVES_WITH = { '@nestjs/core': '@nestjs/common' };

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

function npm(args, options = {}) {
  return execFileSync('npm', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...options });
}

function publishedVersions(name) {
  const versions = JSON.parse(npm(['view', name, 'versions', '--json']));
  return semver.sort(Array.isArray(versions) ? versions : [versions]);
}

class LowestPeersError extends Error {}

function fail(message) {
  throw new LowestPeersError(message);
}

/** name -> { range, version, note? } for every peer and every package that moves with one. */
function lowestVersions() {
  const peers = readJson(join(ROOT, LIBRARY_MANIFEST)).peerDependencies ?? {};
  const wanted = {};
  for (const [name, range] of Object.entries(peers)) {
    const version = semver.minSatisfying(publishedVersions(name), range);
    if (version === null) fail(`no published version of ${name} satisfies its peer range ${range}`);
    wanted[name] = { range, version };
  }
  for (const [name, leader] of Object.entries(MOVES_WITH)) {
    const lead = wanted[leader];
    if (lead === undefined) fail(`${name} moves with ${leader}, which is no peer of the library any more`);
    const skipped = [];
    for (const candidate of publishedVersions(name).filter((v) => semver.satisfies(v, lead.range))) {
      const theirPeers = JSON.parse(
        npm(['view', `${name}@${candidate}`, 'peerDependencies', '--json']) || '{}',
      );
      const admits = theirPeers[leader] === undefined || semver.satisfies(lead.version, theirPeers[leader]);
      if (admits) {
        const note = skipped.length
          ? `${skipped.join(', ')} declared a ${leader} range without ${lead.version}`
          : undefined;
        wanted[name] = { range: `with ${leader} ${lead.version}`, version: candidate, note };
        break;
      }
      skipped.push(candidate);
      if (skipped.length >= 5) break; // a broken release or two is plausible; more means the rule is wrong
    }
    if (wanted[name] === undefined) fail(`no release of ${name} admits ${leader}@${lead.version}`);
  }
  return wanted;
}

/** The working tree as git sees it (tracked and untracked, not ignored), so uncommitted changes are tested too. */
function copyWorkingTree(target) {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((file) => file !== '' && existsSync(join(ROOT, file)));
  for (const file of files) {
    mkdirSync(dirname(join(target, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(target, file));
  }
}

/** The package.json that `require`/`import` of `name` from `dir` finds (node_modules lookup up to `top`). */
function resolvedManifest(dir, name, top) {
  for (let current = dir; ; current = dirname(current)) {
    const manifest = join(current, 'node_modules', name, 'package.json');
    if (existsSync(manifest)) return manifest;
    if (current === top || dirname(current) === current) return undefined;
  }
}

/**
 * Every user of a peer in the copy — the workspace itself (library, apps, tests) and each package it depends on that
 * declares the peer — must load the one root copy, at the lowest version.
 */
function checkInstalled(copy, wanted) {
  const workspace = readJson(join(copy, 'package.json'));
  const dependencies = Object.keys({ ...workspace.dependencies, ...workspace.devDependencies });
  const problems = [];
  for (const [name, { version }] of Object.entries(wanted)) {
    const rootManifest = join(copy, 'node_modules', name, 'package.json');
    const installed = existsSync(rootManifest) ? readJson(rootManifest).version : undefined;
    if (installed !== version)
      problems.push(`${name}: ${installed ?? 'not installed'} instead of ${version}`);
    for (const user of dependencies) {
      const userDir = join(copy, 'node_modules', user);
      if (user === name || !existsSync(join(userDir, 'package.json'))) continue;
      const manifest = readJson(join(userDir, 'package.json'));
      if (!(name in { ...manifest.dependencies, ...manifest.peerDependencies })) continue;
      // npm lets an explicit install override a peer range; a package run outside its range fails in odd ways.
      const range = manifest.peerDependencies?.[name];
      if (range !== undefined && !semver.satisfies(version, range)) {
        problems.push(
          `${user} wants ${name} ${range}: raise the library's floor, or the workspace's ${user}`,
        );
      }
      const seen = resolvedManifest(userDir, name, copy);
      if (seen !== rootManifest) {
        const other = seen ? readJson(seen).version : 'nothing';
        problems.push(`${user} loads ${name} ${other} from its own node_modules, not the root copy`);
      }
    }
  }
  return problems;
}

let status = 1;
const copy = mkdtempSync(join(tmpdir(), 'atm-lowest-peers-'));
try {
  const wanted = lowestVersions();
  copyWorkingTree(copy);
  const quiet = { cwd: copy, stdio: ['ignore', 'ignore', 'inherit'] };
  console.log(`test:lowest-peers: npm ci in ${copy}`);
  npm(['ci', '--no-audit', '--no-fund', '--loglevel=error'], quiet);
  const specs = Object.entries(wanted).map(([name, { version }]) => `${name}@${version}`);
  console.log(`test:lowest-peers: npm install ${specs.join(' ')}`);
  npm(['install', '--save-exact', '--no-audit', '--no-fund', '--loglevel=error', ...specs], quiet);

  const problems = checkInstalled(copy, wanted);
  console.log('test:lowest-peers: running against');
  for (const [name, { range, version, note }] of Object.entries(wanted)) {
    console.log(`  ${name.padEnd(22)} ${version.padEnd(9)} (${range})${note ? ` — ${note}` : ''}`);
  }
  if (problems.length > 0) fail(`the lowest peers did not install:\n  ${problems.join('\n  ')}`);

  const jest = spawnSync(
    process.execPath,
    [
      '--experimental-vm-modules',
      '--disable-warning=ExperimentalWarning',
      'node_modules/jest/bin/jest.js',
      '--runInBand',
      ...process.argv.slice(2),
    ],
    { cwd: copy, stdio: 'inherit' },
  );
  status = jest.status ?? 1;
} catch (error) {
  if (!(error instanceof LowestPeersError)) throw error;
  console.error(`test:lowest-peers: ${error.message}`);
} finally {
  if (process.env.KEEP_LOWEST_PEERS_DIR) console.log(`test:lowest-peers: kept ${copy}`);
  else rmSync(copy, { recursive: true, force: true });
}
process.exit(status);
