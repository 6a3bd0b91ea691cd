/**
 * Where the entry and the lock of a token key live in Redis. Keyv stores an entry under `keyv::<key>`; the lock is
 * `<key>:lock`.
 */
export interface RedisKeyLayout {
  /** The key the entry is stored under, before Keyv's namespace. */
  entry(key: string): string;
  lock(key: string): string;
}

/** One node or a Sentinel-managed primary: every key is on the same server; the keys as they always were. */
export const nodeKeyLayout: RedisKeyLayout = {
  entry: (key) => key,
  lock: (key) => `${key}:lock`,
};

/**
 * Redis Cluster: both keys carry the token key as their hash tag (`{...}`: only that part is hashed), so they are on
 * one slot, one primary, and the lock guards the entry it sits beside. Token keys hold no braces (the prefix, client
 * names and the hash exclude them), so the tag is the whole token key.
 */
export const clusterKeyLayout: RedisKeyLayout = {
  entry: (key) => `{${key}}`,
  lock: (key) => `{${key}}:lock`,
};
