import { describe, expect, it } from '@jest/globals';

import { startTestClock } from '../../../../test/support/test-clock.js';
import { createAccessToken, type AccessToken } from '../access-token.js';
import { noLock } from '../cache/no-lock.js';
import type { LockAttempt, TokenLock } from '../cache/token-lock.interface.js';
import { startBudget } from './attempt-timing.js';
import type { Clock } from './clock.js';
import { TurnTaking, type Turn, type TurnRequest } from './turn-taking.js';

/** Another instance's lock, held until the test lets go of it; what this instance asked is counted. */
class PeerLock implements TokenLock {
  held = true;
  /** The store does not answer (an outage, a failover): every attempt is `unavailable`. */
  down = false;
  acquired = 0;
  released: string[] = [];
  acquire(): Promise<LockAttempt> {
    this.acquired += 1;
    if (this.down) return Promise.resolve({ status: 'unavailable' });
    return Promise.resolve(this.held ? { status: 'held' } : { status: 'acquired', owner: 'ours' });
  }
  release(_key: string, owner: string): Promise<void> {
    this.released.push(owner);
    return Promise.resolve();
  }
  isHeld(): Promise<boolean> {
    return Promise.resolve(this.held);
  }
}

const TOKEN: AccessToken = createAccessToken({ value: 'tok', type: 'Bearer', expiresAt: new Date(0) });

function setup(clock?: (testClock: Clock) => Clock, other?: TokenLock) {
  const test = startTestClock();
  const lock = new PeerLock();
  const closing = new AbortController();
  const turns = new TurnTaking(other ?? lock, clock ? clock(test.clock) : test.clock, closing.signal);
  let stored: AccessToken | undefined;
  const take = (overrides: Partial<TurnRequest> = {}) => {
    let turn: Turn | undefined;
    void turns
      .take({
        key: 'k',
        requestTimeoutMs: 1_000,
        budget: startBudget(test.clock, Infinity, 'orders'),
        mayWait: true,
        stored: () => Promise.resolve(stored),
        ...overrides,
      })
      .then((taken) => (turn = taken));
    return () => turn;
  };
  return { ...test, lock, closing, take, store: (token: AccessToken) => (stored = token) };
}

describe('TurnTaking', () => {
  it('waits on a held lock one lock lifetime (request timeout + 2 s), then takes its own turn without the lock', async () => {
    const { take, advance, lock, pendingTimers } = setup();
    const turn = take();
    await advance(2_900);
    expect(turn()).toBeUndefined();
    await advance(200);
    expect(turn()).toEqual({ kind: 'ours' });
    expect(lock.acquired).toBe(1);
    expect(pendingTimers()).toBe(0);
  });

  it('measures the wait by the clock timers alone: a time that stands still does not stall it', async () => {
    const { take, advance } = setup((clock) => ({ now: () => 0, setTimer: clock.setTimer }));
    const turn = take();
    await advance(3_000);
    expect(turn()).toEqual({ kind: 'ours' });
  });

  it('gives up a renewal when its budget is spent, before a lock lifetime', async () => {
    const { take, advance, clock } = setup();
    const turn = take({ budget: startBudget(clock, 800, 'orders') });
    await advance(790);
    expect(turn()).toBeUndefined();
    await advance(10);
    expect(turn()).toEqual({ kind: 'gave-up' });
  });

  it('adopts the token another instance stored while it waited', async () => {
    const { take, advance, store } = setup();
    const turn = take();
    await advance(500);
    store(TOKEN);
    await advance(300);
    expect(turn()).toEqual({ kind: 'adopted', token: TOKEN });
  });

  it('takes the lock over when its holder lets go without a token', async () => {
    const { take, advance, lock } = setup();
    const turn = take();
    await advance(500);
    lock.held = false;
    await advance(300);
    expect(turn()).toEqual({ kind: 'ours', owner: 'ours' });
  });

  it("never waits with a caller's own renewal, and stops waiting when the manager closes", async () => {
    const { take, advance, closing } = setup();
    const own = take({ mayWait: false });
    await advance(0);
    expect(own()).toEqual({ kind: 'gave-up' });
    const waiting = take();
    await advance(500);
    closing.abort();
    await advance(300);
    expect(waiting()).toEqual({ kind: 'ours' });
  });

  describe('while the store does not answer (a failover)', () => {
    it('keeps a renewal asking the store, then takes the lock once the new primary answers', async () => {
      const { take, advance, lock, clock } = setup();
      lock.down = true;
      lock.held = false;
      const turn = take({ budget: startBudget(clock, 8_000, 'orders') });
      await advance(3_000);
      expect(turn()).toBeUndefined();
      expect(lock.acquired).toBeGreaterThan(5);
      lock.down = false;
      await advance(300);
      expect(turn()).toEqual({ kind: 'ours', owner: 'ours' });
    });

    it('adopts the token an instance that reached the store first stored meanwhile', async () => {
      const { take, advance, lock, clock, store } = setup();
      lock.down = true;
      const turn = take({ budget: startBudget(clock, 8_000, 'orders') });
      await advance(2_000);
      store(TOKEN);
      await advance(300);
      expect(turn()).toEqual({ kind: 'adopted', token: TOKEN });
    });

    it('after half its budget, sends a renewal on alone (without the lock), leaving no timer behind', async () => {
      const { take, advance, lock, clock, pendingTimers } = setup();
      lock.down = true;
      const budget = startBudget(clock, 8_000, 'orders');
      const turn = take({ budget });
      await advance(3_900);
      expect(turn()).toBeUndefined();
      await advance(400);
      expect(turn()).toEqual({ kind: 'ours' });
      budget.end();
      expect(pendingTimers()).toBe(0);
    });

    it("goes alone at once for a caller without a usable token and for a caller's own renewal", async () => {
      const { take, advance, lock, clock } = setup();
      lock.down = true;
      const cold = take();
      const own = take({ mayWait: false, budget: startBudget(clock, 8_000, 'orders') });
      await advance(0);
      expect(cold()).toEqual({ kind: 'ours' });
      expect(own()).toEqual({ kind: 'ours' });
      expect(lock.acquired).toBe(2);
    });

    it('never waits where there is no lock at all (an in-process store)', async () => {
      const { take, advance, clock } = setup(undefined, noLock);
      const turn = take({ budget: startBudget(clock, 8_000, 'orders') });
      await advance(0);
      expect(turn()).toEqual({ kind: 'ours' });
    });
  });
});
