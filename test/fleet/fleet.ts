import { fork, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MEMBER = fileURLToPath(new URL('./fleet-member.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The fleet members run the built library, as a deployed service would. */
export function buildLibrary(): void {
  execFileSync(
    process.execPath,
    ['node_modules/typescript/bin/tsc', '-p', 'libs/access-token-management/tsconfig.build.json'],
    {
      cwd: ROOT,
      stdio: 'pipe',
    },
  );
}

export interface BurstResult {
  values: Array<string | null>;
  errors: string[];
}

export interface FleetMember {
  child: ChildProcess;
  warnings: string[];
  burst(calls: number): Promise<BurstResult>;
  exit(): Promise<void>;
}

/** Starts one member process with the given library options; resolves once it is ready. */
export async function startMember(options: unknown): Promise<FleetMember> {
  const child = fork(MEMBER, [], {
    env: { ...process.env, FLEET_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const warnings: string[] = [];
  const waiting: Array<(result: BurstResult) => void> = [];
  child.on('message', (message: { type: string; message?: string } & BurstResult) => {
    if (message.type === 'warn' && message.message) warnings.push(message.message);
    if (message.type === 'burst') waiting.shift()?.(message);
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`fleet member exited early (${code})`)));
  });
  return {
    child,
    warnings,
    burst: (calls) =>
      new Promise((resolve) => {
        waiting.push(resolve);
        child.send({ type: 'burst', calls });
      }),
    exit: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.send({ type: 'exit' });
      });
    },
  };
}
