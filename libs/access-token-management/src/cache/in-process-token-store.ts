import type { CachedToken } from './cached-token.interface.js';
import { noLock } from './no-lock.js';
import type { TokenStore } from './token-store.interface.js';

/**
 * Tokens of this process, in a map: each entry until its token expires (an expired one is dropped when next read).
 * The default store, and the layer in front of a shared one.
 */
export class InProcessTokenStore implements TokenStore {
  readonly lock = noLock;
  private readonly entries = new Map<string, CachedToken>();

  constructor(private readonly now: () => number) {}

  peek(key: string): CachedToken | undefined {
    const entry = this.entries.get(key);
    return entry !== undefined && this.now() < entry.renewAt ? entry : undefined;
  }

  /** The entry until its token expires, synchronously. */
  entry(key: string): CachedToken | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || this.now() < entry.token.expiresAt.getTime()) return entry;
    this.entries.delete(key);
    return undefined;
  }

  /** Keeps `entry`, unless its token has expired already; says whether it did. */
  hold(key: string, entry: CachedToken): boolean {
    if (entry.token.expiresAt.getTime() <= this.now()) return false;
    this.entries.set(key, entry);
    return true;
  }

  get(key: string): Promise<CachedToken | undefined> {
    return Promise.resolve(this.entry(key));
  }

  set(key: string, entry: CachedToken): Promise<void> {
    this.hold(key, entry);
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    this.entries.delete(key);
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
