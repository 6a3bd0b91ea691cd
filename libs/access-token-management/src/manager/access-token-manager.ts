import { tokenCacheKey } from '../cache/cache-key.js';
import type { TokenStore, CachedToken } from '../cache/token-store.interface.js';
import { createTokenStore } from '../cache/token-store.factory.js';
import type { AccessTokenOptions } from '../config/client-options.interface.js';
import {
  isResourceIndicator,
  isScope,
  normalizeScope,
  resolveAccessTokenOptions,
} from '../config/options.validation.js';
import type {
  ResolvedAccessTokenOptions,
  ResolvedClientOptions,
} from '../config/resolved-options.interface.js';
import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import type { AccessToken } from '../access-token.js';
import { ClientMaterial } from '../protocol/client-material.js';
import { TokenEndpoint } from '../protocol/token-endpoint.js';
import { nextAttemptAt, renewalBudgetMs, withinBudget } from './attempt-timing.js';
import { BackoffPolicy } from './backoff-policy.js';
import { CallIndex } from './call-index.js';
import { isPermanentFailure } from './failure-classification.js';
import { startLongTimer } from './long-timer.js';
import { renewalPoint } from './renewal-policy.js';
import { SingleFlight } from './single-flight.js';
import type { TokenKeyState } from './token-key-state.js';
import { silentLogger, type TokenLogger } from '../token-logger.js';
import { TokenMetrics, type Meter } from './token-metrics.js';
import type { AccessTokenStatus } from './token-status.interface.js';
import { tokenStatuses } from './token-status.js';
import type {
  AccessTokenClient,
  ClientTransport,
  GetAccessTokenOptions,
  TokenCallOptions,
  TokenSource,
} from './token-source.interface.js';

export type { GetAccessTokenOptions } from './token-source.interface.js';

/** Collaborators of the manager; all optional. */
export interface AccessTokenManagerDependencies {
  logger?: TokenLogger;
  /** The clock, in epoch ms. Tests pass a controllable one. */
  now?: () => number;
  /** Source of randomness for jitter, in [0, 1). Tests pass a fixed one. */
  random?: () => number;
  /** OpenTelemetry meter for the metrics. Default: the global meter provider's (a no-op without an SDK). */
  meter?: Meter;
}

/** A token request holds the cross-instance lock for as long as it may wait on the endpoint plus this much. */
const LOCK_MARGIN_MS = 2_000;

const NO_OPTIONS: GetAccessTokenOptions = Object.freeze({});

/** One token request in the making: what it may fall back to and until when it may wait. */
interface Attempt {
  /** The token it renews, while that can still be served. */
  readonly fallback?: CachedToken;
  readonly forced: boolean;
  /** `TokenKeyState.generation` when it started: a deletion since then voids the fallback. */
  readonly generation: number;
  /** Real-clock epoch ms after which a renewal stops waiting (Infinity: the request timeout alone bounds it). */
  readonly waitUntil: number;
}

/**
 * Gives out access tokens for the configured clients: served from the cache, renewed in the background before they
 * expire while callers keep getting the cached one, one token request per client, scope and resource however many
 * callers race for it, failures never cached but backed off (callers in the backoff window get the last error at once).
 * A plain class: use it with or without Nest.
 *
 * ```ts
 * const manager = new AccessTokenManager(accessTokenOptionsFromEnv());
 * const token = await manager.getAccessToken('orders');
 * ```
 */
export class AccessTokenManager implements TokenSource {
  /** The validated options, defaults filled in. */
  readonly options: ResolvedAccessTokenOptions;
  private readonly store: TokenStore;
  private readonly endpoint: TokenEndpoint;
  /** Each client's keys and fetch, built once here and handed to the token endpoint and the HTTP layer. */
  private readonly materials = new Map<string, ClientMaterial>();
  private readonly flights = new SingleFlight<AccessToken>();
  private readonly states = new Map<string, TokenKeyState>();
  /** Call arguments as given -> their key's state, so the hot path neither re-validates nor re-hashes. */
  private readonly calls = new CallIndex<TokenKeyState>();
  private readonly backoff: BackoffPolicy;
  private readonly metrics: TokenMetrics;
  private readonly logger: TokenLogger;
  private readonly now: () => number;
  private readonly random: () => number;
  private closed = false;

