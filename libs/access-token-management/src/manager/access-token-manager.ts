import type { AccessToken } from '../access-token.js';
import type { CachedToken } from '../cache/cached-token.interface.js';
import type { TokenStore } from '../cache/token-store.interface.js';
import { createTokenStore } from '../cache/token-store.factory.js';
import type {
  AccessTokenOptions,
  ClientCredentialsClientOptions,
} from '../config/client-options.interface.js';
import { resolveAccessTokenOptions } from '../config/options.validation.js';
import type { ResolvedAccessTokenOptions } from '../config/resolved-options.interface.js';
import { silentLogger } from '../token-logger.js';
import { ClientDirectory } from './client-directory.js';
import { clockOf, type AccessTokenManagerDependencies } from './manager-dependencies.js';
import { RefreshScheduler } from './refresh-scheduler.js';
import { servedUntil } from './renewal-policy.js';
import type { TokenKeyState } from './token-key-state.js';
import type { TokenKeys } from './token-keys.js';
import type { TokenRequests } from './token-requests.js';
import { createTokenRequests } from './token-request-pipeline.js';
import { TokenMetrics } from './token-metrics.js';
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
export type { Clock } from './clock.js';
export type { AccessTokenManagerDependencies } from './manager-dependencies.js';

const NO_OPTIONS: GetAccessTokenOptions = Object.freeze({});

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
  /** @internal The validated options, defaults filled in (secrets and keys included: not part of the typed API). */
  readonly options: ResolvedAccessTokenOptions;
  private readonly clients: ClientDirectory;
  private readonly keys: TokenKeys;
  private readonly store: TokenStore;
  private readonly refresh: RefreshScheduler;
  private readonly requests: TokenRequests;
  private readonly metrics: TokenMetrics;
  /** The clock's `now`, read straight: the hot path makes no extra call. */
  private readonly now: () => number;
  private readonly closing = new AbortController();

  /** @throws AccessTokenError `ERR_CONFIG_INVALID` when the options are not usable. */
  constructor(
    options: AccessTokenOptions | ResolvedAccessTokenOptions,
    dependencies: AccessTokenManagerDependencies = {},
  ) {
    this.options = resolveAccessTokenOptions(options);
    const { logger = silentLogger, random = Math.random } = dependencies;
    const clock = clockOf(dependencies);
    const now = (this.now = clock.now);
    const metrics = (this.metrics = new TokenMetrics(dependencies.meter));
    const clients = (this.clients = new ClientDirectory(
      this.options,
      clock,
      metrics,
      (state) => this.refresh.cancel(state),
      logger,
    ));
    this.keys = this.clients.keys;
    const store = (this.store = createTokenStore(this.options, logger, now, this.clients.tokenEvicted));
    this.refresh = new RefreshScheduler(clock, this.options, random, store, (state, cached) =>
      this.requests.startInBackground(state, cached),
    );
    const { options: resolved, refresh, closing } = this;
    this.requests = createTokenRequests({
      options: resolved,
      store,
      refresh,
      metrics,
      logger,
      clock,
      random,
      closed: closing.signal,
      checkCredentials: (state) => clients.checkCredentials(state),
      rebound: (state) => this.getAccessToken(state.client.name, state.request),
    });
  }

  /** Names of the clients known now: configured, registered, and resolved ones not evicted. */
  get clientNames(): string[] {
    return this.clients.names;
  }

  /**
   * Adds a client at runtime (a tenant), validated like the start-up options, with the same errors.
   * @throws AccessTokenError `ERR_CONFIG_INVALID` naming the setting, or when the name is configured already
   */
  registerClient(clientName: string, options: ClientCredentialsClientOptions): AccessTokenClient {
    return this.clients.register(clientName, options);
  }

  /**
   * Forgets a client: its tokens leave the in-process cache and the shared one, its timers stop, its state goes.
   * Requests in flight for it finish, but what they get is not cached. Resolves to whether it was known.
   */
  async removeClient(clientName: string): Promise<boolean> {
    const { known, states } = this.clients.remove(clientName);
    await Promise.all(states.map((state) => this.store.delete(state.key)));
    return known;
  }

  /**
   * The public view of a client, looked up through the `clientResolver` when it is not known yet.
   * @throws AccessTokenError `ERR_CLIENT_NOT_FOUND`, `ERR_CLIENT_RESOLUTION_FAILED`, `ERR_CONFIG_INVALID`
   */
  async resolveClient(clientName: string): Promise<AccessTokenClient> {
    return this.clients.resolve(clientName);
  }

  /** The public view of one client: what it is, never its secret or keys. @throws AccessTokenError `ERR_CLIENT_NOT_FOUND` */
  getClient(clientName: string): AccessTokenClient {
    return this.clients.view(clientName);
  }

  /** Where a client's credentials may go and what its tokens are bound to, for the HTTP layer. */
  clientTransport(clientName: string): ClientTransport {
    return this.clients.transport(clientName);
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
   *   `ERR_TOKEN_RESPONSE_INVALID`, `ERR_TOKEN_ENDPOINT_UNAVAILABLE`, `ERR_DISCOVERY_FAILED`; for a client looked up
   *   on first use also `ERR_CLIENT_RESOLUTION_FAILED` or `ERR_CONFIG_INVALID`.
   */
  async getAccessToken(
    clientName: string,
    options: GetAccessTokenOptions = NO_OPTIONS,
  ): Promise<AccessToken> {
    const state = this.keys.known(clientName, options) ?? (await this.keys.stateOf(clientName, options));
    if (options.forceRenewal) {
      const running = this.requests.current(state.key);
      if (running) return running;
      // Inside the forced renewals' backoff (an API rejecting every token) it is an ordinary call.
      if (this.now() >= state.forcedRenewalAt) return this.requests.start(state, undefined, true);
    }
    // The in-process copy answers synchronously; the store is read only past the renewal point or on a miss.
    const cached = this.store.peek(state.key) ?? (await this.store.get(state.key));
    if (cached && this.serve(state, cached)) return cached.token;
    this.metrics.miss(clientName);
    return this.requests.current(state.key) ?? this.requests.start(state, cached, false);
  }

  /**
   * The token {@link getAccessToken} would hand out now from this process's cache, without waiting on anything (no
   * store read, no token request), or `undefined` when it would have to wait or fail — then ask `getAccessToken`.
   * A token served this way counts as a cache hit and keeps its renewal planned, as one from `getAccessToken` does.
   * What the HTTP layer sends with: a request with a cached token goes out without a promise hop.
   */
  peekAccessToken(clientName: string, options: TokenCallOptions = NO_OPTIONS): AccessToken | undefined {
    const state = this.keys.known(clientName, options);
    const cached = state && this.store.peek(state.key);
    return cached && this.serve(state, cached) ? cached.token : undefined;
  }

  /** Whether `cached` may be served now; if so, counts the hit and keeps its renewal going. */
  private serve(state: TokenKeyState, cached: CachedToken): boolean {
    const now = this.now();
    if (now >= this.servedUntil(cached) || (now >= cached.renewAt && !this.options.refreshAhead))
      return false;
    this.metrics.hit(state.client.name);
    state.used();
    if (now >= cached.renewAt) this.requests.startInBackground(state, cached);
    else if (state.refreshTimer === undefined) this.refresh.plan(state, cached);
    return true;
  }

  /** Drops the cached token of a client (for its default or the given scope and resource). */
  async deleteAccessToken(
    clientName: string,
    options: Omit<GetAccessTokenOptions, 'forceRenewal'> = NO_OPTIONS,
  ): Promise<void> {
    const state = await this.keys.stateOf(clientName, options);
    this.refresh.cancel(state);
    // A renewal in flight must not fall back to the deleted token, nor hand it to the callers that join it.
    state.deleted();
    await this.store.delete(state.key);
  }

  /**
   * The state of every token this process has asked for, and of every configured client not asked for yet.
   * For health checks; contains no token.
   */
  getStatus(): AccessTokenStatus[] {
    return tokenStatuses(this.keys.all(), this.clients.settled(), this.now(), (name) =>
      this.clients.credentialProblem(name),
    );
  }

  /** Stops background renewals and lock waits, and releases the cache's connections. Call it on shutdown. */
  async close(): Promise<void> {
    this.closing.abort();
    this.refresh.close();
    await this.store.close();
  }

  private servedUntil(entry: CachedToken): number {
    return servedUntil(entry, this.options.expirySafetyMarginSeconds);
  }
}
