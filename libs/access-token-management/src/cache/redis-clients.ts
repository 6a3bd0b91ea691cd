import type { createClient, createCluster, createSentinel } from '@keyv/redis';
import type { ResolvedAccessTokenOptions } from '../config/resolved-options.interface.js';
import { keyvRedis } from './keyv-redis-module.js';

/** How the fleet's Redis is deployed: one node (`cacheUrl`), a Redis Cluster, or a Sentinel-managed primary. */
export type RedisTopology = 'node' | 'cluster' | 'sentinel';

/** The node-redis client of one of the three topologies, as `@keyv/redis` takes it. */
export type AnyRedisClient =
  ReturnType<typeof createClient> | ReturnType<typeof createCluster> | ReturnType<typeof createSentinel>;

/**
 * Every connection to a node: a bounded connect, a reconnect that backs off to 2 s, and no offline queue (a command
 * sent while a node is down fails at once instead of being replayed, stale, once it is back).
 */
function nodeDefaults(connectTimeout: number, giveUpOnRefusedCredentials = false) {
  return {
    disableOfflineQueue: true,
    socket: {
      connectTimeout,
      reconnectStrategy: (retries: number, cause: Error) =>
        giveUpOnRefusedCredentials && REFUSED_CREDENTIALS.test(cause?.message ?? '')
          ? cause
          : Math.min(50 * 2 ** retries, 2_000),
    },
  } as const;
}

/**
 * Redis's replies to credentials it refuses. A cluster or sentinel client waits for its node connections while it
 * connects, and node-redis's Sentinel client cannot close before that: one retrying refused credentials forever
 * would hang `close()`. It gives up instead, and the next command that needs Redis connects anew.
 */
const REFUSED_CREDENTIALS = /^(WRONGPASS|NOAUTH|NOPERM|ERR AUTH|ERR invalid password)/;

/**
 * A cluster or sentinel client connects in several steps (discovery, then the primaries), and node-redis's Sentinel
 * client pauses 1 s after a step that timed out: a starting process on a loaded machine needs more than a second for
 * a socket. A node that refuses connections still fails at once.
 */
export const TOPOLOGY_CONNECT_TIMEOUT_MS = 3_000;
const NODE_DEFAULTS = nodeDefaults(1_000);
const TOPOLOGY_DEFAULTS = nodeDefaults(TOPOLOGY_CONNECT_TIMEOUT_MS, true);

/** Which topology the options name (validation lets at most one of them through). */
export function redisTopologyOf(options: ResolvedAccessTokenOptions): RedisTopology | undefined {
  if (options.cacheUrl !== undefined) return 'node';
  if (options.cacheClusterNodes !== undefined) return 'cluster';
  if (options.cacheSentinels !== undefined) return 'sentinel';
  return undefined;
}

/** The node-redis client for the topology the options name; not connected yet. */
export function createRedisClient(
  options: ResolvedAccessTokenOptions,
  topology: RedisTopology,
): AnyRedisClient {
  if (topology === 'node') return keyvRedis().createClient({ ...NODE_DEFAULTS, url: options.cacheUrl });
  if (topology === 'cluster') return clusterClient(options.cacheClusterNodes ?? []);
  return keyvRedis().createSentinel({
    name: options.cacheSentinelMaster ?? '',
    sentinelRootNodes: (options.cacheSentinels ?? []).map(({ host, port }) => ({ host, port })),
    nodeClientOptions: { ...TOPOLOGY_DEFAULTS, password: options.cachePassword },
    sentinelClientOptions: { socket: TOPOLOGY_DEFAULTS.socket, password: options.cacheSentinelPassword },
    masterPoolSize: 1,
    // node-redis follows a promotion from the sentinels' messages; its periodic rescan (default every 10 s) holds
    // every command while it runs, so it stays rare.
  });
}

/**
 * Seed nodes as given; the nodes the client discovers get the seeds' credentials and TLS (validation made them the
 * same on every seed).
 */
function clusterClient(nodes: readonly string[]): ReturnType<typeof createCluster> {
  const first = new URL(nodes[0] ?? 'redis://');
  return keyvRedis().createCluster({
    rootNodes: nodes.map((url) => ({ url })),
    defaults: {
      ...TOPOLOGY_DEFAULTS,
      socket: { ...TOPOLOGY_DEFAULTS.socket, tls: first.protocol === 'rediss:' },
      username: first.username === '' ? undefined : decodeURIComponent(first.username),
      password: first.password === '' ? undefined : decodeURIComponent(first.password),
    },
  });
}
