import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { RunningOrdersApi } from '../support/apps/start-orders-api.js';
import { startOrdersSystem, type OrdersSystem } from '../support/apps/start-orders-system.js';
import { TEST_CLIENT, type RunningTokenServer } from '../support/apps/start-token-server.js';
import { readQuickStart, type ReadmeQuickStart } from '../support/readme-quick-start.js';
import {
  BUILD_DEPENDENCIES,
  childEnv,
  FRESH_APP_DEPENDENCIES,
  run,
  startApp,
  writeFiles,
  writeFreshApp,
  type ModuleSystem,
} from '../support/scratch-nest-app.js';

/**
 * The library as users get it: packed by the README's `npm run pack:lib` (whose `prepack` cleans and builds `dist/`),
 * installed from the tarball with the README's install line into fresh Nest apps outside the workspace, one ESM and
 * one CommonJS, whose code is exactly the README's quick-start blocks; built with tsc, run with node, and asked for
 * `GET /orders`, which they serve from a real orders-api with a token from a real token server.
 */

const WORKSPACE_DIR = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(WORKSPACE_DIR, 'node_modules', 'typescript', 'bin', 'tsc');
const SETUP_TIMEOUT_MS = 240_000;
const TEST_TIMEOUT_MS = 120_000;

/** The user's OpenTelemetry set-up, preloaded with `--import`; SIGUSR2 prints the sums as one `metrics {...}` line. */
const TELEMETRY_MJS = `
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';

class OnDemandReader extends MetricReader {
  onForceFlush() { return Promise.resolve(); }
  onShutdown() { return Promise.resolve(); }
}
const reader = new OnDemandReader();
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));

process.on('SIGUSR2', async () => {
  const { resourceMetrics } = await reader.collect();
  const sums = {};
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      for (const point of metric.dataPoints) {
        const key = scope.scope.name + ' ' + metric.descriptor.name;
        sums[key] = (sums[key] ?? 0) + (typeof point.value === 'number' ? point.value : point.value.count);
      }
    }
  }
  console.log('metrics ' + JSON.stringify(sums));
});
`;

interface ScratchApp {
  moduleSystem: ModuleSystem;
  /** Whether the app installs `@opentelemetry/api` (and an SDK, preloaded): the library's optional peer. */
  openTelemetry: boolean;
  dir: string;
  /** `npm run build` of the app (tsc, tsconfig.build.json), started once installed: both apps build side by side. */
  built?: Promise<unknown>;
}

interface PackResult {
  name: string;
  filename: string;
  files: { path: string }[];
}

