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

/** One call of a member's load: when it was made, how long it took, the error code if it failed. */
export interface CallRecord {
  at: number;
  ms: number;
  error?: string;
}

export interface FleetMember {
  child: ChildProcess;
  warnings: string[];
  burst(calls: number): Promise<BurstResult>;
  /** A call every `intervalMs` (not waiting for earlier ones) until the epoch ms `until`; resolves once all settled. */
  load(intervalMs: number, until: number): Promise<CallRecord[]>;
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
  const loading: Array<(records: CallRecord[]) => void> = [];
  child.on('message', (message: { type: string; message?: string; records?: CallRecord[] } & BurstResult) => {
    if (message.type === 'warn' && message.message) warnings.push(message.message);
    if (message.type === 'burst') waiting.shift()?.(message);
    if (message.type === 'load') loading.shift()?.(message.records ?? []);
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
    load: (intervalMs, until) =>
      new Promise((resolve) => {
        loading.push(resolve);
        child.send({ type: 'load', intervalMs, until });
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
