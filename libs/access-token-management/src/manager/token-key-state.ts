import type { ResolvedClientOptions } from '../config/resolved-options.interface.js';
import type { AccessTokenError } from '../errors.js';
import type { TokenRequest } from '../protocol/token-request.interface.js';
import type { LongTimer } from './long-timer.js';

/**
 * What this process knows about one cache key (client + scope + resource): its failure streak and backoff, whether
 * its token is in use, and its background refresh timer. Never holds the token itself.
 */
export interface TokenKeyState {
  readonly key: string;
  readonly client: ResolvedClientOptions;
  readonly request: TokenRequest;
  /** Consecutive failed token requests. */
  failures: number;
  /** No token request before this (epoch ms): the backoff window. */
  retryAt: number;
  lastError?: AccessTokenError;
  /** The error code last logged at warn level; repeats of it are logged at debug level only. */
  loggedCode?: string;
  /** A caller was served the current token since it was stored: worth renewing in the background. */
  inUse: boolean;
  /** Expiry of the newest token seen for this key (epoch ms). */
  validUntil?: number;
  /** Counts `deleteAccessToken` calls: a flight started before one never falls back to the token it held. */
  generation: number;
  /** Forced renewals since the last ordinary one: they back off like failures (an API rejecting every token). */
  forcedRenewals: number;
  /** No forced renewal before this (epoch ms); a forced call before it is an ordinary call. */
  forcedRenewalAt: number;
  timer?: LongTimer;
}
