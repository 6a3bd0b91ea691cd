import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The workspace root, where `npm run build` runs and `dist/` lands. */
export const WORKSPACE_DIR = fileURLToPath(new URL('../..', import.meta.url));

export type SampleApp = 'token-server' | 'orders-api' | 'orders-caller';

/** What `npm run build` does (`nest build <app>` for each app into `dist/`), the three (or `apps`) side by side. */
export async function buildSampleApps(
  apps: SampleApp[] = ['token-server', 'orders-api', 'orders-caller'],
): Promise<void> {
  const nest = `${WORKSPACE_DIR}node_modules/.bin/nest`;
  await Promise.all(
    apps.map((app) => promisify(execFile)(nest, ['build', app], { cwd: WORKSPACE_DIR, maxBuffer: 16 << 20 })),
  );
}

/** The built entry point of a sample app. */
export function sampleAppMain(app: SampleApp): string {
  return `${WORKSPACE_DIR}dist/apps/${app}/apps/${app}/src/main.js`;
}

/** A loopback port that was free a moment ago (bound to port 0, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * An address of this machine that is not 127.0.0.1: a non-loopback IPv4 interface, else 127.0.0.2 (Linux routes all
 * of 127/8 to lo). A server bound to every interface answers there; one bound to 127.0.0.1 does not.
 */
export function otherLocalAddress(): string {
  const external = Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry?.family === 'IPv4' && !entry.internal);
  return external?.address ?? '127.0.0.2';
}

/** Whether a TCP connection to `host:port` is accepted. */
export function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 5_000 });
    const done = (accepted: boolean) => {
      socket.destroy();
      resolve(accepted);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

export interface RunningProcess {
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then wait for the exit. */
  stop(): Promise<void>;
}

/**
 * Spawns `node <args>` with exactly `env` (plus PATH) in `cwd`, and waits until every URL in `ready` answers HTTP
 * (any status). Rejects with the process output if it exits first, or after `timeoutMs`.
 */
export async function startNodeProcess(
  args: string[],
  options: { cwd: string; env: Record<string, string | undefined>; ready: string[]; timeoutMs?: number },
): Promise<RunningProcess> {
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running: RunningProcess = {
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };

  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (const url of options.ready) {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${args.join(' ')} exited (${child.exitCode ?? child.signalCode}):\n${output}`);
      }
      if (Date.now() > deadline) {
        await running.stop();
        throw new Error(`${url} did not answer in time:\n${output}`);
      }
      const answered = await fetch(url).then(
        () => true,
        () => false,
      );
      if (answered) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return running;
}
