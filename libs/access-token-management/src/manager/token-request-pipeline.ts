import type { TokenStore } from '../cache/token-store.interface.js';
import type { ResolvedAccessTokenOptions } from '../config/resolved-options.interface.js';
import { TokenEndpoint } from '../protocol/token-endpoint.js';
import type { TokenLogger } from '../token-logger.js';
import { BackoffPolicy } from './backoff-policy.js';
import type { Clock } from './clock.js';
import { FailurePolicy } from './failure-policy.js';
import type { RefreshScheduler } from './refresh-scheduler.js';
import { TokenFetcher, type TokenFetcherParts } from './token-fetcher.js';
import { TokenLog } from './token-log.js';
import type { TokenMetrics } from './token-metrics.js';
import { TokenRequests } from './token-requests.js';
import { TurnTaking } from './turn-taking.js';

/** What the manager hands to the making of its token requests. */
export interface TokenRequestPipelineParts {
  readonly options: ResolvedAccessTokenOptions;
  readonly store: TokenStore;
  readonly refresh: RefreshScheduler;
  readonly metrics: TokenMetrics;
  readonly logger: TokenLogger;
  readonly clock: Clock;
  readonly random: () => number;
  /** Aborted when the manager closes: lock waits end, no background renewal starts. */
  readonly closed: AbortSignal;
  readonly checkCredentials: TokenFetcherParts['checkCredentials'];
  readonly rebound: TokenFetcherParts['rebound'];
}

/**
 * The token requests of a manager, assembled: single flight and the backoff gate in front of the fetcher, which takes
 * turns across instances, asks the token endpoint, and records what comes back or fails.
 */
export function createTokenRequests(parts: TokenRequestPipelineParts): TokenRequests {
  const { options, store, clock, metrics, closed } = parts;
  const log = new TokenLog(parts.logger);
  const backoff = new BackoffPolicy(options.backoffBaseMs, options.backoffMaxMs, parts.random);
  const fetcher = new TokenFetcher({
    options,
    store,
    endpoint: new TokenEndpoint(options.defaultLifetimeSeconds, clock.now),
    turns: new TurnTaking(store.lock, clock, closed),
    refresh: parts.refresh,
    failures: new FailurePolicy(backoff, log, clock, options.backoffBaseMs),
    metrics,
    log,
    clock,
    checkCredentials: parts.checkCredentials,
    rebound: parts.rebound,
  });
  return new TokenRequests(fetcher, clock, metrics, options.expirySafetyMarginSeconds, closed);
}
