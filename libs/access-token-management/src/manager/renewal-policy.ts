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
