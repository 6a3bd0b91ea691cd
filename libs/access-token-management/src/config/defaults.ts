/** Renewal buffer before expiry; Duende's `CacheLifetimeBuffer` uses the same 60 s. */
export const DEFAULT_REFRESH_BEFORE_EXPIRY_SECONDS = 60;
/** Lifetime assumed when `expires_in` is absent; Duende's `DefaultCacheLifetime` is also 5 minutes. */
export const DEFAULT_LIFETIME_SECONDS = 300;
/**
 * The longest lifetime a token is trusted for: a longer `expires_in` is taken as one year (renewing early is always
 * safe), and a longer default lifetime is a typo. Far beyond it, `expiresAt` would not even be a valid Date.
 */
export const MAX_TOKEN_LIFETIME_SECONDS = 365 * 24 * 3600;
/** One token request may take this long before it is abandoned. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
export const DEFAULT_AUTH_METHOD = 'client_secret_basic';
/**
 * `aud` of JWT client assertions: the token endpoint URL, which RFC 7523 §3 names and Entra ID, Okta, Ory Hydra and
 * glewlwyd document or require. `issuer` (what RFC 7523bis, the 2025 audience fix, asks for) is one setting away.
 */
export const DEFAULT_CLIENT_ASSERTION_AUDIENCE = 'token_endpoint';
export const DEFAULT_CACHE_KEY_PREFIX = 'atm';
/** Background refresh on by default: after the first fetch no caller should wait on the token endpoint. */
export const DEFAULT_REFRESH_AHEAD = true;
/** Spread a fleet's background renewals over the first quarter of the buffer. */
export const DEFAULT_REFRESH_JITTER = 0.25;
/** Backoff after failures: 1 s doubling to 10 s, so an outage costs each instance at most one request per 10 s. */
export const DEFAULT_BACKOFF_BASE_MS = 1_000;
export const DEFAULT_BACKOFF_MAX_MS = 10_000;
/** A token this close to expiry may die in flight; it is not handed out. */
export const DEFAULT_EXPIRY_SAFETY_MARGIN_SECONDS = 5;
/** Node timers hold a signed 32-bit delay; a longer one fires at once, so no delay setting may exceed it. */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;
/** The longest expiry safety margin accepted, in seconds. */
export const MAX_EXPIRY_SAFETY_MARGIN_SECONDS = 3600;
/**
 * In-process tokens, per-key states and resolved clients kept at most (each, least recently used evicted first): ~4 KB
 * per key puts the default at about 40 MB, room for thousands of tenants, while a flood of distinct scopes stays bounded.
 */
export const DEFAULT_MAX_CACHED_TOKENS = 10_000;
/** A client resolver that has not answered after this long has failed: a call never hangs on a lookup. */
export const CLIENT_RESOLVER_TIMEOUT_MS = 10_000;
