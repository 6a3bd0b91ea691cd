/**
 * Reads the `error` parameter of the Bearer or DPoP challenge in a `WWW-Authenticate` header (RFC 6750 §3).
 * Returns `undefined` when that challenge has no error code, and `null` when there is no Bearer/DPoP challenge.
 */
export function challengeError(header: unknown): string | undefined | null {
  const value = Array.isArray(header) ? header.join(', ') : typeof header === 'string' ? header : undefined;
  if (value === undefined) return null;
  const challenge = /(?:^|,)\s*(?:Bearer|DPoP)(?:\s+(.*))?$/i.exec(value);
  if (!challenge) return null;
  // `error=` and not `error_description=`; a quoted or a bare token value.
  const error = /(?:^|[\s,])error\s*=\s*(?:"([^"]*)"|([^\s,]+))/i.exec(challenge[1] ?? '');
  return error ? (error[1] ?? error[2]) : undefined;
}
