import * as oauth from 'oauth4webapi';
import { AccessTokenError, AccessTokenErrorCode, TokenEndpointError } from '../errors.js';
import { ProxyRequestError } from './proxy-request.error.js';

const MAX_DESCRIPTION = 200;

/**
 * Turns whatever went wrong talking to the token endpoint into a typed error. Only the status, the OAuth error code and
 * the server's description are kept; request details (which carry the credentials) never reach the message.
 */
export function tokenEndpointFailure(
  clientName: string,
  cause: unknown,
  status?: number,
  retryAfter?: string | null,
): AccessTokenError {
  if (cause instanceof AccessTokenError) return cause;
  if (cause instanceof oauth.ResponseBodyError) {
    return new TokenEndpointError(
      clientName,
      cause.error,
      shorten(cause.error_description),
      cause.status,
      retryAfterMs(cause.response.headers.get('retry-after')),
    );
  }
  if (cause instanceof oauth.WWWAuthenticateChallengeError) {
    // oidc-provider and others answer a failed client authentication with 401 + a challenge.
    const parameters = cause.cause[0]?.parameters;
    return new TokenEndpointError(
      clientName,
      parameters?.error ?? errorOfStatus(cause.status),
      shorten(parameters?.error_description),
      cause.status,
    );
  }
  if (status === 401 || status === 403) {
    // A refusal without an OAuth error body (glewlwyd: 403 and nothing; gateways: an HTML page). Whatever the body
    // says, the server refused: a TokenEndpointError, whose message points at the credentials.
    return new TokenEndpointError(clientName, errorOfStatus(status), undefined, status);
  }
  if (status !== undefined) {
    if (status >= 500 || status === 429) {
      return new AccessTokenError(
        AccessTokenErrorCode.TokenEndpointUnavailable,
        `Token endpoint failed for client '${clientName}' with HTTP ${status}`,
        clientName,
        { retryAfterMs: retryAfterMs(retryAfter) },
      );
    }
    return new AccessTokenError(
      AccessTokenErrorCode.TokenResponseInvalid,
      `Token endpoint gave client '${clientName}' an invalid response (HTTP ${status}): ${reason(cause)}`,
      clientName,
    );
  }
  if (cause instanceof ProxyRequestError) {
    return new AccessTokenError(
      AccessTokenErrorCode.TokenEndpointUnavailable,
      `Token endpoint unreachable for client '${clientName}' ${cause.message}`,
      clientName,
    );
  }
  // AbortSignal.timeout rejects with a DOMException, which is not an Error of every realm: test the name only.
  const name = (cause as { name?: unknown } | null)?.name;
  const timedOut = name === 'TimeoutError' || name === 'AbortError';
  return new AccessTokenError(
    AccessTokenErrorCode.TokenEndpointUnavailable,
    timedOut
      ? `Token request for client '${clientName}' timed out`
      : `Token endpoint unreachable for client '${clientName}': ${reason(cause)}`,
    clientName,
  );
}

/** Only a 401 says which OAuth error it is (RFC 6749 §5.2: `invalid_client`); any other status is not guessed at. */
function errorOfStatus(status: number): string | undefined {
  return status === 401 ? 'invalid_client' : undefined;
}

function reason(cause: unknown): string {
  if (!(cause instanceof Error)) return 'unknown error';
  // fetch wraps the socket error; its code (ECONNREFUSED, ...) says more than "fetch failed".
  const inner = (cause as { cause?: { code?: unknown } }).cause;
  return typeof inner?.code === 'string' ? `${cause.message} (${inner.code})` : cause.message;
}

function shorten(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  return text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION)}...` : text;
}

/** `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3), in ms; undefined when absent or unreadable. */
export function retryAfterMs(
  header: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
