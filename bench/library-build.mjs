// The library under test: compiled into bench/dist/lib from the working tree or a commit, and where it came from.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const ROOT = here('..');

/**
 * Compiles the library into bench/dist/lib (tsc keeps the decorator metadata Nest needs): from the working tree, or
 * with `--lib=<rev>` from a commit (read with `git archive`, which changes nothing in the repository) -- handy while
 * libs/ is being edited.
 */
export function buildLibrary(rev) {
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

/** The machine, Node and the library's commit (and whether libs/ had uncommitted changes), for the report. */
export function machine(rev) {
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
