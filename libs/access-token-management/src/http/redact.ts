import { AxiosHeaders, isAxiosError } from 'axios';

const REDACTED = '[REDACTED]';

/**
 * Removes the credentials an axios error carries, so logging it (Nest's exception handler, `console.error`, a
 * JSON logger) cannot leak the token: the `Authorization` value in the request config (also reachable as
 * `response.config`) and in the raw request head Node keeps on the `ClientRequest`.
 */
export function redactAxiosError<T>(error: T): T {
  if (!isAxiosError(error)) return error;
  for (const config of [error.config, error.response?.config]) {
    const headers = config?.headers;
    if (headers instanceof AxiosHeaders) {
      if (headers.has('Authorization')) headers.set('Authorization', REDACTED);
      if (headers.has('DPoP')) headers.set('DPoP', REDACTED);
    }
  }
  const request = error.request as { _header?: unknown } | undefined;
  if (request && typeof request._header === 'string') {
    // The request has been sent; Node no longer reads this copy of the head.
    request._header = request._header.replace(/^(authorization|dpop):.*$/gim, `$1: ${REDACTED}`);
  }
  return error;
}
