import type { Cache } from 'cache-manager';
import type { Keyv } from 'keyv';

/** How the client authenticates at the token endpoint (RFC 6749 §2.3.1). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post';

/** The client authentication methods this version supports. */
export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post'];

/**
 * One OAuth 2.0 client that obtains access tokens with the client credentials grant.
 */
export interface ClientCredentialsClientOptions {
  /** The token endpoint URL. Give this or {@link issuer}. Must be https, except on loopback hosts. */
  tokenEndpoint?: string;
  /** The authorization server's issuer identifier; its token endpoint is found by RFC 8414 discovery. */
  issuer?: string;
  /** The OAuth client id. */
  clientId: string;
  /** The client secret, for the `client_secret_*` methods. */
  clientSecret?: string;
  /** Client authentication method. Default `client_secret_basic`. */
  authMethod?: ClientAuthMethod;
  /** Space-separated scopes requested by default. */
  scope?: string;
  /** RFC 8707 resource indicator requested by default (an absolute URI without fragment). */
  resource?: string;
  /** Extra form parameters sent with every token request (e.g. `audience`). Part of the cache key. */
  parameters?: Record<string, string>;
  /** The API this client calls: the named `HttpService` uses it as `baseURL`, and tokens are sent to its origin only. */
  baseURL?: string;
  /** Timeout of one token request in milliseconds. Default 10 000. */
  requestTimeoutMs?: number;
}

/**
 * Options of the token manager and of `AccessTokenModule`.
 */
export interface AccessTokenOptions {
  /** The named clients. Names are free text of letters, digits, `.`, `_` and `-`. */
  clients: Record<string, ClientCredentialsClientOptions>;
  /**
   * Renew a token this many seconds before it expires. Default 60. For short tokens the buffer is capped at half the
   * token's lifetime, so a 30 s token is still reused for 15 s.
   */
  refreshBeforeExpirySeconds?: number;
  /** Lifetime assumed when the token response has no `expires_in`. Default 300 (5 minutes). */
  defaultLifetimeSeconds?: number;
  /**
   * Where tokens are cached: a cache-manager `Cache`, or a Keyv instance (any Keyv store) to build one from.
   * Default: an in-process memory cache.
   */
  cache?: Cache | Keyv;
  /** Prefix of every cache key, to keep several services apart in one shared store. Default `atm`. */
  cacheKeyPrefix?: string;
  /**
   * Renew tokens that are in use in the background before their renewal point, while callers keep getting the cached
   * token, so no caller waits on the token endpoint after the first fetch. Default `true`.
   */
  refreshAhead?: boolean;
  /**
   * Background renewals start up to this fraction of the renewal buffer early, at random, so a fleet does not renew in
   * lock-step. 0..1, default 0.25 (with the 60 s buffer: between 75 s and 60 s before expiry).
   */
  refreshJitter?: number;
  /** First delay after a failed token request, in ms; doubles per failure (with full jitter). Default 1000. */
  backoffBaseMs?: number;
  /** Longest delay between two failing token requests, in ms. Default 10000. */
  backoffMaxMs?: number;
  /**
   * A cached token is used at most until this many seconds before it expires (capped at a tenth of its lifetime),
   * also while renewal fails; past that, calls fail fast. Default 5.
   */
  expirySafetyMarginSeconds?: number;
}
