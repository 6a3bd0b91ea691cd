/** Node keeps a timer's delay in a signed 32-bit int: a longer delay (~24.8 days) fires after 1 ms instead. */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/** A pending call planned by {@link startLongTimer}. */
export interface LongTimer {
  cancel(): void;
}

/**
 * Calls `callback` once, `delayMs` from now, however long that is: delays beyond what one Node timer holds are
 * waited out in steps. The timer is `unref`ed: a pending call never keeps the process alive.
 */
export function startLongTimer(callback: () => void, delayMs: number): LongTimer {
  // NaN or negative: now. Infinity: never, in steps like any other long delay.
  let remaining = delayMs > 0 ? delayMs : 0;
  let timer: NodeJS.Timeout;
  const arm = () => {
    const step = Math.min(remaining, MAX_TIMER_DELAY_MS);
    remaining -= step;
    timer = setTimeout(remaining > 0 ? arm : callback, step);
    timer.unref();
  };
  arm();
  return { cancel: () => clearTimeout(timer) };
}