  /** @throws AccessTokenError `ERR_CONFIG_INVALID` when the options are not usable. */
  constructor(
    options: AccessTokenOptions | ResolvedAccessTokenOptions,
    dependencies: AccessTokenManagerDependencies = {},
  ) {
    this.options = resolveAccessTokenOptions(options);
    this.logger = dependencies.logger ?? silentLogger;
    this.now = dependencies.now ?? Date.now;
    this.random = dependencies.random ?? Math.random;
    this.metrics = new TokenMetrics(dependencies.meter);
    this.backoff = new BackoffPolicy(this.options.backoffBaseMs, this.options.backoffMaxMs, this.random);
    this.store = createTokenStore(this.options, this.logger, this.now);
    this.endpoint = new TokenEndpoint(this.options.defaultLifetimeSeconds, this.now);
    for (const client of this.options.clients.values()) {
      this.materials.set(client.name, new ClientMaterial(client));
    }
  }

  /** Names of the configured clients. */
  get clientNames(): string[] {
    return [...this.options.clients.keys()];
  }

  /** The validated settings of one client. @throws AccessTokenError `ERR_CLIENT_NOT_FOUND` */
  getClientOptions(clientName: string): ResolvedClientOptions {
    const client = this.options.clients.get(clientName);
    if (client === undefined) {
      throw new AccessTokenError(
        AccessTokenErrorCode.ClientNotFound,
        `No access token client named '${clientName}' is configured (configured: ${this.clientNames.join(', ')})`,
        clientName,
      );
    }
    return client;
  }

  /** The public view of one client: what it is, never its secret or keys. @throws AccessTokenError `ERR_CLIENT_NOT_FOUND` */
  getClient(clientName: string): AccessTokenClient {
    const client = this.getClientOptions(clientName);
    return {
      name: client.name,
      clientId: client.clientId,
      baseURL: client.baseURL,
      scope: client.scope,
      resource: client.resource,
      authMethod: client.authMethod,
      dpop: client.dpop !== undefined,
    };
  }

  /** Where a client's credentials may go and what its tokens are bound to, for the HTTP layer. */
  clientTransport(clientName: string): ClientTransport {
    const client = this.getClientOptions(clientName);
    return {
      baseURL: client.baseURL,
      allowInsecureHttp: client.allowInsecureHttp,
      dpop: this.materials.get(client.name)?.dpop,
      tls: client.tls,
    };
  }

  /**
   * A token to use instead of `rejected`, which the API refused: the cached one when it is newer already (so
   * concurrent 401s renew once), else a forced renewal.
   */
  async renewAccessToken(
    clientName: string,
    options: TokenCallOptions,
    rejected: AccessToken,
  ): Promise<AccessToken> {
    const current = await this.getAccessToken(clientName, options);
    if (current.value !== rejected.value) return current;
    return this.getAccessToken(clientName, { ...options, forceRenewal: true });
  }

  /**
   * A valid access token for the client. Served from the cache until its renewal point; after it, while background
   * refresh is on, still served (until the safety margin before expiry) as a renewal runs in the background.
   * Concurrent callers that must wait share one token request. After a failed request, callers get that error at once
   * until the backoff delay has passed.
   *
   * @throws AccessTokenError with code `ERR_CLIENT_NOT_FOUND`, `ERR_INVALID_ARGUMENT`, `ERR_TOKEN_ENDPOINT_ERROR`,
   *   `ERR_TOKEN_RESPONSE_INVALID`, `ERR_TOKEN_ENDPOINT_UNAVAILABLE` or `ERR_DISCOVERY_FAILED`.
   */
  async getAccessToken(
    clientName: string,
    options: GetAccessTokenOptions = NO_OPTIONS,
  ): Promise<AccessToken> {
    const state = this.stateFor(clientName, options);
    if (options.forceRenewal) {
      const running = this.flights.current(state.key);
      if (running) return running;
      // Inside the forced renewals' backoff (an API rejecting every token) it is an ordinary call.
      if (this.now() >= state.forcedRenewalAt) return this.startRequest(state, undefined, true);
    }

    // The in-process copy answers synchronously; the store is read only past the renewal point or on a miss.
    const cached = this.store.peek(state.key) ?? (await this.readCache(state.key));
    const now = this.now();
    if (cached && now < this.usableUntil(cached)) {
      if (now < cached.renewAt || this.options.refreshAhead) {
        this.metrics.hit(clientName);
        state.inUse = true;
        if (now >= cached.renewAt) this.refreshInBackground(state, cached);
        else if (state.timer === undefined) this.scheduleRefresh(state, cached);
        return cached.token;
      }
    }
    this.metrics.miss(clientName);
    return this.flights.current(state.key) ?? this.startRequest(state, cached, false);
  }

