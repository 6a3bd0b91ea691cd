import { configError } from '../errors.js';
import type { AccessTokenOptions } from './client-options.interface.js';

/** The ways to name a shared store: one Redis node, a Redis Cluster, a Sentinel-managed Redis, or a cache object. */
const STORES = ['cacheUrl', 'cacheClusterNodes', 'cacheSentinels', 'cache'] as const;

/** Settings that only a Sentinel deployment uses. */
const SENTINEL_ONLY = ['cacheSentinelMaster', 'cachePassword', 'cacheSentinelPassword'] as const;

/**
 * The rules of the shared token cache: at most one store, Sentinel's settings with Sentinel only, and encryption
 * unless plaintext is allowed explicitly. @throws AccessTokenError `ERR_CONFIG_INVALID`
 */
export function checkSharedCacheRules(
  given: AccessTokenOptions,
  values: Readonly<Record<string, unknown>>,
  nameOf: (field: string) => string,
): void {
  const stores = STORES.filter((option) => given[option] !== undefined).map(nameOf);
  if (stores.length > 1) {
    const listed = `${stores.slice(0, -1).join(', ')} and ${stores.at(-1)}`;
    throw configError(listed, `are ${stores.length > 2 ? 'all' : 'both'} set: set one of them`);
  }
  if (given.cacheSentinels !== undefined && given.cacheSentinelMaster === undefined) {
    throw configError(
      nameOf('cacheSentinelMaster'),
      `is missing (required with ${nameOf('cacheSentinels')})`,
    );
  }
  for (const option of SENTINEL_ONLY) {
    if (given[option] !== undefined && given.cacheSentinels === undefined) {
      const problem =
        option === 'cachePassword'
          ? `is only used with ${nameOf('cacheSentinels')} (the URL forms carry their credentials in the URL)`
          : `is only used with ${nameOf('cacheSentinels')}`;
      throw configError(nameOf(option), problem);
    }
  }
  // Whoever can read a shared store must not be able to use what is in it.
  const keys = values.cacheEncryptionKey as readonly Buffer[];
  if (stores.length > 0 && keys.length === 0 && values.allowPlaintextCache !== true) {
    throw configError(
      nameOf('cacheEncryptionKey'),
      'is missing: a shared token cache must be encrypted ' +
        `(or set ${nameOf('allowPlaintextCache')}=true to store tokens in plaintext)`,
    );
  }
}
