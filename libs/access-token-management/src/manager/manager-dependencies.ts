import type { TokenLogger } from '../token-logger.js';
import { systemClock, type Clock } from './clock.js';
import type { Meter } from './token-metrics.js';

/** Collaborators of the manager; all optional. */
export interface AccessTokenManagerDependencies {
  logger?: TokenLogger;
  /** The time and the timers together (`now()`, `setTimer`). Default: `Date.now` and Node's timers, unref'd. */
  clock?: Clock;
  /** Shorthand for a clock of this time (epoch ms) and Node's timers; waits stay measured by the timers. */
  now?: () => number;
  /** Source of randomness for jitter, in [0, 1). Tests pass a fixed one. */
  random?: () => number;
  /** OpenTelemetry meter for the metrics. Default: the global meter provider's (a no-op without an SDK). */
  meter?: Meter;
}

/** The clock the dependencies describe: the given one, else the system's (with the given `now`, if any). */
export function clockOf({ clock, now }: AccessTokenManagerDependencies): Clock {
  if (clock !== undefined) return clock;
  return now === undefined ? systemClock : { now, setTimer: systemClock.setTimer };
}
