import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import {
  TEST_CLIENT,
  startTokenServer,
  type RunningTokenServer,
} from '../apps/token-server/src/testing/start-token-server.js';

/**
 * The library as users get it: packed by `npm pack` (whose `prepack` cleans and builds `dist/`), installed from the
 * tarball into a scratch ESM app outside the workspace (so nothing resolves through the monorepo's node_modules or
 * path aliases), and run as plain JavaScript against a real token server.
 */

const execFileAsync = promisify(execFile);

const LIBRARY_DIR = fileURLToPath(new URL('../libs/access-token-management/', import.meta.url));
const WORKSPACE_DIR = fileURLToPath(new URL('../', import.meta.url));
const SETUP_TIMEOUT_MS = 180_000;
const TOKEN_TTL_SECONDS = 300;

/** The peers, at the versions the workspace pins, plus `@nestjs/core` to boot an application context. */
const PEERS = ['@nestjs/common', '@nestjs/core', '@nestjs/axios', 'axios', 'rxjs', 'reflect-metadata'];

interface PackResult {
  filename: string;
  files: { path: string }[];
}

interface ScriptReport {
  tokenType: string;
  expiresAt: string;
  scope: string | null;
  tokenIsJwt: boolean;
  tokenRedactedInJson: boolean;
  secondCallSameToken: boolean;
  managerInjected: boolean;
  isHttpService: boolean;
  httpServiceInjected: boolean;
  baseURL: string;
  expectedBaseURL: string;
  apiStatus: number;
  apiSawToken: boolean;
}

/**
 * The scratch app: plain ESM JavaScript, so decorators are applied as functions and injection tokens are explicit
 * (no `emitDecoratorMetadata`). It echoes the `Authorization` header from a tiny API to check the named client's
 * interceptors, and prints one JSON line; the token value itself is never printed.
 */
const CONSUMER_SCRIPT = `
import 'reflect-metadata';
import { createServer } from 'node:http';
import { HttpService } from '@nestjs/axios';
import { Inject, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AccessTokenManager, AccessTokenModule, getHttpServiceToken } from 'nestjs-access-token-management';

const { TOKEN_ENDPOINT, CLIENT_ID, CLIENT_SECRET, SCOPE } = process.env;

const api = createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ authorization: req.headers.authorization ?? null }));
});
await new Promise((resolve) => api.listen(0, '127.0.0.1', resolve));
const baseURL = 'http://127.0.0.1:' + api.address().port;

class OrdersClient {
  constructor(http, manager) {
    this.http = http;
    this.manager = manager;
  }
}
Inject(getHttpServiceToken('orders'))(OrdersClient, undefined, 0);
Inject(AccessTokenManager)(OrdersClient, undefined, 1);
Injectable()(OrdersClient);

class AppModule {}
Module({
  imports: [
    AccessTokenModule.forRoot({
      clients: {
        orders: { tokenEndpoint: TOKEN_ENDPOINT, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scope: SCOPE, baseURL },
      },
    }),
  ],
  providers: [OrdersClient],
})(AppModule);

const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
try {
  const manager = app.get(AccessTokenManager);
  const token = await manager.getAccessToken('orders');
  const again = await manager.getAccessToken('orders');
  const http = app.get(getHttpServiceToken('orders'));
  const client = app.get(OrdersClient);
  const response = await http.axiosRef.get('/orders');
  console.log(JSON.stringify({
    tokenType: token.type,
    expiresAt: token.expiresAt.toISOString(),
    scope: token.scope ?? null,
    tokenIsJwt: token.value.split('.').length === 3,
    tokenRedactedInJson: !JSON.stringify(token).includes(token.value),
    secondCallSameToken: again.value === token.value,
    managerInjected: client.manager === manager,
    isHttpService: http instanceof HttpService,
    httpServiceInjected: client.http === http,
    baseURL: http.axiosRef.defaults.baseURL,
    expectedBaseURL: baseURL,
    apiStatus: response.status,
    apiSawToken: response.data.authorization === token.type + ' ' + token.value,
  }));
} finally {
  await app.close();
  api.closeAllConnections();
  api.close();
}
`;

/** A TypeScript consumer, type-checked only: the `types` export condition must resolve and match the runtime API. */
const CONSUMER_TS = `
import { HttpService } from '@nestjs/axios';
import { Injectable, Module } from '@nestjs/common';
import {
  AccessTokenManager,
  AccessTokenModule,
  InjectHttpService,
  type AccessToken,
} from 'nestjs-access-token-management';

@Injectable()
export class OrdersClient {
  constructor(
    @InjectHttpService('orders') readonly http: HttpService,
    readonly manager: AccessTokenManager,
  ) {}

  token(): Promise<AccessToken> {
    return this.manager.getAccessToken('orders', { scope: 'orders.read' });
  }
}

@Module({
  imports: [
    AccessTokenModule.forRoot({
      clients: { orders: { tokenEndpoint: 'https://auth.example.com/token', clientId: 'id', baseURL: 'https://api.example.com' } },
    }),
  ],
  providers: [OrdersClient],
})
export class AppModule {}
`;

