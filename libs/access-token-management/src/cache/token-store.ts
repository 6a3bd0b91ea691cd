import { createCache, type Cache } from 'cache-manager';
import type { Keyv } from 'keyv';
import { createAccessToken, type AccessToken, type AccessTokenType } from '../access-token.js';

/** A cached token and the moment it stops being served from the cache. */
export interface CachedToken {
  readonly token: AccessToken;
  /** Epoch ms after which the token is renewed rather than served. */
  readonly renewAt: number;
}

/** The serialised form: plain JSON so any Keyv store can hold it. */
interface StoredEntry {
  v: string;
  t: AccessTokenType;
  e: number;
  r: number;
  s?: string;
}

/**
 * Token cache on cache-manager 7. Entries live until their token expires (the store drops them then), but are served
 * only until their renewal point. An entry that cannot be read is a miss, never an error.
 */
export class TokenStore {
  readonly cache: Cache;

  constructor(cache?: Cache | Keyv) {
    this.cache =
      cache === undefined ? createCache() : isCacheManager(cache) ? cache : createCache({ stores: [cache] });
  }

  async get(key: string): Promise<CachedToken | undefined> {
    const entry = await this.cache.get<StoredEntry>(key);
    if (!isStoredEntry(entry)) return undefined;
    return {
      token: createAccessToken({
        value: entry.v,
        type: entry.t,
        expiresAt: new Date(entry.e),
        scope: entry.s,
      }),
      renewAt: entry.r,
    };
  }

  async set(key: string, entry: CachedToken, now: number): Promise<void> {
    const ttl = entry.token.expiresAt.getTime() - now;
    if (ttl <= 0) return;
    const stored: StoredEntry = {
      v: entry.token.value,
      t: entry.token.type,
      e: entry.token.expiresAt.getTime(),
      r: entry.renewAt,
      s: entry.token.scope,
    };
    await this.cache.set(key, stored, ttl);
  }

  async delete(key: string): Promise<void> {
    await this.cache.del(key);
  }

  async close(): Promise<void> {
    await this.cache.disconnect();
  }
}

function isStoredEntry(value: unknown): value is StoredEntry {
  if (value === null || typeof value !== 'object') return false;
  const entry = value as Partial<StoredEntry>;
  return (
    typeof entry.v === 'string' &&
    (entry.t === 'Bearer' || entry.t === 'DPoP') &&
    typeof entry.e === 'number' &&
    typeof entry.r === 'number' &&
    (entry.s === undefined || typeof entry.s === 'string')
  );
}

/** Duck-typed: a user's app may hold another copy of keyv, so `instanceof Keyv` would misjudge its instances. */
function isCacheManager(cache: Cache | Keyv): cache is Cache {
  return (
    Array.isArray((cache as Partial<Cache>).stores) && typeof (cache as Partial<Cache>).wrap === 'function'
  );
}
