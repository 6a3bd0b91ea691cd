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
  const lifetime = expiresAt - issuedAt;
  const buffer = Math.min(refreshBeforeExpirySeconds * 1000, lifetime / 2);
  return expiresAt - buffer;
}
