/** `Retry-After` is honoured up to this; a server asking for longer still gets asked again after 5 minutes. */
const MAX_RETRY_AFTER_MS = 5 * 60_000;

/**
 * Delays between failing token requests: exponential with full jitter (AWS's "full jitter", spread uniformly up to the
 * exponential ceiling) above a floor of one base delay, so attempts per window stay bounded however the dice fall.
 * A `Retry-After` from the server is a lower bound.
 */
export class BackoffPolicy {
  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** Delay before the next attempt after `failures` consecutive failures (>= 1). */
  delay(failures: number, retryAfterMs?: number): number {
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(Math.max(failures - 1, 0), 30));
    const jittered = this.baseMs + this.random() * (ceiling - this.baseMs);
    return retryAfterMs === undefined ? jittered : Math.max(jittered, this.retryAfterFloor(retryAfterMs));
  }

  /** The part of a server's `Retry-After` that is honoured: no attempt sooner than this. */
  retryAfterFloor(retryAfterMs: number | undefined): number {
    return retryAfterMs === undefined ? 0 : Math.min(retryAfterMs, MAX_RETRY_AFTER_MS);
  }
}
