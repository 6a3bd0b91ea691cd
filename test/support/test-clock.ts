import type { Clock } from '../../libs/access-token-management/src/manager/clock.js';

/** A {@link Clock} whose time and timers move only when the test advances it: instants and waits together. */
export interface TestClock {
  clock: Clock;
  /** Moves the time forward by `ms`, firing the timers due on the way in order and letting what they start run. */
  advance(ms: number): Promise<void>;
  /** Timers planned and not yet fired or cancelled. */
  pendingTimers(): number;
}

export function startTestClock(start = Date.UTC(2026, 0, 1)): TestClock {
  let time = start;
  const timers = new Set<{ at: number; callback: () => void }>();
  const clock: Clock = {
    now: () => time,
    setTimer(callback, ms) {
      const timer = { at: time + Math.max(0, ms), callback };
      timers.add(timer);
      return () => timers.delete(timer);
    },
  };
  const due = (until: number) => [...timers].filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
  return {
    clock,
    async advance(ms) {
      const until = time + ms;
      for (let next = (await settle(), due(until)); next; await settle(), next = due(until)) {
        time = Math.max(time, next.at);
        timers.delete(next);
        next.callback();
      }
      time = until;
      await settle();
    },
    pendingTimers: () => timers.size,
  };
}

/** Lets pending promise chains run (a few macrotask turns, as awaited I/O stubs take). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}
