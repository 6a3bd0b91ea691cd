// The orchestrator's side of a worker process (worker.mjs): fork it with a task, then exchange typed messages.
import { fork } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('./worker.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A forked worker with a message inbox. */
export class Child {
  constructor(task) {
    this.inbox = [];
    this.waiters = [];
    this.stderr = '';
    this.process = fork(WORKER, [], {
      cwd: ROOT,
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.process.stderr.on('data', (chunk) => {
      this.stderr = (this.stderr + chunk).slice(-4000);
    });
    this.process.on('message', (message) => this.deliver(message));
    this.process.on('exit', (code) => this.deliver({ type: 'exit', code }));
    this.process.send({ type: 'task', task });
  }

  deliver(message) {
    if (message.type === 'error' || message.type === 'exit') this.failed ??= message;
    const index = this.waiters.findIndex((w) => w.type === message.type || message === this.failed);
    if (index >= 0) this.waiters.splice(index, 1)[0].resolve(message);
    else this.inbox.push(message);
  }

  /** The next message of a type; rejects when the child fails first or after timeoutMs. */
  async receive(type, timeoutMs) {
    const queued = this.inbox.findIndex((m) => m.type === type);
    if (queued >= 0) return this.inbox.splice(queued, 1)[0];
    if (this.failed) throw this.failure();
    const message = await Promise.race([
      new Promise((resolve) => this.waiters.push({ type, resolve })),
      sleep(timeoutMs, undefined, { ref: false }).then(() => ({ type: 'timeout' })),
    ]);
    if (message.type !== type) {
      if (message.type === 'timeout') throw new Error(`worker timed out waiting for '${type}'`);
      throw this.failure();
    }
    return message;
  }

  failure() {
    const detail = this.failed?.message ?? `exit code ${this.failed?.code}`;
    return new Error(`worker failed: ${detail}\n${this.stderr}`.trim());
  }

  send(message) {
    if (this.process.connected) this.process.send(message);
  }

  kill() {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGKILL');
  }
}

/** Runs one task in a fresh worker and returns its result. */
export async function runTask(task, timeoutMs) {
  const child = new Child(task);
  try {
    return (await child.receive('result', timeoutMs)).result;
  } finally {
    await sleep(20);
    child.kill();
  }
}
