import type { AccessToken } from '../access-token.js';

/** A cached token and the moment it stops being served from the cache. */
export interface CachedToken {
  readonly token: AccessToken;
  /** Epoch ms after which the token is renewed rather than served. */
  readonly renewAt: number;
}
