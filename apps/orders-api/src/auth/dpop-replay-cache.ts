/** What became of a proof's `jti` (see `DPoPReplayCache.remember`). */
export type RememberOutcome = 'remembered' | 'replayed' | 'full';

/**
 * The `jti`s of accepted DPoP proofs, each kept for as long as its proof could still be accepted: that, and not the
 * signature, is what stops a replay (RFC 9449 section 11.1).
 *
 * Every entry is kept for the same time from its acceptance, so insertion order is expiry order and expired entries
 * leave from the front. At capacity, new proofs are refused rather than valid entries forgotten: a forgotten `jti`
 * could be replayed until its proof expires.
 */
export class DPoPReplayCache {
  private readonly expiries = new Map<string, number>();

  /**
   * @param capacity how many `jti`s may be remembered at once.
   * @param retentionMs how long a proof stays acceptable after it was accepted (its maximum age plus clock skew).
   */
  constructor(
    private readonly capacity: number,
    private readonly retentionMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Remembers `jti` unless it was seen before (`replayed`) or there is no room (`full`). */
  remember(jti: string): RememberOutcome {
    const now = this.now();
    for (const [seen, expiresAt] of this.expiries) {
      if (expiresAt > now) break;
      this.expiries.delete(seen);
    }
    if (this.expiries.has(jti)) return 'replayed';
    if (this.expiries.size >= this.capacity) return 'full';
    this.expiries.set(jti, now + this.retentionMs);
    return 'remembered';
  }

  /** Whole seconds until the oldest entry leaves and makes room (at least 1). */
  secondsUntilRoom(): number {
    const oldest = this.expiries.values().next().value;
    return Math.max(1, Math.ceil(((oldest ?? this.now()) - this.now()) / 1000));
  }
}
