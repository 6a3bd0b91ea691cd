import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';

import { MAX_TIMER_DELAY_MS, startLongTimer } from './long-timer.js';

const DAY_MS = 24 * 3600 * 1000;

describe('startLongTimer', () => {
  // The fake clock reproduces Node's overflow: a plain setTimeout of 30 days fires after 1 ms.
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('fires a 30-day timer after 30 days, not at once', () => {
    const fired = jest.fn();
    startLongTimer(fired, 30 * DAY_MS);
    jest.advanceTimersByTime(1);
    expect(fired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(30 * DAY_MS - 2);
    expect(fired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(400 * DAY_MS);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('fires short and exactly-the-limit delays on time, and negative or NaN ones at once', () => {
    const fired = jest.fn();
    startLongTimer(fired, 500);
    startLongTimer(fired, MAX_TIMER_DELAY_MS);
    startLongTimer(fired, -10);
    startLongTimer(fired, Number.NaN);
    jest.advanceTimersByTime(0);
    expect(fired).toHaveBeenCalledTimes(2);
    jest.advanceTimersByTime(500);
    expect(fired).toHaveBeenCalledTimes(3);
    jest.advanceTimersByTime(MAX_TIMER_DELAY_MS);
    expect(fired).toHaveBeenCalledTimes(4);
  });

  it('can be cancelled in any of its steps, and never fires an infinite delay', () => {
    const fired = jest.fn();
    const timer = startLongTimer(fired, 60 * DAY_MS);
    jest.advanceTimersByTime(40 * DAY_MS);
    timer.cancel();
    startLongTimer(fired, Number.POSITIVE_INFINITY);
    jest.advanceTimersByTime(400 * DAY_MS);
    expect(fired).not.toHaveBeenCalled();
  });
});
