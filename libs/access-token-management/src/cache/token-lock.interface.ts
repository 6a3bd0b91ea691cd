/** The outcome of trying to take the cross-instance lock of a cache key. */
export type LockAttempt =
  | { status: 'acquired'; owner: string }
  /** Another instance is requesting this token now. */
  | { status: 'held' }
  /** The lock service does not answer now (Redis down, slow, or failing over): no other instance can be asked. */
  | { status: 'unavailable' }
  /** No lock service at all (in-process store, a user's cache): in-process single flight only. */
  | { status: 'none' };

/** A lock per cache key across the instances sharing a store, so one of them talks to the token endpoint. */
export interface TokenLock {
  acquire(key: string, ttlMs: number): Promise<LockAttempt>;
  /** Releases the lock if `owner` still holds it; a lock that expired and was taken over is left alone. */
  release(key: string, owner: string): Promise<void>;
  isHeld(key: string): Promise<boolean>;
}
