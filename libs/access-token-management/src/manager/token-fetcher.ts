import type { AccessToken } from '../access-token.js';
import type { CachedToken } from '../cache/cached-token.interface.js';
import type { TokenStore } from '../cache/token-store.interface.js';
import type { ResolvedAccessTokenOptions } from '../config/resolved-options.interface.js';
import type { AccessTokenError } from '../errors.js';
import type { TokenEndpoint } from '../protocol/token-endpoint.js';
import { renewalBudgetMs, startBudget, withinBudget, type RenewalBudget } from './attempt-timing.js';
import type { Clock } from './clock.js';
import type { CredentialsCheck } from './configured-clients.js';
import { isRefusedClient } from './failure-classification.js';
import type { FailurePolicy } from './failure-policy.js';
import type { RefreshScheduler } from './refresh-scheduler.js';
import { renewalPoint, servedUntil } from './renewal-policy.js';
import type { TokenKeyState } from './token-key-state.js';
import type { TokenLog } from './token-log.js';
import type { TokenMetrics } from './token-metrics.js';
import type { TurnTaking } from './turn-taking.js';

/** The collaborators of a token request, handed over by the manager. */
export interface TokenFetcherParts {
  readonly options: ResolvedAccessTokenOptions;
  readonly store: TokenStore;
  readonly endpoint: TokenEndpoint;
  readonly turns: TurnTaking;
  readonly refresh: RefreshScheduler;
  readonly failures: FailurePolicy;
  readonly metrics: TokenMetrics;
  readonly log: TokenLog;
  readonly clock: Clock;
  /** Re-reads a client's credential files if they changed (before each token request, and on `invalid_client`). */
  readonly checkCredentials: (state: TokenKeyState) => CredentialsCheck;
  /** The call again, under the key of the client's new binding (a rotated certificate or DPoP key). */
  readonly rebound: (state: TokenKeyState) => Promise<AccessToken>;
}

/** One token request in the making: what it may fall back to and how long it may wait. */
interface Attempt {
  /** The token it renews, while that can still be served. */
  readonly fallback?: CachedToken;
  readonly forced: boolean;
  /** The key's `generation` when it started: a deletion since then voids the fallback. */
  readonly generation: number;
  /** A renewal never outlives the token it renews: it waits only part of the time that token can still be served. */
  readonly budget: RenewalBudget;
}

/**
 * Gets a key a new token: adopts one another instance stored meanwhile, else takes its turn across instances and asks
 * the token endpoint within its budget; stores what it gets and plans its renewal, or records the failure and serves
 * the token it renews while that is still valid.
 */
export class TokenFetcher {
  constructor(private readonly parts: TokenFetcherParts) {}

  /** A new token for `state`, renewing `cached` (`forced`: whatever the cache holds). */
  async fetch(state: TokenKeyState, cached: CachedToken | undefined, forced: boolean): Promise<AccessToken> {
    const { clock, options } = this.parts;
    const fallback = !forced && cached && clock.now() < this.servedUntil(cached) ? cached : undefined;
    const budgetMs = fallback
      ? renewalBudgetMs(
          this.servedUntil(fallback) - clock.now(),
          state.client.requestTimeoutMs,
          options.backoffBaseMs,
        )
      : Infinity;
    const budget = startBudget(clock, budgetMs, state.client.name);
    try {
      return await this.attempt(state, cached, { fallback, forced, generation: state.generation, budget });
    } finally {
      budget.end();
    }
  }

  private async attempt(
    state: TokenKeyState,
    cached: CachedToken | undefined,
    attempt: Attempt,
  ): Promise<AccessToken> {
    if (attempt.forced) return this.request(state, attempt);
    // Another flight or another instance may have stored a token since the caller read the cache: use it rather
    // than fetch again. (The token being replaced does not count: a jittered refresh runs before its renewal point.)
    const latest = await this.newerToken(state, cached);
    if (latest) return latest;
    const turn = await this.parts.turns.take({
      key: state.key,
      requestTimeoutMs: state.client.requestTimeoutMs,
      budget: attempt.budget,
      // Without background refresh the renewal is the caller's own call: one a valid token can serve never waits.
      mayWait: !(attempt.fallback && !this.parts.options.refreshAhead),
      stored: () => this.newerToken(state, cached),
    });
    if (turn.kind === 'adopted') return turn.token;
    if (turn.kind === 'gave-up') {
      // Keep serving; the next call past the renewal point tries again. With nothing left to serve, wait and fetch
      // like any caller without a token.
      const served = this.servable(state, attempt);
      return served ? served.token : this.fetch(state, undefined, false);
    }
    try {
      return await this.request(state, attempt, turn.owner !== undefined);
    } finally {
      if (turn.owner !== undefined) this.parts.turns.release(state.key, turn.owner);
    }
  }

