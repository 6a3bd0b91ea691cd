import { describe, expect, it } from '@jest/globals';

import { startTestClock } from '../../../../test/support/test-clock.js';
import { createAccessToken } from '../access-token.js';
import type { CachedToken } from '../cache/cached-token.interface.js';
import type { TokenStore } from '../cache/token-store.interface.js';
import { RefreshScheduler } from './refresh-scheduler.js';
import type { TokenKeyState } from './token-key-state.js';

function entry(issuedAt: number): CachedToken {
  const expiresAt = issuedAt + 3_000;
  return {
    token: createAccessToken({ value: `tok_${issuedAt}`, type: 'Bearer', expiresAt: new Date(expiresAt) }),
    renewAt: expiresAt - 100,
  };
}

describe('RefreshScheduler when its timer fires', () => {
  it("follows another instance's renewal even when a caller records it during the timer's read", async () => {
    const test = startTestClock();
    const start = test.clock.now();
    const old = entry(start);
    const renewedElsewhere = entry(start + 2_880);
    const renewed: CachedToken[] = [];
    const known = {
      key: 'orders',
      inUse: true,
      validUntil: undefined as number | undefined,
      retired: undefined,
      refreshTimer: undefined,
      seen: (expiresAt: number) => {
        known.validUntil = Math.max(known.validUntil ?? 0, expiresAt);
      },
    };
    const state = known as unknown as TokenKeyState;
    const late: { scheduler?: RefreshScheduler } = {};
    const store = {
      // The timer's read of the shared store answers with the token another instance stored; while it is in flight a
      // caller is served that token (as `getAccessToken` does past the renewal point), which records it.
      get: () => {
        late.scheduler?.plan(state, renewedElsewhere);
        return Promise.resolve(renewedElsewhere);
      },
    } as unknown as TokenStore;
    const scheduler = (late.scheduler = new RefreshScheduler(
      test.clock,
      { refreshAhead: true, refreshJitter: 0, expirySafetyMarginSeconds: 5 },
      () => 0,
      store,
      (_state, cached) => renewed.push(cached),
    ));

    scheduler.plan(state, old);
    await test.advance(2_900); // the old token's renewal point
    await Promise.resolve();

    expect(renewed).toEqual([]); // nothing to renew: the token in the store is newer than the one the timer was for
    scheduler.close();
  });
});
