/**
 * Where the manager reads the time and waits, as one collaborator: every instant (expiry, renewal point, backoff) comes
 * from `now()`, every wait (lock poll, renewal budget, refresh timers) is measured by `setTimer`. No deadline is taken
 * from one and checked against the other, so a test clock cannot disagree with the timers. Both are called as plain
 * functions (the hot path reads the time without a receiver), so they must not rely on `this`.
 */
export interface Clock {
  /** The time, in epoch ms. */
  now(): number;
  /** Calls `callback` once after `ms`, without keeping the process alive; the returned function cancels it. */
  setTimer(callback: () => void, ms: number): () => void;
}

/** `Date.now` and Node's timers (unref'd). */
export const systemClock: Clock = {
  now: Date.now,
  setTimer(callback, ms) {
    const timer = setTimeout(callback, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/** Resolves after `ms` on the clock's timers, or as soon as `signal` aborts. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      cancel();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const cancel = clock.setTimer(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** A signal that aborts with `reason` after `ms` on the clock's timers, and the function that stops it early. */
export function timeoutSignal(
  clock: Clock,
  ms: number,
  reason?: unknown,
): { signal: AbortSignal; cancel: () => void } {
  const controller = new AbortController();
  const cancel = clock.setTimer(() => controller.abort(reason), Math.max(0, ms));
  return { signal: controller.signal, cancel };
}