  /**
   * Asks the token endpoint, then stores the token and plans its renewal, or records the failure. Credential files
   * are checked first; an `invalid_client` answer checks them again and, if they changed (a rotation the server saw
   * first), asks once more.
   */
  private async request(state: TokenKeyState, attempt: Attempt, lockHeld = false): Promise<AccessToken> {
    const { client } = state;
    const { clock, metrics } = this.parts;
    this.parts.checkCredentials(state);
    // The certificate or DPoP key changed (now, or since this key was made): the call goes to the new binding's key.
    if (state.binding !== state.material.binding) return this.parts.rebound(state);
    if (state.failures > 0) metrics.retry(client.name);
    if (attempt.forced) this.parts.failures.forcedRenewal(state);
    const started = clock.now();
    let token: AccessToken;
    try {
      token = await this.send(state, attempt);
    } catch (caught) {
      const error = caught as AccessTokenError;
      if (!isRefusedClient(error) || this.parts.checkCredentials(state) === 'unchanged') {
        return this.failed(state, attempt, error, started);
      }
      if (state.binding !== state.material.binding) return this.parts.rebound(state);
      try {
        token = await this.send(state, attempt);
      } catch (again) {
        return this.failed(state, attempt, again as AccessTokenError, started);
      }
    }
    const received = clock.now();
    metrics.request(client.name, 'success', (received - started) / 1000);
    const expiresAt = token.expiresAt.getTime();
    const entry = {
      token,
      renewAt: renewalPoint(received, expiresAt, this.parts.options.refreshBeforeExpirySeconds),
    };
    // A client removed meanwhile: its callers get the token, the caches do not.
    if (state.retired !== 'removed') await this.parts.store.set(state.key, entry, { lockHeld });
    const recovered = state.succeeded(expiresAt, attempt.forced);
    const renewed = attempt.fallback !== undefined || attempt.forced;
    this.parts.log.obtained(client.name, token.expiresAt, renewed, received - started, recovered);
    this.parts.refresh.stored(state, entry);
    return token;
  }

  private send(state: TokenKeyState, attempt: Attempt): Promise<AccessToken> {
    const request = (signal?: AbortSignal) =>
      this.parts.endpoint.requestToken(state.client, state.material, state.request, signal);
    // The request's own timeout comes first unless the renewal's budget is shorter.
    return attempt.budget.remainingMs() < state.client.requestTimeoutMs
      ? withinBudget(request, attempt.budget)
      : request();
  }

  /** Backs off; serves the fallback if there still is one (retrying a transient failure in the background). */
  private failed(
    state: TokenKeyState,
    attempt: Attempt,
    error: AccessTokenError,
    startedAt: number,
  ): AccessToken {
    this.parts.metrics.request(
      state.client.name,
      'failure',
      (this.parts.clock.now() - startedAt) / 1000,
      error.code,
    );
    const fallback = this.servable(state, attempt);
    const retry = this.parts.failures.failed(state, error, startedAt, fallback && this.servedUntil(fallback));
    if (!fallback) throw error;
    // Transient trouble: try again in the background after the backoff, while the old token serves.
    if (retry) this.parts.refresh.at(state, state.retryAt);
    return fallback.token;
  }

  /** The attempt's fallback, if it may still be served: not deleted since the attempt began, not past its margin. */
  private servable(state: TokenKeyState, attempt: Attempt): CachedToken | undefined {
    const { fallback } = attempt;
    if (fallback === undefined || state.generation !== attempt.generation) return undefined;
    return this.parts.clock.now() < this.servedUntil(fallback) ? fallback : undefined;
  }

  /** A token in the shared store newer than `replaced` and before its renewal point, adopted as ours. */
  private async newerToken(
    state: TokenKeyState,
    replaced: CachedToken | undefined,
  ): Promise<AccessToken | undefined> {
    const latest = await this.parts.store.get(state.key, { shared: true });
    if (!latest || latest.token.value === replaced?.token.value || this.parts.clock.now() >= latest.renewAt)
      return undefined;
    this.parts.refresh.stored(state, latest);
    return latest.token;
  }

  private servedUntil(entry: CachedToken): number {
    return servedUntil(entry, this.parts.options.expirySafetyMarginSeconds);
  }
}
