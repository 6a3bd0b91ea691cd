import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import { timeoutSignal, type Clock } from './clock.js';

/**
 * When token requests are made and how long one may hold the key, so that a renewal never outlives the token it
 * renews. The cadence is the backoff base delay (1 s by default): the shortest gap between two attempts of one key
 * in one process, and so about the time the manager needs to notice that a failing token endpoint is back.
 */

/**
 * How long a renewal may wait, for another instance's lock and for the token endpoint together: half the time the
 * current token can still be served (a second attempt fits in the other half), at least one cadence step, never
 * past the moment it stops being served and never longer than the request timeout.
 */
export function renewalBudgetMs(servedForMs: number, requestTimeoutMs: number, cadenceMs: number): number {
  return Math.max(0, Math.min(requestTimeoutMs, servedForMs, Math.max(cadenceMs, servedForMs / 2)));
}

/** What {@link nextAttemptAt} decides from. All times are epoch ms. */
export interface FailedAttempt {
  /** When the failed attempt started. */
  readonly startedAt: number;
  /** When it failed. */
  readonly failedAt: number;
  /** The backoff delay after this failure (exponential, jittered, at least the server's `Retry-After`). */
  readonly backoffMs: number;
  /** The server's `Retry-After`, if it sent one: never asked again sooner. */
  readonly retryAfterMs?: number;
  /** Until when the token in hand can still be served; absent when there is none. */
  readonly servedUntil?: number;
  readonly cadenceMs: number;
}

/**
 * When the next attempt may start after a transient failure.
 * - With a token still served: after the backoff, but no later than one cadence step before that token stops being
 *   served, so an endpoint that is back by then is asked once more in time.
 * - Without one: one cadence step after the failure, not the growing backoff, since every call fails until a token
 *   comes; recovery is then noticed within a cadence step.
 * Never sooner than one cadence step after the failed attempt started, nor before the server's `Retry-After`.
 */
export function nextAttemptAt(attempt: FailedAttempt): number {
  const { startedAt, failedAt, backoffMs, servedUntil, cadenceMs } = attempt;
  const planned =
    servedUntil === undefined
      ? failedAt + cadenceMs
      : Math.min(failedAt + backoffMs, servedUntil - cadenceMs);
  return Math.max(planned, startedAt + cadenceMs, failedAt + (attempt.retryAfterMs ?? 0));
}

/** How long one attempt may still wait, for another instance's lock and for the token endpoint together. */
export interface RenewalBudget {
  /** Aborts when the budget is spent, with an `ERR_TOKEN_ENDPOINT_UNAVAILABLE` as its reason; absent without one. */
  readonly signal?: AbortSignal;
  /** What is left of it, in ms (Infinity without one). */
  remainingMs(): number;
  /** Stops its timer: the attempt is over. */
  end(): void;
}

/** A budget of `budgetMs` from now, measured by the clock's timers; `Infinity` is no budget (nothing to abort). */
export function startBudget(clock: Clock, budgetMs: number, clientName: string): RenewalBudget {
  if (budgetMs === Infinity) return { remainingMs: () => Infinity, end: () => undefined };
  const endsAt = clock.now() + budgetMs;
  const spent = new AccessTokenError(
    AccessTokenErrorCode.TokenEndpointUnavailable,
    `Token request of client '${clientName}' given up after ${Math.round(budgetMs)} ms: ` +
      'a renewal may take only part of the time its token can still be served',
    clientName,
  );
  const { signal, cancel } = timeoutSignal(clock, budgetMs, spent);
  return { signal, remainingMs: () => endsAt - clock.now(), end: cancel };
}

/**
 * What `request` answers, or the budget's error once it is spent. The request gets the budget's signal, so one given
 * up on is aborted (its connection closed) rather than left to its own timeout.
 */
export function withinBudget<T>(
  request: (signal?: AbortSignal) => Promise<T>,
  budget: RenewalBudget,
): Promise<T> {
  const { signal } = budget;
  if (signal === undefined) return request();
  return new Promise<T>((resolve, reject) => {
    const spent = () => reject(signal.reason);
    if (signal.aborted) return spent();
    signal.addEventListener('abort', spent, { once: true });
    request(signal).then(
      (value) => {
        signal.removeEventListener('abort', spent);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', spent);
        reject(error);
      },
    );
  });
}
