/** Types of redis-server.mjs, the Redis launcher shared by the tests and the bench. */

export interface RunningRedis {
  url: string;
  /** SIGKILL: the outage a test simulates. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: no persistence). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A redis-server process of the caller's own, which it may also empty. */
export interface SpawnedRedis extends RunningRedis {
  port: number;
  /** `redis-server --version`, e.g. `Redis server v=7.0.15 ...`. */
  version: string;
  /** FLUSHALL. */
  flush(): Promise<void>;
}

/** The redis-server binary (REDIS_SERVER_BIN, else `redis-server` on PATH) and its version; throws when there is none. */
export function redisBinary(): { binary: string; version: string };

/** Sends one command over RESP; resolves with the first line of the reply. */
export function redisCommand(port: number, ...args: string[]): Promise<string>;

/** Spawns redis-server on a free loopback port (no persistence), whatever REDIS_URL says. */
export function spawnRedisServer(found?: { binary: string; version: string }): Promise<SpawnedRedis>;

/**
 * A real redis-server on a free loopback port, started and killed by the test (no persistence). With REDIS_URL set,
 * that Redis is used instead, and tests that must kill it fail with a message saying why.
 */
export function startRedisServer(): Promise<RunningRedis>;
