import { systemClock, type Clock } from './clock.js';

/** Node keeps a timer's delay in a signed 32-bit int: a longer delay (~24.8 days) fires after 1 ms instead. */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/** A pending call planned by {@link startLongTimer}. */
export interface LongTimer {
  cancel(): void;
}

/**
 * Calls `callback` once, `delayMs` from now, however long that is: delays beyond what one Node timer holds are
 * waited out in steps, on the clock's timers (which never keep the process alive).
 */
export function startLongTimer(
  callback: () => void,
  delayMs: number,
  clock: Pick<Clock, 'setTimer'> = systemClock,
): LongTimer {
  // NaN or negative: now. Infinity: never, in steps like any other long delay.
  let remaining = delayMs > 0 ? delayMs : 0;
  let cancel: () => void;
  const arm = () => {
    const step = Math.min(remaining, MAX_TIMER_DELAY_MS);
    remaining -= step;
    cancel = clock.setTimer(remaining > 0 ? arm : callback, step);
  };
  arm();
  return { cancel: () => cancel() };
}