/** The environment for child processes, without the `npm_*` variables of an enclosing `npm test` (its prefix etc.). */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const keep = new Set([
    'npm_config_cache',
    'npm_config_userconfig',
    'npm_config_registry',
    'npm_config_cafile',
  ]);
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) || keep.has(key.toLowerCase())),
  );
  return { ...env, ...extra };
}

/** Runs a command; on failure the error carries the command's stdout and stderr (npm's reasons are on stderr). */
async function run(
  file: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number },
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileAsync(file, args, {
      cwd: options.cwd,
      env: options.env ?? childEnv(),
      timeout: options.timeout ?? SETUP_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const {
      stdout = '',
      stderr = '',
      message,
    } = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${file} ${args.join(' ')} (in ${options.cwd}) failed: ${message}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`,
      { cause: error },
    );
  }
}

async function pinnedVersions(names: string[]): Promise<string[]> {
  const manifest = JSON.parse(await readFile(join(WORKSPACE_DIR, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  return names.map((name) => {
    const version = manifest.dependencies[name];
    if (!version) throw new Error(`the workspace package.json pins no version of ${name}`);
    return `${name}@${version}`;
  });
}

describe('the npm package', () => {
  let workDir: string;
  let appDir: string;
  let packed: PackResult;
  let server: RunningTokenServer;

  beforeAll(async () => {
    server = await startTokenServer({ ttlSeconds: TOKEN_TTL_SECONDS });
    workDir = await mkdtemp(join(tmpdir(), 'atm-package-'));

    // `prepack` empties dist/ and runs the tsc build (tsconfig.build.json), so the tarball holds a fresh build.
    const pack = await run('npm', ['pack', '--json', '--pack-destination', workDir], { cwd: LIBRARY_DIR });
    [packed] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as PackResult[];

    appDir = join(workDir, 'app');
    await mkdir(appDir);
    await writeFile(
      join(appDir, 'package.json'),
      JSON.stringify({ name: 'scratch-consumer', version: '0.0.0', private: true, type: 'module' }),
    );
    await run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        join(workDir, packed.filename),
        ...(await pinnedVersions(PEERS)),
      ],
      { cwd: appDir },
    );
    await writeFile(join(appDir, 'main.mjs'), CONSUMER_SCRIPT);
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await server?.close();
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

  it('boots in a plain ESM Nest app outside the workspace and gets a token from a real token server', async () => {
    const before = Date.now();
    const { stdout } = await run(process.execPath, ['main.mjs'], {
      cwd: appDir,
      timeout: 30_000,
      env: childEnv({
        TOKEN_ENDPOINT: server.tokenEndpoint,
        CLIENT_ID: TEST_CLIENT.clientId,
        CLIENT_SECRET: TEST_CLIENT.clientSecret,
        SCOPE: TEST_CLIENT.scope,
      }),
    });
    const after = Date.now();
    const line = stdout
      .trim()
      .split('\n')
      .findLast((l) => l.startsWith('{'));
    expect(line).toBeDefined();
    const report = JSON.parse(line!) as ScriptReport;

    expect(report).toMatchObject({
      tokenType: 'Bearer',
      tokenIsJwt: true,
      tokenRedactedInJson: true,
      secondCallSameToken: true,
      managerInjected: true,
      isHttpService: true,
      httpServiceInjected: true,
      baseURL: report.expectedBaseURL,
      apiStatus: 200,
      apiSawToken: true,
    });
    expect(report.baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const expiresAt = Date.parse(report.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + TOKEN_TTL_SECONDS * 1000 - 1000);
    expect(expiresAt).toBeLessThanOrEqual(after + TOKEN_TTL_SECONDS * 1000 + 1000);
    expect(server.tokenRequests()).toBe(1);
  });

  it('type-checks a TypeScript consumer against the shipped declarations', async () => {
    await writeFile(join(appDir, 'consumer.ts'), CONSUMER_TS);
    await writeFile(
      join(appDir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'ES2023',
          strict: true,
          experimentalDecorators: true,
          emitDecoratorMetadata: true,
          skipLibCheck: true,
          noEmit: true,
          types: [],
        },
        files: ['consumer.ts'],
      }),
    );
    const tsc = join(WORKSPACE_DIR, 'node_modules', 'typescript', 'bin', 'tsc');
    await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: appDir, timeout: 60_000 });
  });
});
