import type { AccessTokenError } from '../errors.js';
import { nextAttemptAt } from './attempt-timing.js';
import type { BackoffPolicy } from './backoff-policy.js';
import type { Clock } from './clock.js';
import { isPermanentFailure } from './failure-classification.js';
import type { TokenKeyState } from './token-key-state.js';
import type { TokenLog } from './token-log.js';

/**
 * What a failed token request, or a forced renewal, costs its key: the wait before the next attempt (the backoff, see
 * attempt-timing.ts for transient failures) and the log line, once per streak and error code.
 */
export class FailurePolicy {
  constructor(
    private readonly backoff: BackoffPolicy,
    private readonly log: TokenLog,
    private readonly clock: Clock,
    /** The base delay: the shortest gap between two attempts of one key. */
    private readonly cadenceMs: number,
  ) {}

  /**
   * Backs the key off after `error`. `servedUntil`: until when the token in hand is still served, if there is one.
   * @returns whether to retry in the background (a transient failure while a token still serves).
   */
  failed(state: TokenKeyState, error: AccessTokenError, startedAt: number, servedUntil?: number): boolean {
    const failedAt = this.clock.now();
    const permanent = isPermanentFailure(error);
    const first = state.failed(error, (failures) => {
      const backoffMs = this.backoff.delay(failures, error.retryAfterMs);
      if (permanent) return failedAt + backoffMs;
      return nextAttemptAt({
        startedAt,
        failedAt,
        backoffMs,
        retryAfterMs: this.backoff.retryAfterFloor(error.retryAfterMs),
        servedUntil,
        cadenceMs: this.cadenceMs,
      });
    });
    this.log.failed(state.client.name, error, state.retryAt - failedAt, first);
    return servedUntil !== undefined && !permanent;
  }

  /**
   * Forced renewals back off like failures: the first is made at once; the next, if the API rejected its token too,
   * waits a backoff step, and so on, until an ordinary renewal succeeds.
   */
  forcedRenewal(state: TokenKeyState): void {
    const now = this.clock.now();
    const count = state.forcedRenewal((n) => now + this.backoff.delay(n));
    if (count === 2) this.log.forcedRenewalsBackOff(state.client.name, state.forcedRenewalAt - now);
  }
}
