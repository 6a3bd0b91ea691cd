import type KeyvRedis from '@keyv/redis';
import type { createClient, createCluster } from '@keyv/redis';
import type { ResolvedAccessTokenOptions } from '../config/resolved-options.interface.js';
import {
  createRedisClient,
  TOPOLOGY_CONNECT_TIMEOUT_MS,
  type AnyRedisClient,
  type RedisTopology,
} from './redis-clients.js';
import { keyvRedis } from './keyv-redis-module.js';
import { clusterKeyLayout, nodeKeyLayout, type RedisKeyLayout } from './redis-key-layout.js';

type NodeClient = ReturnType<typeof createClient>;
type ClusterClient = ReturnType<typeof createCluster>;

/** The commands the lock sends, which every topology's client has (a cluster routes them by their key). */
export interface RedisLockCommands {
  set(key: string, value: string, options: object): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  exists(key: string): Promise<number>;
}

/**
 * The Redis behind the shared store: one node, a Redis Cluster or a Sentinel-managed primary, through node-redis's
 * own clients. Commands are only sent on a ready connection: node-redis would otherwise queue them while it
 * reconnects (and replay stale writes later) or, with the offline queue off, fail them while a first connection is
 * still being made.
 */
export class RedisConnection {
  readonly store: KeyvRedis<string>;
  /** Where a token's entry and lock live: on one hash slot in a cluster. */
  readonly keys: RedisKeyLayout;

  constructor(
    options: ResolvedAccessTokenOptions,
    private readonly topology: RedisTopology,
  ) {
    const client = createRedisClient(options, topology);
    this.keys = topology === 'cluster' ? clusterKeyLayout : nodeKeyLayout;
    this.store = new (keyvRedis().default)<string>(client as NodeClient, {
      throwOnConnectError: true,
      throwOnErrors: true,
      // A cluster or sentinel client ends its own connect (it gives up on unreachable seeds); cut short, it starts over.
      connectionTimeout: topology === 'node' ? 1_000 : undefined,
    });
    // Failures are reported by the operations that hit them; an unhandled 'error' event would crash the process.
    this.store.on('error', () => undefined);
    if (topology === 'cluster') followClusterFailovers(client as ClusterClient);
    // Connect now, so the first token request does not pay for it.
    void this.ready().catch(() => undefined);
  }

  /** The client once it is ready; waits for a (re)connection in progress. Callers bound the wait with a timeout. */
  async ready(): Promise<RedisLockCommands> {
    const client = await this.opened();
    // A cluster and a sentinel client route each command to a node connection of their own, which fails fast while
    // down (no offline queue) or waits for the new topology (bounded by the caller's timeout); a single node's client
    // says itself whether it is ready.
    if (this.topology !== 'node' || (client as NodeClient).isReady) {
      this.connectedOnce = true;
      return client as unknown as RedisLockCommands;
    }
    // One listener however many operations wait (they time out on their own; the listener stays until Redis is back).
    this.reconnected ??= new Promise<void>((resolve) =>
      (client as NodeClient).once('ready', () => {
        this.reconnected = undefined;
        resolve();
      }),
    );
    await this.reconnected;
    return client as unknown as RedisLockCommands;
  }

  /**
   * How long one command may take, waiting for a connection included. The first connection of a process gets longer:
   * a service starting under load should not give up on sharing for a slow first handshake.
   */
  get operationTimeoutMs(): number {
    if (this.connectedOnce) return 250;
    return this.topology === 'node' ? 1_500 : TOPOLOGY_CONNECT_TIMEOUT_MS;
  }

  /**
   * The connected client. Cluster and Sentinel clients count as open from the start of their first connect, before
   * they know the topology, so every caller waits on that first connect rather than ask `@keyv/redis`, which would
   * hand out the client half-way. A failed connect is tried again by the next caller.
   */
  private opened(): Promise<AnyRedisClient> {
    this.opening ??= (this.store.getClient() as Promise<AnyRedisClient>).catch((error: unknown) => {
      this.opening = undefined;
      throw error;
    });
    return this.opening;
  }

  private opening: Promise<AnyRedisClient> | undefined;
  private reconnected: Promise<void> | undefined;
  private connectedOnce = false;
}

/**
 * node-redis's cluster client refreshes its slot map only on a MOVED or ASK reply (node-redis issue 2806), which a
 * dead primary never sends: without this, the slots of a killed primary would stay routed to it after its replica
 * took over. Each error of a node connection (the reconnect attempts to a dead node, every <= 2 s) asks the cluster
 * for its topology again; node-redis runs one rediscovery at a time and drops nodes that left the slot map.
 */
function followClusterFailovers(cluster: ClusterClient): void {
  cluster.on('node-error', () => {
    // Asking a node that answers first saves a connect timeout; node-redis falls back to the seed nodes anyway.
    const start =
      cluster.masters.find((master) => master.client?.isReady)?.client ?? cluster.masters[0]?.client;
    if (!cluster.isOpen || start === undefined) return;
    void cluster._slots.rediscover(start).catch(() => undefined);
  });
}
