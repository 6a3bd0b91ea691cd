/** Renewal buffer before expiry; Duende's `CacheLifetimeBuffer` uses the same 60 s. */
export const DEFAULT_REFRESH_BEFORE_EXPIRY_SECONDS = 60;
/** Lifetime assumed when `expires_in` is absent; Duende's `DefaultCacheLifetime` is also 5 minutes. */
export const DEFAULT_LIFETIME_SECONDS = 300;
/** One token request may take this long before it is abandoned. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
export const DEFAULT_AUTH_METHOD = 'client_secret_basic';
export const DEFAULT_CACHE_KEY_PREFIX = 'atm';
