import { randomBytes } from 'node:crypto';
import type { RedisConnection } from './redis-connection.js';
import { withTimeout, type RemoteHealth } from './remote-health.js';
import type { LockAttempt, TokenLock } from './token-lock.interface.js';

/** Deletes the lock only if it still holds our value: a holder never releases a lock that expired and moved on. */
const RELEASE_IF_OWNER = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * `SET key owner NX PX ttl` with a random owner, released atomically by its owner only. A holder that dies releases
 * nothing: the lock expires on its own.
 */
export class RedisTokenLock implements TokenLock {
  constructor(
    private readonly redis: RedisConnection,
    private readonly health: RemoteHealth,
  ) {}

  async acquire(key: string, ttlMs: number): Promise<LockAttempt> {
    if (this.health.bypassed) return { status: 'unavailable' };
    const owner = randomBytes(16).toString('base64url');
    try {
      const reply = await withTimeout(
        this.redis.ready().then((client) =>
          client.set(this.redis.keys.lock(key), owner, {
            condition: 'NX',
            expiration: { type: 'PX', value: Math.ceil(ttlMs) },
          }),
        ),
        this.redis.operationTimeoutMs,
        'Redis SET NX',
      );
      this.health.succeeded();
      return reply === 'OK' ? { status: 'acquired', owner } : { status: 'held' };
    } catch (error) {
      this.health.failed(error);
      return { status: 'unavailable' };
    }
  }

  async release(key: string, owner: string): Promise<void> {
    try {
      const client = await withTimeout(this.redis.ready(), this.redis.operationTimeoutMs, 'Redis connect');
      await withTimeout(
        client.eval(RELEASE_IF_OWNER, { keys: [this.redis.keys.lock(key)], arguments: [owner] }),
        this.redis.operationTimeoutMs,
        'Redis lock release',
      );
    } catch (error) {
      // Not releasing is safe: the lock expires by itself.
      this.health.failed(error);
    }
  }

  async isHeld(key: string): Promise<boolean> {
    if (this.health.bypassed) return false;
    try {
      const client = await withTimeout(this.redis.ready(), this.redis.operationTimeoutMs, 'Redis connect');
      return (
        (await withTimeout(
          client.exists(this.redis.keys.lock(key)),
          this.redis.operationTimeoutMs,
          'Redis EXISTS',
        )) === 1
      );
    } catch (error) {
      this.health.failed(error);
      return false;
    }
  }
}
