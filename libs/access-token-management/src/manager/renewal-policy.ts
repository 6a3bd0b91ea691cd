import type { CachedToken } from '../cache/cached-token.interface.js';

/**
 * When a token stops being served from the cache: `refreshBeforeExpirySeconds` before it expires, but never more than
 * half its lifetime, so a token shorter than twice the buffer is still reused for half its life instead of being
 * renewed on every call.
 */
export function renewalPoint(
  issuedAt: number,
  expiresAt: number,
  refreshBeforeExpirySeconds: number,
): number {
  // A tiny expires_in can end before the manager sees the token (negative lifetime): renew at expiry, never after.
  const lifetime = Math.max(0, expiresAt - issuedAt);
  const buffer = Math.min(refreshBeforeExpirySeconds * 1000, lifetime / 2);
  return expiresAt - buffer;
}

/**
 * Until when a token may be handed out: a safety margin before it expires, the configured margin capped at a fifth of
 * the renewal buffer so short tokens keep most of their life.
 */
export function servedUntil(entry: CachedToken, safetyMarginSeconds: number): number {
  const expiresAt = entry.token.expiresAt.getTime();
  return expiresAt - Math.min(safetyMarginSeconds * 1000, (expiresAt - entry.renewAt) / 5);
}
