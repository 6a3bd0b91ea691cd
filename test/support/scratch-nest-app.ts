import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

/**
 * Scratch Nest apps outside the workspace (nothing resolves through its node_modules or path aliases), made as
 * `nest new` makes them: the files below follow @nestjs/schematics 12's application templates (`ts-esm`, its
 * default, and `ts` for CommonJS), without the test and lint tooling a fresh app also brings.
 */

export type ModuleSystem = 'esm' | 'commonjs';

/** The `dependencies` of a fresh Nest 12 app; the README's install line adds the rest. */
export const FRESH_APP_DEPENDENCIES = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/platform-express',
  'reflect-metadata',
  'rxjs',
];

/** What `npm run build` needs of a fresh app's devDependencies besides TypeScript (the workspace's is used). */
export const BUILD_DEPENDENCIES = ['@types/node'];

const COMPILER_OPTIONS = {
  esModuleInterop: true,
  isolatedModules: true,
  declaration: true,
  removeComments: true,
  emitDecoratorMetadata: true,
  experimentalDecorators: true,
  allowSyntheticDefaultImports: true,
  target: 'ES2023',
  outDir: './dist',
  rootDir: '.',
  skipLibCheck: true,
  strict: true,
  strictPropertyInitialization: false,
  types: ['node'],
};

/** `src/main.ts` of each template: CommonJS has no top-level await, and its relative imports need no suffix. */
const MAIN_TS: Record<ModuleSystem, string> = {
  esm: `import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  await app.listen(process.env.PORT ?? 3000);
}
await bootstrap();
`,
  commonjs: `import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';

async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  await app.listen(process.env.PORT ?? 3000);
}
void bootstrap();
`,
};

/** Writes the skeleton of a fresh app: package.json, tsconfig.json, tsconfig.build.json, src/main.ts. */
export async function writeFreshApp(dir: string, moduleSystem: ModuleSystem): Promise<void> {
  await mkdir(join(dir, 'src'), { recursive: true });
  const manifest = {
    name: `scratch-${moduleSystem}`,
    version: '0.0.1',
    private: true,
    ...(moduleSystem === 'esm' ? { type: 'module' } : {}),
    scripts: { 'start:prod': 'node dist/main' },
  };
  const module =
    moduleSystem === 'esm' ? { module: 'nodenext', moduleResolution: 'nodenext' } : { module: 'commonjs' };
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { ...module, ...COMPILER_OPTIONS } }, null, 2),
  );
  await writeFile(
    join(dir, 'tsconfig.build.json'),
    JSON.stringify(
      { extends: './tsconfig.json', compilerOptions: { rootDir: './src' }, include: ['src'] },
      null,
      2,
    ),
  );
  await writeFile(join(dir, 'src', 'main.ts'), MAIN_TS[moduleSystem]);
}

/** Writes files given by app-relative path (the README's quick-start blocks). */
export async function writeFiles(dir: string, files: Map<string, string>): Promise<void> {
  for (const [path, content] of files) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

/** The environment for child processes, without the `npm_*` variables of an enclosing `npm test` (its prefix etc.). */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
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

const execFileAsync = promisify(execFile);

/** Runs a command; on failure the error carries the command's stdout and stderr (npm's reasons are on stderr). */
export async function run(
  file: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeout: number },
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileAsync(file, args, {
      cwd: options.cwd,
      env: options.env ?? childEnv(),
      timeout: options.timeout,
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

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface RunningApp {
  url: string;
  /** Everything the app printed so far. */
  output(): string;
  /** Resolves with the first line of stdout that starts with `prefix`, printed after this call. */
  nextLine(prefix: string): Promise<string>;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `node [nodeArgs] dist/main.js` in `dir` on a free port; resolves once it accepts HTTP requests. */
export async function startApp(
  dir: string,
  options: { env: Record<string, string>; nodeArgs?: string[]; timeoutMs: number },
): Promise<RunningApp> {
  const port = await freePort();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), 'dist/main.js'], {
    cwd: dir,
    env: childEnv({ ...options.env, PORT: String(port), NO_COLOR: '1' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<(line: string) => void>();
  let pending = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) for (const listener of listeners) listener(line);
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the app in ${dir} exited (${child.exitCode}):\n${output}`);
    // Any answer will do (404 included): the app is listening.
    if (
      await fetch(`${url}/`).then(
        () => true,
        () => false,
      )
    )
      break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the app in ${dir} did not listen on ${url}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    url,
    child,
    output: () => output,
    nextLine: (prefix) =>
      new Promise((resolve) => {
        const listener = (line: string) => {
          if (!line.startsWith(prefix)) return;
          listeners.delete(listener);
          resolve(line);
        };
        listeners.add(listener);
      }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