/** `name@version` as the workspace pins it, so that installs come from the npm cache CI already filled. */
async function pinned(names: string[]): Promise<string[]> {
  const manifest = JSON.parse(await readFile(join(WORKSPACE_DIR, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  return names.map((name) => {
    const version = manifest.dependencies[name] ?? manifest.devDependencies[name];
    if (!version) throw new Error(`the workspace package.json pins no version of ${name}`);
    return `${name}@${version}`;
  });
}

describe('the npm package, installed as the README says', () => {
  let workDir: string;
  let packed: PackResult;
  let quickStart: ReadmeQuickStart;
  /** The token server and orders-api of the orders system; the caller is the README's app. */
  let system: OrdersSystem | undefined;
  let tokenServer: RunningTokenServer;
  let ordersApi: RunningOrdersApi;
  const apps: ScratchApp[] = [];

  beforeAll(async () => {
    system = await startOrdersSystem({ tokenServer: { ttlSeconds: 300 } });
    ({ tokenServer, ordersApi } = system);
    workDir = await mkdtemp(join(tmpdir(), 'atm-package-'));
    quickStart = await readQuickStart(join(WORKSPACE_DIR, 'README.md'));

    const pack = await run(
      'npm',
      ['run', '--silent', 'pack:lib', '--', '--json', '--pack-destination', workDir],
      {
        cwd: WORKSPACE_DIR,
        timeout: SETUP_TIMEOUT_MS,
      },
    );
    [packed] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as PackResult[];
    const tarball = join(workDir, packed.filename);

    apps.push(
      { moduleSystem: 'esm', openTelemetry: true, dir: join(workDir, 'esm-app') },
      { moduleSystem: 'commonjs', openTelemetry: false, dir: join(workDir, 'commonjs-app') },
    );
    await Promise.all(
      apps.map(async (app) => {
        await writeFreshApp(app.dir, app.moduleSystem);
        const packages = await pinned([
          ...quickStart.installs,
          ...FRESH_APP_DEPENDENCIES,
          ...BUILD_DEPENDENCIES,
          ...(app.openTelemetry ? ['@opentelemetry/api', '@opentelemetry/sdk-metrics'] : []),
        ]);
        await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, ...packages], {
          cwd: app.dir,
          timeout: SETUP_TIMEOUT_MS,
        });
        await writeFiles(app.dir, quickStart.files);
        if (app.openTelemetry) await writeFile(join(app.dir, 'telemetry.mjs'), TELEMETRY_MJS);
        app.built = run(process.execPath, [TSC, '-p', 'tsconfig.build.json'], {
          cwd: app.dir,
          timeout: 90_000,
        });
        app.built.catch(() => undefined); // awaited, and so reported, by the app's own test
      }),
    );
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await system?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('ships the build output, its types, package.json and README, and no sources or specs', () => {
    const paths = packed.files.map((file) => file.path);
    expect(paths).toEqual(
      expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'package.json', 'README.md']),
    );
    expect(paths.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))).toEqual([]);
    expect(paths.filter((path) => /\.(e2e-)?spec\./.test(path))).toEqual([]);
    expect(
      paths.filter((path) => !path.startsWith('dist/') && !['package.json', 'README.md'].includes(path)),
    ).toEqual([]);
  });

  it('declares every package its shipped types import (an optional peer may be absent: none of them imports it)', async () => {
    const installed = join(apps.find((app) => !app.openTelemetry)!.dir, 'node_modules', packed.name);
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
      peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    };
    const required = new Set(
      [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})].filter(
        (name) => !manifest.peerDependenciesMeta?.[name]?.optional,
      ),
    );
    const undeclared: string[] = [];
    for (const file of packed.files.map((entry) => entry.path).filter((path) => path.endsWith('.d.ts'))) {
      const source = await readFile(join(installed, file), 'utf8');
      for (const [, specifier] of source.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
        if (/^(\.|\/|node:)/.test(specifier!) || builtinModules.includes(specifier!)) continue;
        const name = specifier!
          .split('/')
          .slice(0, specifier!.startsWith('@') ? 2 : 1)
          .join('/');
        if (!required.has(name)) undeclared.push(`${file}: ${name}`);
      }
    }
    expect(undeclared).toEqual([]);
  });

  it('takes the install line and the app files from the README quick start', () => {
    expect(quickStart.installs).toEqual(expect.arrayContaining(['@nestjs/axios', 'axios', '@nestjs/config']));
    expect([...quickStart.files.keys()]).toEqual(expect.arrayContaining(['.env', 'src/app.module.ts']));
  });

  it.each([
    ['an ESM app (nodenext, "type": "module") with @opentelemetry/api, which gets metrics', 'esm'],
    ['a CommonJS app (module commonjs) without @opentelemetry/api', 'commonjs'],
  ])(
    'builds the README quick start in %s, and serves GET /orders with a token',
    async (_title, moduleSystem) => {
      const app = apps.find((candidate) => candidate.moduleSystem === moduleSystem)!;
      // npm installs no optional peer by itself: this app really runs without the API.
      expect(existsSync(join(app.dir, 'node_modules', '@opentelemetry', 'api'))).toBe(app.openTelemetry);

      await app.built;

      const tokenRequestsBefore = tokenServer.tokenRequests();
      ordersApi.requests.length = 0;
      // The README's .env stays as written; the process env (which wins) points it at the servers of this test.
      const running = await startApp(app.dir, {
        env: {
          ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT: tokenServer.tokenEndpoint,
          ACCESS_TOKEN_ORDERS_CLIENT_SECRET: TEST_CLIENT.clientSecret,
          ACCESS_TOKEN_ORDERS_BASE_URL: ordersApi.url,
        },
        nodeArgs: app.openTelemetry ? ['--import', './telemetry.mjs'] : [],
        timeoutMs: 30_000,
      });
      try {
        for (let call = 0; call < 3; call++) {
          const response = await fetch(`${running.url}/orders`);
          const body = (await response.json()) as Array<{ id: string; item: string; quantity: number }>;
          expect({ status: response.status, body }).toMatchObject({
            status: 200,
            body: expect.arrayContaining([
              expect.objectContaining({ id: expect.any(String), item: expect.any(String) }),
            ]),
          });
        }
        expect(tokenServer.tokenRequests() - tokenRequestsBefore).toBe(1);
        // Every call presented the same one token, a Bearer JWT (its shape compared, never the value printed).
        const presented = ordersApi.requests.map((request) => request.authorization ?? '');
        expect(presented.map((header) => header.replace(/[\w-]+/g, 'x'))).toEqual([
          'x x.x.x',
          'x x.x.x',
          'x x.x.x',
        ]);
        expect(presented.every((header) => header.startsWith('Bearer ') && header === presented[0])).toBe(
          true,
        );

        if (app.openTelemetry) {
          const line = running.nextLine('metrics ');
          running.child.kill('SIGUSR2');
          const sums = JSON.parse((await line).slice('metrics '.length)) as Record<string, number>;
          expect(sums).toMatchObject({
            'nestjs-access-token-management access_token.requests': 1,
            'nestjs-access-token-management access_token.cache.misses': 1,
            'nestjs-access-token-management access_token.cache.hits': 2,
          });
        }
      } catch (error) {
        throw new Error(`${(error as Error).message}\n--- app output ---\n${running.output()}`, {
          cause: error,
        });
      } finally {
        await running.stop();
      }
    },
    TEST_TIMEOUT_MS,
  );

  it.each(['esm', 'commonjs'] as const)(
    'loads node-redis only when a Redis cache is configured (%s app)',
    async (moduleSystem) => {
      const app = apps.find((candidate) => candidate.moduleSystem === moduleSystem)!;
      const { stdout } = await run(
        process.execPath,
        [...(moduleSystem === 'esm' ? ['--input-type=module'] : []), '-e', REDIS_LOAD_PROBE(moduleSystem)],
        { cwd: app.dir, timeout: 30_000 },
      );
      expect(JSON.parse(stdout.trim().split('\n').at(-1) ?? '')).toEqual({
        withoutRedis: false,
        withRedis: true,
      });
    },
    TEST_TIMEOUT_MS,
  );

  it.each(['esm', 'commonjs'] as const)(
    'loads neither Nest, rxjs, axios nor jose through the /core entry; the main entry loads Nest (%s app)',
    async (moduleSystem) => {
      const app = apps.find((candidate) => candidate.moduleSystem === moduleSystem)!;
      for (const [file, text] of Object.entries(PACKAGE_LOAD_HOOKS))
        await writeFile(join(app.dir, file), text);
      const packagesLoaded = async (entry: string): Promise<string[]> => {
        const log = join(app.dir, `loaded-${entry.replace(/\W/g, '_')}.txt`);
        await writeFile(log, '');
        await run(
          process.execPath,
          [
            '--import',
            './probe-hooks.mjs',
            ...(moduleSystem === 'esm' ? ['--input-type=module'] : []),
            '-e',
            ENTRY_LOAD_PROBE(moduleSystem, entry),
          ],
          { cwd: app.dir, timeout: 30_000, env: childEnv({ PACKAGES_LOADED_LOG: log }) },
        );
        return [...new Set((await readFile(log, 'utf8')).split('\n').filter(Boolean))].sort();
      };
      const heavy = (names: string[]) =>
        names.filter((name) => /^(@nestjs\/.*|rxjs|axios|jose|reflect-metadata)$/.test(name));

      const core = await packagesLoaded('nestjs-access-token-management/core');
      // The hooks see the ESM graph of an ESM app; a CommonJS app's require(esm) graph bypasses them, and the probe
      // sees there only some of the CommonJS modules loaded (`require.cache`).
      if (moduleSystem === 'esm')
        expect(core).toEqual(expect.arrayContaining(['oauth4webapi', 'cache-manager']));
      expect(heavy(core)).toEqual([]);
      // The probe can see them: the main entry loads them (of which the CommonJS app's probe sees rxjs).
      expect(heavy(await packagesLoaded('nestjs-access-token-management'))).toEqual(
        expect.arrayContaining(
          moduleSystem === 'esm' ? ['@nestjs/common', '@nestjs/axios', 'axios', 'rxjs'] : ['rxjs'],
        ),
      );
    },
    TEST_TIMEOUT_MS,
  );
});

