import { createCache, type Cache } from 'cache-manager';
import { Keyv } from 'keyv';
import type { ResolvedAccessTokenOptions } from '../config/resolved-options.interface.js';
import type { TokenLogger } from '../token-logger.js';
import { InProcessTokenStore } from './in-process-token-store.js';
import { noLock } from './no-lock.js';
import { redisTopologyOf } from './redis-clients.js';
import { RedisConnection } from './redis-connection.js';
import { RedisTokenLock } from './redis-lock.js';
import { RemoteHealth } from './remote-health.js';
import { SharedTokenStore, userCacheConnection } from './shared-token-store.js';
import { TokenCipher } from './token-cipher.js';
import { entryCodec } from './token-entry.codec.js';
import type { TokenStore } from './token-store.interface.js';

/**
 * Builds the token store the options describe: in-process by default; shared through Redis (`@keyv/redis`, with the
 * cross-instance lock) when `cacheUrl`, `cacheClusterNodes` or `cacheSentinels` is set, or through the cache the
 * user passed (no lock). Shared entries are encrypted whenever keys are given. Connecting to Redis never fails start-up: an unreachable Redis is a warning, not
 * an outage. The in-process layer keeps `maxCachedTokens` entries at most; `onEvicted` hears of each one it evicts.
 */
export function createTokenStore(
  options: ResolvedAccessTokenOptions,
  logger: TokenLogger,
  now: () => number,
  onEvicted?: (key: string) => void,
): TokenStore {
  const local = new InProcessTokenStore(now, options.maxCachedTokens, onEvicted);
  const topology = redisTopologyOf(options);
  if (topology === undefined && options.cache === undefined) return local;
  const cipher =
    options.cacheEncryptionKeys.length > 0 ? new TokenCipher(options.cacheEncryptionKeys) : undefined;
  const health = new RemoteHealth(logger, now);
  const shared = { local, codec: entryCodec(cipher), health, now };
  if (topology === undefined) {
    const cache = options.cache as Cache | Keyv;
    return new SharedTokenStore({
      ...shared,
      cache: isCacheManager(cache) ? cache : createCache({ stores: [cache] }),
      lock: noLock,
      connection: userCacheConnection,
    });
  }
  const connection = new RedisConnection(options, topology);
  const keyv = new Keyv<string>({ store: connection.store, useKeyPrefix: false, throwOnErrors: true });
  keyv.on('error', () => undefined);
  return new SharedTokenStore({
    ...shared,
    cache: createCache({ stores: [keyv] }),
    lock: new RedisTokenLock(connection, health),
    connection,
    storedKey: connection.keys.entry,
  });
}

/** Duck-typed: a user's app may hold another copy of keyv, so `instanceof Keyv` would misjudge its instances. */
function isCacheManager(cache: Cache | Keyv): cache is Cache {
  return (
    Array.isArray((cache as Partial<Cache>).stores) && typeof (cache as Partial<Cache>).wrap === 'function'
  );
}
