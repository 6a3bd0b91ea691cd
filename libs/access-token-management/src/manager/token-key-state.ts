import type { RecencyLinks } from '../cache/recency-list.js';
import type { ResolvedClientOptions } from '../config/resolved-options.interface.js';
import type { AccessTokenError } from '../errors.js';
import type { ClientMaterial } from '../protocol/client-material.js';
import type { TokenRequest } from '../protocol/token-request.interface.js';
import type { ConfiguredClient } from './configured-clients.js';
import type { LongTimer } from './long-timer.js';

/**
 * What this process knows about one cache key (client + scope + resource): its failure streak and backoff, its forced
 * renewals, whether its token is in use, and its background refresh timer. Never holds the token itself. Its counters
 * change only through its methods, each one event of the key's life.
 */
export class TokenKeyState implements RecencyLinks<TokenKeyState> {
  /** Consecutive failed token requests. */
  failures = 0;
  /** No token request before this (epoch ms): the backoff window. */
  retryAt = 0;
  lastError?: AccessTokenError;
  /** A caller was served the current token since it was stored: worth renewing in the background. */
  inUse = false;
  /** Expiry of the newest token seen for this key (epoch ms). */
  validUntil?: number;
  /** Counts deletions: an attempt started before one never falls back to the token it held. */
  generation = 0;
  /** Forced renewals since the last ordinary one: they back off like failures (an API rejecting every token). */
  forcedRenewals = 0;
  /** No forced renewal before this (epoch ms); a forced call before it is an ordinary call. */
  forcedRenewalAt = 0;
  /** The planned background renewal; kept by the `RefreshScheduler`. */
  refreshTimer?: LongTimer;
  /** The error code last logged at warn level; repeats of it are logged at debug level only. */
  private loggedCode?: string;
  /** Forgotten by the manager: `evicted` (least recently used) plans no timer; `removed` also keeps no result. */
  retired?: 'evicted' | 'removed';
  /** The call arguments (`scope`, `resource` as given) that find this state in the call index. */
  readonly calls: Array<readonly [scope: unknown, resource: unknown]> = [];
  /** The client the key was made for (kept by `TokenKeys`): a use of the key is a use of its client. */
  owner?: ConfiguredClient;
  /** Recency links, kept by `TokenKeys`. */
  older: TokenKeyState | undefined;
  newer: TokenKeyState | undefined;

  constructor(
    readonly key: string,
    readonly client: ResolvedClientOptions,
    readonly material: ClientMaterial,
    readonly request: TokenRequest,
    /** The material's binding the key was made with: once the material's differs, calls find a new key. */
    readonly binding: string | undefined = material.binding,
  ) {}

  /** In the backoff window after a failure: no token request now. */
  backingOff(now: number): boolean {
    return this.lastError !== undefined && now < this.retryAt;
  }

  /** A caller was handed the cached token. */
  used(): void {
    this.inUse = true;
  }

  /** A token of this key was seen (stored here or by another instance). */
  seen(expiresAt: number): void {
    this.validUntil = Math.max(this.validUntil ?? 0, expiresAt);
  }

  /**
   * A token request succeeded: the failure streak ends and the new token starts unused; an ordinary one also ends
   * the forced renewals' backoff. Returns how many failed attempts it recovered from.
   */
  succeeded(expiresAt: number, forced: boolean): number {
    const recovered = this.failures;
    if (!forced) this.forcedRenewals = 0;
    this.failures = 0;
    this.retryAt = 0;
    this.lastError = undefined;
    this.loggedCode = undefined;
    this.inUse = false;
    this.validUntil = expiresAt;
    return recovered;
  }

  /**
   * A token request failed: backs off until `retryAt(failures)`, given the streak's new length. Returns whether the
   * error's code is new to the streak (worth a warning; repeats are not).
   */
  failed(error: AccessTokenError, retryAt: (failures: number) => number): boolean {
    this.failures += 1;
    this.lastError = error;
    this.retryAt = retryAt(this.failures);
    if (this.loggedCode === error.code) return false;
    this.loggedCode = error.code;
    return true;
  }

  /** A forced renewal starts; the next waits until `nextAt(count)`. Returns how many there were in a row. */
  forcedRenewal(nextAt: (count: number) => number): number {
    this.forcedRenewals += 1;
    this.forcedRenewalAt = nextAt(this.forcedRenewals);
    return this.forcedRenewals;
  }

  /** The key's token was deleted: nothing is valid, and attempts in flight must not fall back to it. */
  deleted(): void {
    this.validUntil = undefined;
    this.generation += 1;
  }
}