  /** Drops the cached token of a client (for its default or the given scope and resource). */
  async deleteAccessToken(
    clientName: string,
    options: Omit<GetAccessTokenOptions, 'forceRenewal'> = NO_OPTIONS,
  ): Promise<void> {
    const state = this.stateFor(clientName, options);
    this.cancelTimer(state);
    state.validUntil = undefined;
    // A renewal in flight must not fall back to the deleted token, nor hand it to the callers that join it.
    state.generation += 1;
    await this.store.delete(state.key);
  }

  /**
   * The state of every token this process has asked for, and of every configured client not asked for yet.
   * For health checks; contains no token.
   */
  getStatus(): AccessTokenStatus[] {
    return tokenStatuses(this.states.values(), this.options.clients.values(), this.now());
  }

  /** Stops background renewals and releases the cache's connections. Nest calls it on shutdown. */
  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    for (const state of this.states.values()) this.cancelTimer(state);
    await this.store.close();
  }

  /** The per-key state of a call, created on first use; checks per-call values, which skip start-up validation. */
  private stateFor(clientName: string, options: Omit<GetAccessTokenOptions, 'forceRenewal'>): TokenKeyState {
    // Found only if these very values were validated before: they are map keys as given, none can pose as another.
    const known = this.calls.get(clientName, options.scope, options.resource);
    if (known !== undefined) return known;
    const client = this.getClientOptions(clientName);
    if (options.scope !== undefined && !isScope(options.scope)) {
      throw new AccessTokenError(
        AccessTokenErrorCode.InvalidArgument,
        `scope for client '${client.name}' must be a space-separated list of scope tokens (RFC 6749 §3.3)`,
        client.name,
      );
    }
    if (options.resource !== undefined && !isResourceIndicator(options.resource)) {
      throw new AccessTokenError(
        AccessTokenErrorCode.InvalidArgument,
        `resource for client '${client.name}' must be an absolute URI without a fragment (RFC 8707)`,
        client.name,
      );
    }
    // '' (or only spaces) stays '': explicitly no scope, which the token endpoint sends as no scope parameter and the
    // cache key holds as no scope; undefined means the client's default.
    const scope = options.scope === undefined ? client.scope : (normalizeScope(options.scope) ?? '');
    const resource = options.resource ?? client.resource;
    const key = tokenCacheKey({
      prefix: this.options.cacheKeyPrefix,
      clientName: client.name,
      authorizationServer: client.tokenEndpoint ?? (client.issuer as string),
      clientId: client.clientId,
      scope,
      resource,
      parameters: client.parameters,
      // DPoP key / client certificate: a token bound to one is never served to a holder of another.
      binding: this.materials.get(client.name)?.binding,
    });
    let state = this.states.get(key);
    if (state === undefined) {
      state = {
        key,
        client,
        request: { scope, resource },
        failures: 0,
        retryAt: 0,
        inUse: false,
        generation: 0,
        forcedRenewals: 0,
        forcedRenewalAt: 0,
      };
      this.states.set(key, state);
    }
    this.calls.set(clientName, options.scope, options.resource, state);
    return state;
  }

  /**
   * A token may be handed out until a safety margin before it expires: the configured margin, capped at a fifth of
   * the renewal buffer so short tokens keep most of their life.
   */
  private usableUntil(entry: CachedToken): number {
    const expiresAt = entry.token.expiresAt.getTime();
    const margin = Math.min(this.options.expirySafetyMarginSeconds * 1000, (expiresAt - entry.renewAt) / 5);
    return expiresAt - margin;
  }

  /** Starts a token request unless the key is backing off, in which case the last error is thrown at once. */
  private startRequest(
    state: TokenKeyState,
    cached: CachedToken | undefined,
    forced: boolean,
  ): Promise<AccessToken> {
    if (state.lastError && this.now() < state.retryAt) {
      if (!forced && cached && this.now() < this.usableUntil(cached)) return Promise.resolve(cached.token);
      return Promise.reject(state.lastError);
    }
    return this.flights.run(state.key, () => this.requestToken(state, cached, forced));
  }

  private async requestToken(
    state: TokenKeyState,
    cached: CachedToken | undefined,
    forced: boolean,
  ): Promise<AccessToken> {
    const fallback = !forced && cached && this.now() < this.usableUntil(cached) ? cached : undefined;
    // A renewal never outlives the token it renews: it waits only part of the time that token can still be served.
    const budgetMs = fallback
      ? renewalBudgetMs(
          this.usableUntil(fallback) - this.now(),
          state.client.requestTimeoutMs,
          this.options.backoffBaseMs,
        )
      : Infinity;
    const attempt: Attempt = {
      fallback,
      forced,
      generation: state.generation,
      waitUntil: Date.now() + budgetMs,
    };
    let owner: string | undefined;
    if (!forced) {
      // Another flight or another instance may have stored a token since the caller read the cache: use it rather
      // than fetch again. (The token being replaced does not count: a jittered refresh runs before its renewal point.)
      const latest = await this.newerToken(state, cached);
      if (latest) return latest;
      const turn = await this.takeTurn(state, cached, attempt);
      if ('token' in turn) return turn.token;
      if (turn.gaveUp) {
        // The budget went on waiting for another instance: keep serving, the next call past the renewal point tries
        // again. With nothing left to serve, wait and fetch like any caller without a token.
        const served = this.servable(state, attempt);
        return served ? served.token : this.requestToken(state, undefined, false);
      }
      owner = turn.owner;
    }
    try {
      return await this.fetchToken(state, attempt);
    } finally {
      if (owner !== undefined) void this.store.lock.release(state.key, owner);
    }
  }

  /** The attempt's fallback, if it may still be served: not deleted since the attempt began, not past its margin. */
  private servable(state: TokenKeyState, attempt: Attempt): CachedToken | undefined {
    const { fallback } = attempt;
    if (fallback === undefined || state.generation !== attempt.generation) return undefined;
    return this.now() < this.usableUntil(fallback) ? fallback : undefined;
  }

  /** A token in the shared store newer than `replaced` and before its renewal point, adopted as ours. */
  private async newerToken(
    state: TokenKeyState,
    replaced: CachedToken | undefined,
  ): Promise<AccessToken | undefined> {
    const latest = await this.readCache(state.key, true);
    if (!latest || latest.token.value === replaced?.token.value || this.now() >= latest.renewAt)
      return undefined;
    this.scheduleRefresh(state, latest);
    return latest.token;
  }

  /**
   * Cross-instance single flight: take the key's lock, or wait (polling with backoff) for the instance that holds it
   * to store a token. A holder that dies leaves a lock that expires; then a waiter takes it. A waiter without a usable
   * token waits at most one lock lifetime (request timeout + margin), then requests a token itself rather than wait on
   * a stuck peer; a background renewal waits at most its budget, a caller's own renewal not at all, then gives up
   * (`gaveUp`) and keeps serving its token.
   */
  private async takeTurn(
    state: TokenKeyState,
    replaced: CachedToken | undefined,
    attempt: Attempt,
  ): Promise<{ token: AccessToken } | { owner?: string; gaveUp?: boolean }> {
    const lockLifetimeMs = () =>
      Math.min(state.client.requestTimeoutMs, attempt.waitUntil - Date.now()) + LOCK_MARGIN_MS;
    const deadline = Math.min(Date.now() + lockLifetimeMs(), attempt.waitUntil);
    let pause = 25;
    for (;;) {
      // Longer than this request may wait on the endpoint, so a live holder never loses its lock mid-request.
      const taken = await this.store.lock.acquire(state.key, lockLifetimeMs());
      if (taken.status === 'acquired') {
        // The previous holder may have stored its token and released just before we asked.
        const stored = await this.newerToken(state, replaced);
        if (!stored) return { owner: taken.owner };
        void this.store.lock.release(state.key, taken.owner);
        return { token: stored };
      }
      if (taken.status === 'unavailable') return {};
      // Without background refresh the renewal is the caller's own call: one a valid token can serve never waits.
      if (attempt.fallback && !this.options.refreshAhead) return { gaveUp: true };
      do {
        if (this.closed) return {};
        if (Date.now() >= deadline) return { gaveUp: deadline === attempt.waitUntil };
        await sleep(Math.min(pause, deadline - Date.now()));
        pause = Math.min(pause * 1.5, 250);
        const shared = await this.newerToken(state, replaced);
        if (shared) return { token: shared };
      } while (await this.store.lock.isHeld(state.key));
      // Released (or expired) without a new token: the holder failed. Try to take over.
    }
  }

  private async fetchToken(state: TokenKeyState, attempt: Attempt): Promise<AccessToken> {
    const { client } = state;
    if (state.failures > 0) this.metrics.retry(client.name);
    if (attempt.forced) this.countForcedRenewal(state);
    const started = this.now();
    const budgetMs = attempt.waitUntil - Date.now();
    let token: AccessToken;
    try {
      const request = this.endpoint.requestToken(
        client,
        this.materials.get(client.name) as ClientMaterial,
        state.request,
      );
      // The request's own timeout comes first unless the renewal's budget is shorter.
      token = await (budgetMs < client.requestTimeoutMs
        ? withinBudget(request, budgetMs, client.name)
        : request);
    } catch (caught) {
      const error = caught as AccessTokenError;
      this.metrics.request(client.name, 'failure', (this.now() - started) / 1000, error.code);
      const fallback = this.servable(state, attempt);
      this.recordFailure(state, error, started, fallback);
      if (fallback) {
        // Transient trouble: try again in the background after the backoff, while the old token serves.
        if (!isPermanentFailure(error)) this.scheduleAt(state, state.retryAt);
        return fallback.token;
      }
      throw error;
    }
    const received = this.now();
    this.metrics.request(client.name, 'success', (received - started) / 1000);
    const entry = {
      token,
      renewAt: renewalPoint(received, token.expiresAt.getTime(), this.options.refreshBeforeExpirySeconds),
    };
    await this.writeCache(state.key, entry);
    this.recordSuccess(state, entry, attempt, received - started);
    this.scheduleRefresh(state, entry);
    return token;
  }

  /**
   * Forced renewals back off like failures: the first is made at once; the next, if the API rejected its token too,
   * waits a backoff step, and so on, until an ordinary renewal succeeds.
   */
  private countForcedRenewal(state: TokenKeyState): void {
    state.forcedRenewals += 1;
    const delay = this.backoff.delay(state.forcedRenewals);
    state.forcedRenewalAt = this.now() + delay;
    if (state.forcedRenewals === 2) {
      this.logger.warn(
        `The API keeps rejecting fresh tokens of client '${state.client.name}'; forced renewals now wait for the ` +
          `backoff (next in ${Math.round(delay)} ms)`,
      );
    }
  }

  private recordSuccess(state: TokenKeyState, entry: CachedToken, attempt: Attempt, tookMs: number): void {
    const renewed = attempt.fallback !== undefined || attempt.forced;
    const recovered = state.failures;
    if (!attempt.forced) state.forcedRenewals = 0;
    state.failures = 0;
    state.retryAt = 0;
    state.lastError = undefined;
    state.loggedCode = undefined;
    state.inUse = false;
    state.validUntil = entry.token.expiresAt.getTime();
    this.logger.log(
      `Token ${renewed ? 'renewed' : 'acquired'} for client '${state.client.name}' ` +
        `(expires ${entry.token.expiresAt.toISOString()}, took ${tookMs} ms` +
        (recovered > 0 ? `, after ${recovered} failed attempt${recovered > 1 ? 's' : ''})` : ')'),
    );
  }

  /** Backs off and logs the failure once per streak and code; repeats go to debug so an outage does not flood logs. */
  private recordFailure(
    state: TokenKeyState,
    error: AccessTokenError,
    startedAt: number,
    fallback: CachedToken | undefined,
  ): void {
    state.failures += 1;
    state.lastError = error;
    const failedAt = this.now();
    const backoffMs = this.backoff.delay(state.failures, error.retryAfterMs);
    state.retryAt = isPermanentFailure(error)
      ? failedAt + backoffMs
      : nextAttemptAt({
          startedAt,
          failedAt,
          backoffMs,
          retryAfterMs: this.backoff.retryAfterFloor(error.retryAfterMs),
          servedUntil: fallback && this.usableUntil(fallback),
          cadenceMs: this.options.backoffBaseMs,
        });
    const delay = state.retryAt - failedAt;
    const message =
      `Token request for client '${state.client.name}' failed (${error.code}): ${error.message}; ` +
      `next attempt in ${Math.round(delay)} ms` +
      (isPermanentFailure(error) ? ' (a permanent error: check the client settings)' : '');
    if (state.loggedCode !== error.code) {
      state.loggedCode = error.code;
      this.logger.warn(message);
    } else {
      this.logger.debug?.(message);
    }
  }

  /** Renews now, without making the caller wait; respects single flight and the backoff window. */
  private refreshInBackground(state: TokenKeyState, cached: CachedToken): void {
    if (this.closed || this.flights.current(state.key) || this.now() < state.retryAt) return;
    this.metrics.backgroundRefresh(state.client.name);
    this.flights.run(state.key, () => this.requestToken(state, cached, false)).catch(() => undefined);
  }

  /** Plans the background renewal of a token, jittered ahead of its renewal point. */
  private scheduleRefresh(state: TokenKeyState, entry: CachedToken): void {
    state.validUntil = Math.max(state.validUntil ?? 0, entry.token.expiresAt.getTime());
    if (!this.options.refreshAhead) return;
    const buffer = entry.token.expiresAt.getTime() - entry.renewAt;
    this.scheduleAt(state, entry.renewAt - this.random() * this.options.refreshJitter * buffer);
  }

  private scheduleAt(state: TokenKeyState, at: number): void {
    if (this.closed || !this.options.refreshAhead) return;
    this.cancelTimer(state);
    // Unref'd, and correct beyond the ~24.8 days one Node timer holds (a year-long token is renewed once).
    state.timer = startLongTimer(() => void this.onRefreshTimer(state), at - this.now());
  }

  private cancelTimer(state: TokenKeyState): void {
    state.timer?.cancel();
    state.timer = undefined;
  }

  private async onRefreshTimer(state: TokenKeyState): Promise<void> {
    state.timer = undefined;
    // A token nobody used since it was stored is not kept alive: the next caller fetches one when it needs it.
    if (this.closed || !state.inUse) return;
    const cached = await this.readCache(state.key, true);
    if (cached === undefined || this.now() >= this.usableUntil(cached)) return;
    if (cached.token.expiresAt.getTime() > (state.validUntil ?? 0)) {
      // Another instance sharing the store renewed it already: follow its renewal point instead.
      this.scheduleRefresh(state, cached);
      return;
    }
    this.refreshInBackground(state, cached);
  }

  /** The cache is an optimisation: when it fails, the token endpoint still serves. */
  private async readCache(key: string, shared = false): Promise<CachedToken | undefined> {
    try {
      return await this.store.get(key, { shared });
    } catch (error) {
      this.logger.warn(`Token cache read failed: ${(error as Error).message}`);
      return undefined;
    }
  }

  private async writeCache(key: string, entry: CachedToken): Promise<void> {
    try {
      await this.store.set(key, entry);
    } catch (error) {
      this.logger.warn(`Token cache write failed: ${(error as Error).message}`);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
