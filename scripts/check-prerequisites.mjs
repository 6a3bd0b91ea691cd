// The first step of `npm test`: the system programs the suites start or call, checked in milliseconds, so that a
// machine without one stops with one line saying what to install instead of a wall of failed suites.
//   node scripts/check-prerequisites.mjs                     one line; exit 1 when something is missing
//   node scripts/check-prerequisites.mjs --missing-packages  the Debian packages to install, space-separated (.ci/run)
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** Every system package `npm test` needs (`npm start` needs none of them). Keep the README's prerequisites line equal. */
const PREREQUISITES = [
  {
    program: 'redis-server',
    debianPackage: 'redis-server',
    // The shared-cache tests start their own; REDIS_SERVER_BIN names another binary, REDIS_URL a Redis to use.
    satisfied: () =>
      Boolean(process.env.REDIS_URL) || isExecutable(process.env.REDIS_SERVER_BIN ?? 'redis-server'),
  },
  // The Redis Cluster tests make their cluster with `redis-cli --cluster create` (Debian's redis-tools, which
  // redis-server depends on); the Sentinel tests run `redis-server --sentinel`.
  { program: 'redis-cli', debianPackage: 'redis-server' },
  {
    program: 'glewlwyd',
    debianPackage: 'glewlwyd',
    // test/support/glewlwyd-server.ts takes GLEWLWYD_BIN as another binary, as redis-server takes REDIS_SERVER_BIN.
    satisfied: () => isExecutable(process.env.GLEWLWYD_BIN ?? 'glewlwyd'),
  },
  { program: 'sqlite3', debianPackage: 'sqlite3' },
  { program: 'openssl', debianPackage: 'openssl' },
];

/** Whether `program` (a path, or a name looked up on PATH) is an executable file. */
function isExecutable(program) {
  const candidates =
    isAbsolute(program) || program.includes('/')
      ? [program]
      : (process.env.PATH ?? '')
          .split(delimiter)
          .filter(Boolean)
          .map((dir) => join(dir, program));
  return candidates.some((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const missing = PREREQUISITES.filter(({ program, satisfied }) =>
  satisfied ? !satisfied() : !isExecutable(program),
);

/** The packages to install, each once. */
const packages = [...new Set(missing.map(({ debianPackage }) => debianPackage))].join(' ');

if (process.argv.includes('--missing-packages')) {
  console.log(packages);
  process.exit(0);
}

const fail = (line) => {
  console.error(line);
  process.exit(1);
};

// Set by scripts/test-on-node.mjs: the suite must run on the Node it put first on PATH, not on another one.
const expected = process.env.EXPECTED_NODE_VERSION;
if (expected && process.version !== expected) {
  fail(
    `npm test runs on Node ${process.version}, expected ${expected}: the node on PATH is not the one asked for`,
  );
}

if (missing.length > 0) {
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  fail(
    `npm test needs ${missing.map(({ program }) => program).join(', ')}, not found on PATH: ` +
      `install with \`${sudo}apt-get install -y ${packages}\``,
  );
}

if (!existsSync(new URL('../node_modules/jest/package.json', import.meta.url))) {
  fail('npm test needs the dev dependencies, not installed: run `npm ci`');
}

console.log(
  `npm test on Node ${process.version}; found ${PREREQUISITES.map(({ program }) => program).join(', ')}`,
);
