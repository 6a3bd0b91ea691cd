// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** A space-separated list of RFC 6749 §3.3 scope tokens (blank counts as no scope). */
export function isScope(value: unknown): boolean {
  return (
    typeof value === 'string' && value.split(' ').every((token) => token === '' || SCOPE_TOKEN.test(token))
  );
}

/** Scopes are a set (RFC 6749 §3.3): one spelling per set keeps cache keys stable. */
export function normalizeScope(scope: string | undefined): string | undefined {
  const tokens = [...new Set((scope ?? '').split(' ').filter(Boolean))].sort();
  return tokens.length > 0 ? tokens.join(' ') : undefined;
}
