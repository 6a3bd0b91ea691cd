import { describe, expect, it } from '@jest/globals';
import { createAccessToken } from '../access-token.js';
import type { CachedToken } from './cached-token.interface.js';
import { InProcessTokenStore } from './in-process-token-store.js';

const NOW = Date.UTC(2026, 0, 1);

function entry(value: string, lifetimeMs = 300_000): CachedToken {
  const expiresAt = new Date(NOW + lifetimeMs);
  return {
    token: createAccessToken({ value, type: 'Bearer', expiresAt }),
    renewAt: NOW + lifetimeMs - 60_000,
  };
}

describe('InProcessTokenStore with a capacity', () => {
  it('keeps at most its capacity, evicting the least recently used and naming each evicted key', () => {
    const evicted: string[] = [];
    const store = new InProcessTokenStore(
      () => NOW,
      3,
      (key) => evicted.push(key),
    );
    for (const key of ['a', 'b', 'c']) store.hold(key, entry(key));
    expect(store.peek('a')?.token.value).toBe('a'); // a is now the most recently used
    store.hold('d', entry('d'));
    expect(evicted).toEqual(['b']);
    expect(store.entry('c')?.token.value).toBe('c'); // read through entry() counts as a use too
    store.hold('e', entry('e'));
    expect(evicted).toEqual(['b', 'a']);
    expect(store.size).toBe(3);
    expect([store.peek('c'), store.peek('d'), store.peek('e')].map((kept) => kept?.token.value)).toEqual([
      'c',
      'd',
      'e',
    ]);
  });

  it('replaces the entry of a key it holds without evicting anything', () => {
    const evicted: string[] = [];
    const store = new InProcessTokenStore(
      () => NOW,
      2,
      (key) => evicted.push(key),
    );
    store.hold('a', entry('a1'));
    store.hold('b', entry('b'));
    store.hold('a', entry('a2'));
    expect(evicted).toEqual([]);
    expect(store.peek('a')?.token.value).toBe('a2');
    store.hold('c', entry('c'));
    expect(evicted).toEqual(['b']); // replacing 'a' made it the most recently used
  });

  it('frees the place of a deleted or expired entry', async () => {
    let now = NOW;
    const evicted: string[] = [];
    const store = new InProcessTokenStore(
      () => now,
      2,
      (key) => evicted.push(key),
    );
    store.hold('short', entry('short', 1_000));
    store.hold('b', entry('b'));
    await store.delete('b');
    now += 2_000;
    expect(store.entry('short')).toBeUndefined();
    expect(store.size).toBe(0);
    store.hold('c', entry('c'));
    store.hold('d', entry('d'));
    expect(evicted).toEqual([]);
    expect(store.size).toBe(2);
  });
});
