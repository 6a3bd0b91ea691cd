import type { TokenLock } from '../cache/token-lock.interface.js';
import type { AccessToken } from '../access-token.js';
import type { RenewalBudget } from './attempt-timing.js';
import { sleep, timeoutSignal, type Clock } from './clock.js';

/** A token request holds the cross-instance lock for as long as it may wait on the endpoint plus this much. */
export const LOCK_MARGIN_MS = 2_000;

/** The share of a renewal's budget it may wait on a store that does not answer: the rest is for the token request. */
export const OUTAGE_SHARE = 0.5;

/** Whose turn it is to ask the token endpoint. */
export type Turn =
  /** Another instance stored a token meanwhile: use it. */
  | { readonly kind: 'adopted'; readonly token: AccessToken }
  /** Ours: with the lock (`owner`, released after the request), or without one (none, or waited long enough). */
  | { readonly kind: 'ours'; readonly owner?: string }
  /** The budget went on waiting for another instance: serve the token in hand instead. */
  | { readonly kind: 'gave-up' };

/** One request for a turn. */
export interface TurnRequest {
  readonly key: string;
  readonly requestTimeoutMs: number;
  readonly budget: RenewalBudget;
  /**
   * Whether it may wait on another instance at all (a caller's own renewal with a valid token in hand may not). Only
   * a renewal (a finite budget) waits on a store that does not answer.
   */
  readonly mayWait: boolean;
  /** A token another instance stored since the attempt began, if any. */
  readonly stored: () => Promise<AccessToken | undefined>;
}

/**
 * Cross-instance single flight: take the key's lock, or wait (polling with backoff) for the instance that holds it to
 * store a token. A holder that dies leaves a lock that expires; then a waiter takes it. A waiter without a usable
 * token waits at most one lock lifetime (request timeout + margin), then requests a token itself rather than wait on
 * a stuck peer; a background renewal waits at most its budget, a caller's own renewal not at all, then gives up and
 * keeps serving its token. When the lock's store does not answer (an outage, a failover), a background renewal keeps
 * asking it for up to half its budget ({@link OUTAGE_SHARE}) before it goes alone, so the instances whose renewals
 * fall inside a failover take turns again once the new primary answers instead of each renewing on its own; a caller
 * without a usable token, or a caller's own renewal, goes alone at once. Every wait is measured by the clock's timers.
 */
export class TurnTaking {
  constructor(
    private readonly lock: TokenLock,
    private readonly clock: Clock,
    /** Aborted when the manager closes: a waiter stops waiting. */
    private readonly closed: AbortSignal,
  ) {}

  async take(request: TurnRequest): Promise<Turn> {
    const { key, budget } = request;
    // Longer than this request may wait on the endpoint, so a live holder never loses its lock mid-request.
    const lockLifetimeMs = () => Math.min(request.requestTimeoutMs, budget.remainingMs()) + LOCK_MARGIN_MS;
    const waitMs = lockLifetimeMs();
    // Whichever ends first, the budget or one lock lifetime, ends the wait; only the budget's end gives up.
    const budgetEndsWait = budget.remainingMs() <= waitMs;
    const wait = budgetEndsWait ? undefined : timeoutSignal(this.clock, waitMs);
    const stop = (wait?.signal ?? budget.signal) as AbortSignal;
    // Started at the first unanswered attempt; its end sends the renewal on alone.
    let outage: { signal: AbortSignal; cancel: () => void } | undefined;
    try {
      let pause = 25;
      for (;;) {
        const taken = await this.lock.acquire(key, lockLifetimeMs());
        if (taken.status === 'acquired') {
          // The previous holder may have stored its token and released just before we asked.
          const stored = await request.stored();
          if (!stored) return { kind: 'ours', owner: taken.owner };
          void this.lock.release(key, taken.owner);
          return { kind: 'adopted', token: stored };
        }
        if (taken.status === 'none') return { kind: 'ours' };
        if (taken.status === 'unavailable') {
          // A caller without a usable token never waits on a store that does not answer: only a renewal has a budget.
          if (!request.mayWait || budget.signal === undefined) return { kind: 'ours' };
          outage ??= timeoutSignal(this.clock, budget.remainingMs() * OUTAGE_SHARE);
          if (outage.signal.aborted || this.closed.aborted) return { kind: 'ours' };
          await sleep(this.clock, pause, outage.signal);
          pause = Math.min(pause * 1.5, 250);
          // Another instance may have reached the store (and renewed) first.
          const shared = await request.stored();
          if (shared) return { kind: 'adopted', token: shared };
          continue;
        }
        if (!request.mayWait) return { kind: 'gave-up' };
        do {
          if (this.closed.aborted) return { kind: 'ours' };
          if (stop.aborted) return budgetEndsWait ? { kind: 'gave-up' } : { kind: 'ours' };
          await sleep(this.clock, pause, stop);
          pause = Math.min(pause * 1.5, 250);
          const shared = await request.stored();
          if (shared) return { kind: 'adopted', token: shared };
        } while (await this.lock.isHeld(key));
        // Released (or expired) without a new token: the holder failed. Try to take over.
      }
    } finally {
      wait?.cancel();
      outage?.cancel();
    }
  }

  /** Lets the next instance have its turn. */
  release(key: string, owner: string): void {
    void this.lock.release(key, owner);
  }
}
