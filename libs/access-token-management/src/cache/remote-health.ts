import type { TokenLogger } from '../token-logger.js';

/** After a failure the shared store is left alone this long: a down or slow Redis costs one probe per second. */
const BYPASS_MS = 1_000;

/**
 * Tracks whether the shared store answers. The first failure of an outage is logged once, with what the library does
 * instead; its end is logged once too. In between, callers skip the store for a short while instead of each waiting
 * on it.
 */
export class RemoteHealth {
  private healthy = true;
  private bypassUntil = 0;

  constructor(
    private readonly logger: TokenLogger,
    private readonly now: () => number = Date.now,
  ) {}

  get bypassed(): boolean {
    return this.now() < this.bypassUntil;
  }

  failed(error: unknown): void {
    this.bypassUntil = this.now() + BYPASS_MS;
    if (!this.healthy) return;
    this.healthy = false;
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.warn(
      `Shared token cache unavailable (${reason}); continuing with the in-process cache and the token endpoint`,
    );
  }

  succeeded(): void {
    if (this.healthy) return;
    this.healthy = true;
    this.bypassUntil = 0;
    this.logger.log('Shared token cache reachable again; tokens are shared again');
  }
}

/** How many stalls of its own process one command may be granted a fresh timeout for. */
const STALLS_FORGIVEN = 2;

/**
 * Rejects when `promise` takes longer than `ms`; a slow store is treated like a failing one. Only time in which the
 * process could have sent the command and read the reply counts. In a process starved of CPU (or busy in a long
 * synchronous task) the event loop stalls: the command may not even be written yet, and Node runs expired timers
 * before it reads sockets. Counting such a stall as Redis's slowness made an instance give up the cross-instance
 * lock and request a token of its own. So a timer that fires late (the process stalled) starts the wait again, up to
 * {@link STALLS_FORGIVEN} times, and a timeout lets the loop read once more before it rejects.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let readFirst: NodeJS.Immediate | undefined;
  const timeout = new Promise<never>((_, reject) => {
    const wait = (stallsLeft: number) => {
      const due = performance.now() + ms;
      timer = setTimeout(() => {
        if (performance.now() - due > ms / 2 && stallsLeft > 0) return wait(stallsLeft - 1);
        readFirst = setImmediate(() => reject(new Error(`${what} took longer than ${ms} ms`)));
      }, ms);
      timer.unref();
    };
    wait(STALLS_FORGIVEN);
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
    clearImmediate(readFirst);
  });
}
