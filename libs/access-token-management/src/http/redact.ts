import { AxiosHeaders, isAxiosError, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';

const REDACTED = '[REDACTED]';
const CREDENTIAL_HEADERS = ['Authorization', 'DPoP'];

function redactConfig(config: InternalAxiosRequestConfig | undefined): void {
  const headers = config?.headers;
  if (!(headers instanceof AxiosHeaders)) return;
  for (const name of CREDENTIAL_HEADERS) if (headers.has(name)) headers.set(name, REDACTED);
}

/**
 * Node's request object keeps the sent headers in several internal places. It stays reachable for code that asks for
 * it, but as a non-enumerable property, so `util.inspect`, `console.log` and JSON loggers do not walk into it.
 */
function hideRequest(holder: { request?: unknown } | undefined): void {
  if (holder === undefined || holder.request === undefined) return;
  Object.defineProperty(holder, 'request', {
    value: holder.request,
    enumerable: false,
    writable: true,
    configurable: true,
  });
}

/**
 * Removes the credentials an axios error carries, so logging it (Nest's exception handler, `console.error`, a JSON
 * logger) cannot leak the token: the `Authorization`/`DPoP` values of the request config (also `response.config`)
 * are replaced, and the raw Node request is hidden from enumeration. Returns the same error.
 */
export function redactAxiosError<T>(error: T): T {
  if (!isAxiosError(error)) return error;
  redactConfig(error.config);
  redactConfig(error.response?.config);
  hideRequest(error);
  hideRequest(error.response);
  return error;
}

/** The same for a successful response, which a caller may just as well log. */
export function redactAxiosResponse<T extends AxiosResponse>(response: T): T {
  redactConfig(response.config);
  hideRequest(response);
  return response;
}
