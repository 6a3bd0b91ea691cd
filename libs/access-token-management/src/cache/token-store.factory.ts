import { Keyv } from 'keyv';
import type { ResolvedAccessTokenOptions } from '../config/resolved-options.interface.js';
import type { TokenLogger } from '../token-logger.js';
import { RedisConnection } from './redis-connection.js';
import { RedisTokenLock } from './redis-lock.js';
import { RemoteHealth } from './remote-health.js';
import { TokenCipher } from './token-cipher.js';
import { TokenStore } from './token-store.js';

/**
 * Builds the token store the options describe: in-process by default; Redis (through `@keyv/redis`) with the
 * cross-instance lock when `cacheUrl` is set; or the cache the user passed. Entries are encrypted whenever keys are
 * given. Connecting to Redis never fails start-up: an unreachable Redis is a warning, not an outage.
 */
export function createTokenStore(
  options: ResolvedAccessTokenOptions,
  logger: TokenLogger,
  now: () => number,
): TokenStore {
  const cipher =
    options.cacheEncryptionKeys.length > 0 ? new TokenCipher(options.cacheEncryptionKeys) : undefined;
  if (options.cacheUrl === undefined) {
    // A cache passed by the user may be shared (and fail); the default in-process one cannot.
    const shared = options.cache !== undefined;
    return new TokenStore({
      cache: options.cache,
      cipher,
      health: shared ? new RemoteHealth(logger, now) : undefined,
      now,
    });
  }
  const health = new RemoteHealth(logger, now);
  const connection = new RedisConnection(options.cacheUrl);
  const keyv = new Keyv<string>({ store: connection.store, useKeyPrefix: false, throwOnErrors: true });
  keyv.on('error', () => undefined);
  return new TokenStore({
    cache: keyv,
    cipher,
    lock: new RedisTokenLock(connection, health),
    health,
    ready: () => connection.ready().then(() => undefined),
    timeoutMs: () => connection.operationTimeoutMs,
    now,
  });
}
