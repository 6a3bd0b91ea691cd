import type { CachedToken } from './cached-token.interface.js';
import type { TokenLock } from './token-lock.interface.js';

export type { CachedToken } from './cached-token.interface.js';

/**
 * Where tokens are kept between calls: {@link InProcessTokenStore} (one process) or {@link SharedTokenStore} (an
 * in-process layer in front of a cache the instances share), built by `createTokenStore`. No method rejects: the cache
 * is an optimisation, and a failing shared cache is reported by the store itself while the in-process layer serves.
 */
export interface TokenStore {
  /**
   * The in-process copy, until its renewal point: read synchronously, so a cache hit costs no round trip, no
   * deserialisation and no allocation.
   */
  peek(key: string): CachedToken | undefined;
  /**
   * The entry of `key` until its token expires; past the renewal point (or with `shared`) a shared store is asked,
   * to see renewals by other instances.
   */
  get(key: string, options?: { shared?: boolean }): Promise<CachedToken | undefined>;
  /**
   * Keeps `entry` until its token expires (an expired one is not kept). `lockHeld`: the caller holds the key's
   * cross-instance lock, so the other instances wait for exactly this write: a shared store attempts it even while
   * it is bypassed after a failure.
   */
  set(key: string, entry: CachedToken, options?: { lockHeld?: boolean }): Promise<void>;
  delete(key: string): Promise<void>;
  /** The cross-instance lock of the store's keys; a store of one process has none (`unavailable`). */
  readonly lock: TokenLock;
  /** Releases connections; the in-process layer keeps answering. */
  close(): Promise<void>;
}