/**
 * Module resolution hooks (`--import ./probe-hooks.mjs`) that append the name of every package a module is resolved in
 * to the file PACKAGES_LOADED_LOG; with the CommonJS modules of `require.cache` (which the probe adds), what a process
 * loaded.
 */
const PACKAGE_LOAD_HOOKS = {
  'probe-hooks.mjs': `import { register } from 'node:module';
register('./probe-resolve.mjs', import.meta.url);
`,
  'probe-resolve.mjs': `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  const name = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(resolved.url)?.[1];
  if (name) appendFileSync(process.env.PACKAGES_LOADED_LOG, name + '\\n');
  return resolved;
}
`,
};

/**
 * Loads an entry of the package, makes a manager and an authorized fetch (no request), then adds the packages of
 * the CommonJS modules loaded (`require.cache`) to the log the hooks write.
 */
function ENTRY_LOAD_PROBE(moduleSystem: ModuleSystem, entry: string): string {
  const load =
    moduleSystem === 'esm'
      ? `import { createRequire } from 'node:module'; import { appendFileSync } from 'node:fs'; const lib = await import('${entry}'); const { cache } = createRequire(process.cwd() + '/');`
      : `const { appendFileSync } = require('node:fs'); const lib = require('${entry}'); const { cache } = require;`;
  const body = `
    const client = { tokenEndpoint: 'http://127.0.0.1:9/token', clientId: 'probe', clientSecret: 'probe-secret', baseURL: 'http://127.0.0.1:9' };
    const manager = new lib.AccessTokenManager({ clients: { probe: client } }, { logger: { log() {}, warn() {} } });
    lib.createAuthorizedFetch(manager, 'probe');
    await manager.close();
    const names = Object.keys(cache).map((path) => /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(path)?.[1]?.replace('\\\\', '/'));
    appendFileSync(process.env.PACKAGES_LOADED_LOG, names.filter(Boolean).join('\\n') + '\\n');
    process.exit(0);`;
  return moduleSystem === 'esm' ? `${load}${body}` : `${load} (async () => {${body}})();`;
}

