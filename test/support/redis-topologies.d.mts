/** Types of redis-topologies.mjs: Redis Cluster and Sentinel deployments of real redis-server processes. */

/** One redis-server process of a deployment. */
export interface RedisNodeProcess {
  port: number;
  /** Whether it was started and not killed. */
  readonly running: boolean;
  start(): Promise<void>;
  /** SIGKILL: the failure a test simulates. */
  kill(): Promise<void>;
}

export interface RunningCluster {
  /** `redis://127.0.0.1:<port>` of every node, primaries first as created. */
  urls: string[];
  nodes: RedisNodeProcess[];
  /** The nodes that are primaries now (not failing), as the cluster sees it. */
  primaries(): Promise<RedisNodeProcess[]>;
  /** Resolves once every slot is served and every replica is in sync. */
  healthy(): Promise<void>;
  stop(): Promise<void>;
}

export interface RunningSentinel {
  master: string;
  /** `127.0.0.1:<port>` of the three sentinels. */
  sentinels: string[];
  primary: RedisNodeProcess;
  replica: RedisNodeProcess;
  /** The port of the primary the sentinels name now. */
  primaryPort(): Promise<number>;
  healthy(): Promise<void>;
  stop(): Promise<void>;
}

/** `redis-cli -p port ...args`: the reply as text. */
export function redisCli(port: number, ...args: string[]): Promise<string>;

/** A Redis Cluster made by `redis-cli --cluster create`; nodes judged failed after 1 s. */
export function startRedisCluster(options?: {
  primaries?: number;
  replicas?: number;
}): Promise<RunningCluster>;

/** A primary, a replica and three sentinels (quorum 2); a primary judged down after 1 s. */
export function startRedisSentinel(options?: { master?: string }): Promise<RunningSentinel>;
