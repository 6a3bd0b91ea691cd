import type { AccessToken } from '../access-token.js';
import type { CachedToken } from '../cache/cached-token.interface.js';
import type { Clock } from './clock.js';
import { servedUntil } from './renewal-policy.js';
import { SingleFlight } from './single-flight.js';
import type { TokenFetcher } from './token-fetcher.js';
import type { TokenKeyState } from './token-key-state.js';
import type { TokenMetrics } from './token-metrics.js';

/**
 * The token requests of this process: per key at most one at a time, shared by every caller that arrives meanwhile
 * (single flight), and none inside the key's backoff window, where callers get the last error at once.
 */
export class TokenRequests {
  private readonly flights = new SingleFlight<AccessToken>();

  constructor(
    private readonly fetcher: TokenFetcher,
    private readonly clock: Clock,
    private readonly metrics: TokenMetrics,
    private readonly expirySafetyMarginSeconds: number,
    /** Aborted when the manager closes: no background renewal starts after it. */
    private readonly closed: AbortSignal,
  ) {}

  /** The request running for `key`, if any. */
  current(key: string): Promise<AccessToken> | undefined {
    return this.flights.current(key);
  }

  /**
   * Starts a token request renewing `cached` (`forced`: whatever the cache holds), or joins the one running. Inside
   * the backoff window: the still-served `cached` token of an ordinary call, else the last error.
   */
  start(state: TokenKeyState, cached: CachedToken | undefined, forced: boolean): Promise<AccessToken> {
    const now = this.clock.now();
    if (state.backingOff(now)) {
      if (!forced && cached && now < servedUntil(cached, this.expirySafetyMarginSeconds)) {
        return Promise.resolve(cached.token);
      }
      return Promise.reject(state.lastError);
    }
    return this.flights.run(state.key, () => this.fetcher.fetch(state, cached, forced));
  }

  /** Renews `cached` now, without making anyone wait, unless a request is running or the key is backing off. */
  startInBackground(state: TokenKeyState, cached: CachedToken): void {
    if (this.closed.aborted || this.flights.current(state.key) || state.backingOff(this.clock.now())) return;
    this.metrics.backgroundRefresh(state.client.name);
    this.flights.run(state.key, () => this.fetcher.fetch(state, cached, false)).catch(() => undefined);
  }
}
