import { describe, expect, it } from '@jest/globals';

import { nextAttemptAt, renewalBudgetMs, startBudget, withinBudget } from './attempt-timing.js';
import { startTestClock } from '../../../../test/support/test-clock.js';
import { systemClock } from './clock.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

describe('renewalBudgetMs', () => {
  it('gives a renewal far from expiry the whole request timeout', () => {
    expect(renewalBudgetMs(55_000, 10_000, 1_000)).toBe(10_000);
  });

  it('gives a renewal near the end half the time its token can still be served', () => {
    expect(renewalBudgetMs(2_400, 10_000, 1_000)).toBe(1_200);
  });

  it('gives at least one cadence step, but never more than the token is still served', () => {
    expect(renewalBudgetMs(1_500, 10_000, 1_000)).toBe(1_000);
    expect(renewalBudgetMs(600, 10_000, 1_000)).toBe(600);
    expect(renewalBudgetMs(-5, 10_000, 1_000)).toBe(0);
  });
});

describe('nextAttemptAt', () => {
  const cadenceMs = 1_000;

  it('follows the backoff while the token in hand has time left', () => {
    const at = nextAttemptAt({
      startedAt: T0,
      failedAt: T0 + 10,
      backoffMs: 4_000,
      servedUntil: T0 + 60_000,
      cadenceMs,
    });
    expect(at).toBe(T0 + 4_010);
  });

  it('plans a last attempt one cadence step before the token stops being served', () => {
    const at = nextAttemptAt({
      startedAt: T0,
      failedAt: T0 + 10,
      backoffMs: 8_000,
      servedUntil: T0 + 5_000,
      cadenceMs,
    });
    expect(at).toBe(T0 + 4_000);
  });

  it('retries every cadence step, not the growing backoff, when no token is in hand', () => {
    expect(nextAttemptAt({ startedAt: T0, failedAt: T0 + 10, backoffMs: 9_000, cadenceMs })).toBe(T0 + 1_010);
  });

  it('never starts attempts less than a cadence step apart, nor before Retry-After', () => {
    // A hang given up after 300 ms near expiry: the next attempt still waits until a step after the last began.
    expect(
      nextAttemptAt({
        startedAt: T0,
        failedAt: T0 + 300,
        backoffMs: 1_000,
        servedUntil: T0 + 800,
        cadenceMs,
      }),
    ).toBe(T0 + 1_000);
    expect(
      nextAttemptAt({ startedAt: T0, failedAt: T0, backoffMs: 30_000, retryAfterMs: 30_000, cadenceMs }),
    ).toBe(T0 + 30_000);
  });

  it('retries a renewal right away after a hang that used up its budget', () => {
    const at = nextAttemptAt({
      startedAt: T0,
      failedAt: T0 + 1_200,
      backoffMs: 1_000,
      servedUntil: T0 + 2_000,
      cadenceMs,
    });
    expect(at).toBe(T0 + 1_200);
  });
});

describe('withinBudget', () => {
  it('passes the answer through when it comes in time', async () => {
    await expect(
      withinBudget(() => Promise.resolve('token'), startBudget(systemClock, 1_000, 'orders')),
    ).resolves.toBe('token');
    await expect(
      withinBudget(() => Promise.reject(new Error('refused')), startBudget(systemClock, 1_000, 'orders')),
    ).rejects.toThrow('refused');
  });

  it('gives up with ERR_TOKEN_ENDPOINT_UNAVAILABLE when the answer does not come in time', async () => {
    const never = () => new Promise<string>(() => undefined);
    await expect(withinBudget(never, startBudget(systemClock, 20, 'orders'))).rejects.toMatchObject({
      code: 'ERR_TOKEN_ENDPOINT_UNAVAILABLE',
      clientName: 'orders',
    });
  });

  it('aborts the signal it gave the request when it gives up, with the same error', async () => {
    let given: AbortSignal | undefined;
    const hanging = (signal?: AbortSignal) => ((given = signal), new Promise<string>(() => undefined));
    const outcome = withinBudget(hanging, startBudget(systemClock, 20, 'orders'));
    await expect(outcome).rejects.toMatchObject({ code: 'ERR_TOKEN_ENDPOINT_UNAVAILABLE' });
    expect(given?.aborted).toBe(true);
    expect(given?.reason).toBe(await outcome.catch((error: unknown) => error));
  });

  it('without a budget, hands the request no signal and never gives up on it', async () => {
    const seen: Array<AbortSignal | undefined> = [];
    const budget = startBudget(systemClock, Infinity, 'orders');
    await expect(
      withinBudget((signal) => (seen.push(signal), Promise.resolve('token')), budget),
    ).resolves.toBe('token');
    expect(seen).toEqual([undefined]);
    expect(budget.remainingMs()).toBe(Infinity);
  });
});

describe('startBudget', () => {
  it('is measured by its clock alone: time and timers move together', async () => {
    const { clock, advance } = startTestClock();
    const budget = startBudget(clock, 1_000, 'orders');
    await advance(400);
    expect(budget.remainingMs()).toBe(600);
    expect(budget.signal?.aborted).toBe(false);
    await advance(600);
    expect(budget.signal?.aborted).toBe(true);
    expect(budget.signal?.reason).toMatchObject({ code: 'ERR_TOKEN_ENDPOINT_UNAVAILABLE' });
  });

  it('leaves no timer behind once ended', () => {
    const { clock, pendingTimers } = startTestClock();
    const budget = startBudget(clock, 1_000, 'orders');
    expect(pendingTimers()).toBe(1);
    budget.end();
    expect(pendingTimers()).toBe(0);
    expect(budget.signal?.aborted).toBe(false);
  });
});
