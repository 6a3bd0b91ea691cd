import { tokenCacheKey } from '../cache/cache-key.js';
import { TokenStore, type CachedToken } from '../cache/token-store.js';
import type { AccessTokenOptions } from '../config/client-options.interface.js';
import {
  isResourceIndicator,
  isScope,
  normalizeScope,
  validateAccessTokenOptions,
} from '../config/options.validation.js';
import type {
  ResolvedAccessTokenOptions,
  ResolvedClientOptions,
} from '../config/resolved-options.interface.js';
import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import type { AccessToken } from '../access-token.js';
import { TokenEndpoint } from '../protocol/token-endpoint.js';
import { renewalPoint } from './renewal-policy.js';
import { SingleFlight } from './single-flight.js';
import { silentLogger, type TokenLogger } from './token-logger.interface.js';

/** Per-call choices of {@link AccessTokenManager.getAccessToken}. */
export interface GetAccessTokenOptions {
  /** Scopes to ask for instead of the client's default. Tokens are cached per scope set. */
  scope?: string;
  /** RFC 8707 resource to ask for instead of the client's default. Tokens are cached per resource. */
  resource?: string;
  /** Skip the cache and fetch a new token (e.g. after the API rejected the cached one). */
  forceRenewal?: boolean;
}

/** Collaborators of the manager; all optional. */
export interface AccessTokenManagerDependencies {
  logger?: TokenLogger;
  /** The clock, in epoch ms. Tests pass a controllable one. */
  now?: () => number;
}

/** A token whose renewal failed is still served while it has at least this long to live. */
const FALLBACK_MIN_REMAINING_MS = 5_000;

/**
 * Gives out access tokens for the configured clients: served from the cache until shortly before expiry, renewed with
 * one token request per client, scope and resource however many callers race for it, never cached on failure.
 * A plain class: use it with or without Nest.
 *
 * ```ts
 * const manager = new AccessTokenManager(accessTokenOptionsFromEnv());
 * const token = await manager.getAccessToken('orders');
 * ```
 */
export class AccessTokenManager {
  /** The validated options, defaults filled in. */
  readonly options: ResolvedAccessTokenOptions;
  private readonly store: TokenStore;
  private readonly endpoint: TokenEndpoint;
  private readonly flights = new SingleFlight<AccessToken>();
  private readonly logger: TokenLogger;
  private readonly now: () => number;

  /** @throws AccessTokenError `ERR_CONFIG_INVALID` when the options are not usable. */
  constructor(options: AccessTokenOptions, dependencies: AccessTokenManagerDependencies = {}) {
    this.options = validateAccessTokenOptions(options);
    this.logger = dependencies.logger ?? silentLogger;
    this.now = dependencies.now ?? Date.now;
    this.store = new TokenStore(this.options.cache);
    this.endpoint = new TokenEndpoint(this.options.defaultLifetimeSeconds, this.now);
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

  /**
   * A valid access token for the client: the cached one until its renewal point, else a new one. Concurrent callers
   * for the same client, scope and resource share one token request.
   *
   * @throws AccessTokenError with code `ERR_CLIENT_NOT_FOUND`, `ERR_TOKEN_ENDPOINT_ERROR`, `ERR_TOKEN_RESPONSE_INVALID`,
   *   `ERR_TOKEN_ENDPOINT_UNAVAILABLE` or `ERR_DISCOVERY_FAILED`.
   */
  async getAccessToken(clientName: string, options: GetAccessTokenOptions = {}): Promise<AccessToken> {
    const client = this.getClientOptions(clientName);
    const { scope, resource, key } = this.target(client, options);
    const renew = (fallback: CachedToken | undefined) =>
      this.renew(client, key, { scope, resource }, fallback, options.forceRenewal === true);

    if (options.forceRenewal) return this.flights.run(key, () => renew(undefined));

    const cached = await this.readCache(key);
    if (cached && this.isFresh(cached)) return cached.token;
    return this.flights.current(key) ?? this.flights.run(key, () => renew(cached));
  }

  /** Drops the cached token of a client (for its default or the given scope and resource). */
  async deleteAccessToken(
    clientName: string,
    options: Omit<GetAccessTokenOptions, 'forceRenewal'> = {},
  ): Promise<void> {
    await this.store.delete(this.target(this.getClientOptions(clientName), options).key);
  }

  /** Releases the cache's connections. Nest calls it on shutdown. */
  async onModuleDestroy(): Promise<void> {
    await this.store.close();
  }

  /** What a call asks for, checked (per-call values skip start-up validation), and its cache key. */
  private target(client: ResolvedClientOptions, options: Omit<GetAccessTokenOptions, 'forceRenewal'>) {
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
    const scope = options.scope === undefined ? client.scope : normalizeScope(options.scope);
    const resource = options.resource ?? client.resource;
    return { scope, resource, key: this.cacheKey(client, scope, resource) };
  }

  private cacheKey(
    client: ResolvedClientOptions,
    scope: string | undefined,
    resource: string | undefined,
  ): string {
    return tokenCacheKey({
      prefix: this.options.cacheKeyPrefix,
      clientName: client.name,
      authorizationServer: client.tokenEndpoint ?? (client.issuer as string),
      clientId: client.clientId,
      scope,
      resource,
      parameters: client.parameters,
    });
  }

  private isFresh(entry: CachedToken): boolean {
    const now = this.now();
    return now < entry.renewAt && now < entry.token.expiresAt.getTime();
  }

  private async renew(
    client: ResolvedClientOptions,
    key: string,
    request: { scope?: string; resource?: string },
    fallback: CachedToken | undefined,
    forced: boolean,
  ): Promise<AccessToken> {
    if (!forced) {
      // A caller that read the cache just before another flight stored its token would otherwise fetch again.
      const latest = await this.readCache(key);
      if (latest && this.isFresh(latest)) return latest.token;
    }
    const started = this.now();
    let token: AccessToken;
    try {
      token = await this.endpoint.requestToken(client, request);
    } catch (error) {
      const failure = error as AccessTokenError;
      if (
        !forced &&
        fallback &&
        fallback.token.expiresAt.getTime() - this.now() > FALLBACK_MIN_REMAINING_MS
      ) {
        this.logger.warn(
          `Renewing the token of client '${client.name}' failed (${failure.code}); the cached token stays in use until ` +
            `${fallback.token.expiresAt.toISOString()}`,
        );
        return fallback.token;
      }
      this.logger.warn(`Token request for client '${client.name}' failed: ${failure.message}`);
      throw error;
    }
    const received = this.now();
    const renewAt = renewalPoint(
      received,
      token.expiresAt.getTime(),
      this.options.refreshBeforeExpirySeconds,
    );
    await this.writeCache(key, { token, renewAt });
    this.logger.log(
      `Token ${fallback || forced ? 'renewed' : 'acquired'} for client '${client.name}' ` +
        `(expires ${token.expiresAt.toISOString()}, took ${received - started} ms)`,
    );
    return token;
  }

  /** The cache is an optimisation: when it fails, the token endpoint still serves. */
  private async readCache(key: string): Promise<CachedToken | undefined> {
    try {
      return await this.store.get(key);
    } catch (error) {
      this.logger.warn(`Token cache read failed: ${(error as Error).message}`);
      return undefined;
    }
  }

  private async writeCache(key: string, entry: CachedToken): Promise<void> {
    try {
      await this.store.set(key, entry, this.now());
    } catch (error) {
      this.logger.warn(`Token cache write failed: ${(error as Error).message}`);
    }
  }
}
