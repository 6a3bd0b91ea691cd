import { describe, expect, it } from '@jest/globals';
import { createCache } from 'cache-manager';
import { Keyv } from 'keyv';
import { createAccessToken } from '../access-token.js';
import { silentLogger } from '../token-logger.js';
import type { CachedToken } from './cached-token.interface.js';
import { InProcessTokenStore } from './in-process-token-store.js';
import { noLock } from './no-lock.js';
import { RemoteHealth } from './remote-health.js';
import { SharedTokenStore, userCacheConnection } from './shared-token-store.js';
import { entryCodec } from './token-entry.codec.js';

const NOW = Date.UTC(2026, 0, 1);

function entry(value: string): CachedToken {
  const expiresAt = new Date(NOW + 300_000);
  return { token: createAccessToken({ value, type: 'Bearer', expiresAt }), renewAt: NOW + 240_000 };
}

/** Two instances sharing one cache (Keyv's in-memory store), each with its own in-process layer and health. */
function twoInstances() {
  const shared = new Keyv<unknown>();
  const instance = () => {
    const health = new RemoteHealth(silentLogger, () => NOW);
    const store = new SharedTokenStore({
      local: new InProcessTokenStore(() => NOW),
      cache: createCache({ stores: [shared] }),
      codec: entryCodec(undefined),
      lock: noLock,
      health,
      connection: userCacheConnection,
      now: () => NOW,
    });
    return { store, health };
  };
  return [instance(), instance()] as const;
}

describe('SharedTokenStore while it bypasses the shared cache after a failure', () => {
  it('skips an ordinary write, but makes the one of the lock holder, which the other instances wait for', async () => {
    const [holder, other] = twoInstances();
    holder.health.failed(new Error('Token cache read took longer than 250 ms'));
    expect(holder.health.bypassed).toBe(true);

    await holder.store.set('orders', entry('tok_ordinary'));
    expect((await other.store.get('orders', { shared: true }))?.token.value).toBeUndefined();

    await holder.store.set('orders', entry('tok_of_the_holder'), { lockHeld: true });
    expect((await other.store.get('orders', { shared: true }))?.token.value).toBe('tok_of_the_holder');
    // Its own callers are served from the in-process layer either way.
    expect(holder.store.peek('orders')?.token.value).toBe('tok_of_the_holder');
  });
});
