import type { Cache } from 'cache-manager';
import type { CachedToken } from './cached-token.interface.js';
import type { InProcessTokenStore } from './in-process-token-store.js';
import { withTimeout, type RemoteHealth } from './remote-health.js';
import type { EntryCodec } from './token-entry.codec.js';
import type { TokenLock } from './token-lock.interface.js';
import type { TokenStore } from './token-store.interface.js';

/** The connection behind a shared cache: when it can take commands, and how long one may take. */
export interface RemoteConnection {
  ready(): Promise<unknown>;
  readonly operationTimeoutMs: number;
}

/** A cache the user passed (any Keyv store): always ready; a command slower than 250 ms counts as failing. */
export const userCacheConnection: RemoteConnection = {
  ready: () => Promise.resolve(),
  operationTimeoutMs: 250,
};

/** What a shared store is made of; built by `createTokenStore`. */
export interface SharedTokenStoreParts {
  /** The in-process layer in front. */
  readonly local: InProcessTokenStore;
  /** The cache the instances share, on cache-manager 7. */
  readonly cache: Cache;
  readonly codec: EntryCodec;
  /** The cross-instance lock: Redis's, or `noLock` for a cache that has none. */
  readonly lock: TokenLock;
  readonly health: RemoteHealth;
  readonly connection: RemoteConnection;
  /** The key an entry is stored under (Redis Cluster puts it on its lock's hash slot); the token key by default. */
  readonly storedKey?: (key: string) => string;
  readonly now: () => number;
}

/**
 * The in-process layer in front of a cache shared by the instances. Entries live in the shared cache until their
 * token expires. The in-process copy answers the hot path without a round trip until the renewal point; past it every
 * read asks the shared cache, so a renewal by another instance is seen by the next read after it. The copy is kept
 * until its token expires, as the fallback whenever the shared cache has nothing newer to say (down, slow, empty after
 * a restart, garbage): an entry that cannot be read is a miss, never an error.
 */
export class SharedTokenStore implements TokenStore {
  readonly lock: TokenLock;

  constructor(private readonly parts: SharedTokenStoreParts) {
    this.lock = parts.lock;
    // cache-manager reports a failed read as an event, not an exception.
    parts.cache.on('get', (event: { error?: unknown }) => {
      // A value that does not parse is garbage in the store, not a store failure: a miss, overwritten on the next write.
      if (event.error !== undefined && !isGarbage(event.error)) parts.health.failed(event.error);
    });
  }

  peek(key: string): CachedToken | undefined {
    return this.parts.local.peek(key);
  }

  async get(key: string, options: { shared?: boolean } = {}): Promise<CachedToken | undefined> {
    const { local: layer, health, codec } = this.parts;
    const local = layer.entry(key);
    if (local && !options.shared && this.parts.now() < local.renewAt) return local;
    // Whenever the shared cache has nothing newer to say (down, slow, empty after a restart, garbage, an older
    // entry), the in-process copy stands.
    if (health.bypassed) return local;
    let stored: unknown;
    try {
      stored = await this.remote('Token cache read', () => this.parts.cache.get<unknown>(this.stored(key)));
    } catch (error) {
      if (!isGarbage(error)) health.failed(error);
      return local;
    }
    if (stored === undefined) return local;
    health.succeeded();
    const entry = codec.decode(stored, key);
    if (entry === undefined) return local;
    if (local !== undefined && entry.token.expiresAt.getTime() <= local.token.expiresAt.getTime())
      return local;
    layer.hold(key, entry);
    return entry;
  }

  async set(key: string, entry: CachedToken, options: { lockHeld?: boolean } = {}): Promise<void> {
    const ttl = entry.token.expiresAt.getTime() - this.parts.now();
    if (!this.parts.local.hold(key, entry)) return;
    // The bypass spares callers a wait on a store that just failed; the lock holder's write is what the instances
    // waiting on its lock are there for: skipped, they find nothing once it is released and each asks for a token.
    if (this.parts.health.bypassed && options.lockHeld !== true) return;
    const encoded = this.parts.codec.encode(entry, key);
    try {
      await this.remote('Token cache write', () => this.parts.cache.set(this.stored(key), encoded, ttl));
      this.parts.health.succeeded();
    } catch (error) {
      this.parts.health.failed(error);
    }
  }

  async delete(key: string): Promise<void> {
    await this.parts.local.delete(key);
    try {
      await this.remote('Token cache delete', () => this.parts.cache.del(this.stored(key)));
    } catch (error) {
      this.parts.health.failed(error);
    }
  }

  async close(): Promise<void> {
    await this.parts.cache.disconnect().catch(() => undefined);
  }

  private stored(key: string): string {
    return this.parts.storedKey?.(key) ?? key;
  }

  /** One command on a ready connection, bounded by the operation timeout. */
  private remote<T>(what: string, command: () => Promise<T>): Promise<T> {
    const { connection } = this.parts;
    return withTimeout(connection.ready().then(command), connection.operationTimeoutMs, what);
  }
}

/** Keyv deserialises what it reads; a `SyntaxError` means the stored value is not one of ours. */
function isGarbage(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'SyntaxError';
}
