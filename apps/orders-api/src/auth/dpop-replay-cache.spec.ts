import { describe, expect, it } from '@jest/globals';

import { DPoPReplayCache } from './dpop-replay-cache.js';

describe('DPoPReplayCache', () => {
  function cache(capacity: number) {
    let now = 1_000_000;
    const replays = new DPoPReplayCache(capacity, 70_000, () => now);
    return { replays, advance: (ms: number) => (now += ms) };
  }

  it('refuses a jti it has seen while the proof can still be accepted', () => {
    const { replays, advance } = cache(10);
    expect(replays.remember('a')).toBe('remembered');
    advance(69_999);
    expect(replays.remember('a')).toBe('replayed');
  });

  it('when full, refuses new jtis and keeps the remembered ones, until the oldest expires', () => {
    const { replays, advance } = cache(2);
    replays.remember('a');
    advance(10_000);
    replays.remember('b');
    expect(replays.remember('c')).toBe('full');
    expect(replays.secondsUntilRoom()).toBe(60);
    expect(replays.remember('a')).toBe('replayed');
    expect(replays.remember('b')).toBe('replayed');

    advance(60_000);
    expect(replays.remember('c')).toBe('remembered');
    expect(replays.remember('b')).toBe('replayed');
    expect(replays.remember('d')).toBe('full');
  });
});