/**
 * Makes a manager without a shared cache, then one with a Redis URL (nothing listens there: it only warns), and says
 * whether node-redis was loaded after each. CommonJS modules, node-redis among them, are in `require.cache` whoever
 * loaded them.
 */
function REDIS_LOAD_PROBE(moduleSystem: ModuleSystem): string {
  const load =
    moduleSystem === 'esm'
      ? "import { createRequire } from 'node:module'; const lib = await import('nestjs-access-token-management'); const { cache } = createRequire(process.cwd() + '/');"
      : "const lib = require('nestjs-access-token-management'); const { cache } = require;";
  const body = `
    const loaded = () => Object.keys(cache).some((path) => /[\\/]@redis[\\/]client[\\/]/.test(path));
    const client = { tokenEndpoint: 'http://127.0.0.1:9/token', clientId: 'probe', clientSecret: 'probe-secret' };
    const logger = { log() {}, warn() {} };
    const plain = new lib.AccessTokenManager({ clients: { probe: client } }, { logger });
    const withoutRedis = loaded();
    const shared = new lib.AccessTokenManager({ clients: { probe: client }, cacheUrl: 'redis://127.0.0.1:9', allowPlaintextCache: true }, { logger });
    const withRedis = loaded();
    await plain.close();
    await shared.close();
    console.log(JSON.stringify({ withoutRedis, withRedis }));
    process.exit(0);`;
  return moduleSystem === 'esm' ? `${load}${body}` : `${load} (async () => {${body}})();`;
}
