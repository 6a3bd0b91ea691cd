import { createCache, type Cache } from 'cache-manager';
import type { Keyv } from 'keyv';
import type { CachedToken } from './cached-token.interface.js';
import { withTimeout, type RemoteHealth } from './remote-health.js';
import type { TokenCipher } from './token-cipher.js';
import { decodeEntry, encodeEntry } from './token-entry.codec.js';
import type { LockAttempt, TokenLock } from './token-lock.interface.js';

export type { CachedToken } from './cached-token.interface.js';

/** A shared store that takes longer than this is treated as failing for that call. */
const OPERATION_TIMEOUT_MS = 250;

/** How the store is put together; built by `createTokenStore`. */
export interface TokenStoreParts {
  /** The cache-manager cache; an in-process memory cache when absent. */
  cache?: Cache | Keyv;
  /** Encrypts entries at rest; absent means plaintext (in-process, or explicitly allowed). */
  cipher?: TokenCipher;
  /** The cross-instance lock; absent for stores without one. */
  lock?: TokenLock;
  /** Failure tracking of the shared store; absent for in-process stores, which do not fail. */
  health?: RemoteHealth;
  /** Resolves once the shared store can take commands. */
  ready?: () => Promise<void>;
  /** How long one store operation may take; 250 ms when absent. */
  timeoutMs?: () => number;
  now: () => number;
}

/**
 * The token cache, on cache-manager 7. Entries live in the store until their token expires. An in-process copy in
 * front of the store answers the hot path without a round trip until the renewal point; past it every read asks the
 * store, so a renewal by another instance sharing the store is seen by the next read after it. The copy is kept until
 * its token expires, as the fallback whenever the store has nothing newer to say (down, slow, empty after a restart,
 * garbage): an entry that cannot be read is a miss, never an error.
 */
export class TokenStore {
  readonly cache: Cache;
  private readonly local = new Map<string, CachedToken>();

  constructor(private readonly parts: TokenStoreParts) {
    const { cache } = parts;
    this.cache =
      cache === undefined ? createCache() : isCacheManager(cache) ? cache : createCache({ stores: [cache] });
    // cache-manager reports a failed read as an event, not an exception.
    this.cache.on('get', (event: { error?: unknown }) => {
      // A value that does not parse is garbage in the store, not a store failure: a miss, overwritten on the next write.
      if (event.error !== undefined && !isGarbage(event.error)) parts.health?.failed(event.error);
    });
  }

  /** @param options.shared read the shared store even when the in-process copy is fresh (to see other instances). */
  async get(key: string, options: { shared?: boolean } = {}): Promise<CachedToken | undefined> {
    const local = this.localEntry(key);
    if (local && !options.shared && this.parts.now() < local.renewAt) return local;
    // Whenever the shared store has nothing newer to say (down, slow, empty after a restart, garbage, an older
    // entry), the in-process copy stands.
    if (this.parts.health?.bypassed) return local;
    let stored: unknown;
    try {
      stored = await withTimeout(
        this.whenReady(() => this.cache.get<unknown>(key)),
        this.timeoutMs,
        'Token cache read',
      );
    } catch (error) {
      if (!isGarbage(error)) this.parts.health?.failed(error);
      return local;
    }
    if (stored === undefined) return local;
    this.parts.health?.succeeded();
    const entry = decodeEntry(this.parts.cipher ? this.parts.cipher.decrypt(stored, key) : stored);
    if (entry === undefined) return local;
    if (local !== undefined && entry.token.expiresAt.getTime() <= local.token.expiresAt.getTime())
      return local;
    this.local.set(key, entry);
    return entry;
  }

  /**
   * The in-process copy, until its renewal point: read synchronously, so a cache hit costs no round trip, no
   * deserialisation and no allocation.
   */
  peek(key: string): CachedToken | undefined {
    const local = this.local.get(key);
    return local !== undefined && this.parts.now() < local.renewAt ? local : undefined;
  }

  /** The in-process copy until its token expires. */
  private localEntry(key: string): CachedToken | undefined {
    const local = this.local.get(key);
    if (local === undefined || this.parts.now() < local.token.expiresAt.getTime()) return local;
    this.local.delete(key);
    return undefined;
  }

  async set(key: string, entry: CachedToken): Promise<void> {
    const ttl = entry.token.expiresAt.getTime() - this.parts.now();
    if (ttl <= 0) return;
    this.local.set(key, entry);
    if (this.parts.health?.bypassed) return;
    const encoded = encodeEntry(entry);
    try {
      await withTimeout(
        this.whenReady(() =>
          this.cache.set(key, this.parts.cipher ? this.parts.cipher.encrypt(encoded, key) : encoded, ttl),
        ),
        this.timeoutMs,
        'Token cache write',
      );
      this.parts.health?.succeeded();
    } catch (error) {
      if (!this.parts.health) throw error;
      this.parts.health.failed(error);
    }
  }

  async delete(key: string): Promise<void> {
    this.local.delete(key);
    try {
      await withTimeout(
        this.whenReady(() => this.cache.del(key)),
        this.timeoutMs,
        'Token cache delete',
      );
    } catch (error) {
      if (!this.parts.health) throw error;
      this.parts.health.failed(error);
    }
  }

  acquireLock(key: string, ttlMs: number): Promise<LockAttempt> {
    return this.parts.lock ? this.parts.lock.acquire(key, ttlMs) : Promise.resolve({ status: 'unavailable' });
  }

  releaseLock(key: string, owner: string): Promise<void> {
    return this.parts.lock ? this.parts.lock.release(key, owner) : Promise.resolve();
  }

  isLocked(key: string): Promise<boolean> {
    return this.parts.lock ? this.parts.lock.isHeld(key) : Promise.resolve(false);
  }

  private get timeoutMs(): number {
    return this.parts.timeoutMs?.() ?? OPERATION_TIMEOUT_MS;
  }

  private async whenReady<T>(operation: () => Promise<T>): Promise<T> {
    if (this.parts.ready) await this.parts.ready();
    return operation();
  }

  async close(): Promise<void> {
    await this.cache.disconnect().catch(() => undefined);
  }
}

/** Duck-typed: a user's app may hold another copy of keyv, so `instanceof Keyv` would misjudge its instances. */
function isCacheManager(cache: Cache | Keyv): cache is Cache {
  return (
    Array.isArray((cache as Partial<Cache>).stores) && typeof (cache as Partial<Cache>).wrap === 'function'
  );
}

/** Keyv deserialises what it reads; a `SyntaxError` means the stored value is not one of ours. */
function isGarbage(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'SyntaxError';
}
