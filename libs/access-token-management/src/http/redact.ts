import type { AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { isAxiosError, isOwnAxiosHeaders } from './axios-module.js';

const REDACTED = '[REDACTED]';
const CREDENTIAL_HEADERS = ['Authorization', 'DPoP'];
const CREDENTIAL_HEADER = /^(authorization|dpop)$/i;

interface HeadersLike {
  has(name: string): boolean;
  set(name: string, value: string): unknown;
}

/**
 * By shape, not `instanceof AxiosHeaders`: headers made by another copy of axios (an app's own, beside the one the
 * library resolves) are redacted too, and so are plain header objects.
 */
function redactConfig(config: InternalAxiosRequestConfig | undefined): void {
  const headers: unknown = config?.headers;
  if (headers === null || typeof headers !== 'object') return;
  if (isOwnAxiosHeaders(headers)) {
    redactOwnHeaders(headers as unknown as Record<string, unknown>);
    return;
  }
  const axiosHeaders = headers as Partial<HeadersLike>;
  if (typeof axiosHeaders.has === 'function' && typeof axiosHeaders.set === 'function') {
    for (const name of CREDENTIAL_HEADERS) if (axiosHeaders.has(name)) axiosHeaders.set(name, REDACTED);
    return;
  }
  const plain = headers as Record<string, unknown>;
  for (const name of Object.keys(plain)) if (CREDENTIAL_HEADER.test(name)) plain[name] = REDACTED;
}

/**
 * This axios' own headers keep each header as an own property under the name it was set with: one pass over them
 * does what `has` + `set` per name would (a value `undefined` counts as absent, `false` is kept, as `set` keeps it),
 * without a case-insensitive search per name — this runs on every successful response.
 */
function redactOwnHeaders(headers: Record<string, unknown>): void {
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value !== undefined && value !== false && CREDENTIAL_HEADER.test(name)) headers[name] = REDACTED;
  }
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
 * are replaced, and the raw request is hidden from enumeration, also in an axios error it wraps. Returns the same
 * error.
 */
export function redactAxiosError<T>(error: T): T {
  // Some adapters wrap their own axios error as the `cause` of the one they throw (the fetch adapter of older axios versions).
  for (let depth = 0, current: unknown = error; depth < 5 && isAxiosError(current); depth += 1) {
    redactConfig(current.config);
    redactConfig(current.response?.config);
    hideRequest(current);
    hideRequest(current.response);
    current = current.cause;
  }
  return error;
}

/** What a logger shows instead of a raw request of a successful call. */
const REQUEST_SHOWN = '[request: not shown, it holds the credentials it sent]';
const showRequest = (): string => REQUEST_SHOWN;
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * The same for a successful response, which a caller may just as well log. It runs on every call, so the raw request
 * is not hidden as for an error: redefining the response's `request` property costs ~6 µs per call in a busy
 * process, two property writes on the request ~0.5 µs. They make `util.inspect` (console.log, Nest's logger) and
 * JSON serialisers (`toJSON`, which circular-safe loggers honour too) show a placeholder for the request, even when
 * it is logged by itself; the object stays reachable as it was.
 */
export function redactAxiosResponse<T extends AxiosResponse>(response: T): T {
  redactConfig(response.config);
  const request: unknown = response.request;
  if (request !== null && typeof request === 'object' && Object.isExtensible(request)) {
    const shown = request as Record<string | symbol, unknown>;
    shown[INSPECT] = showRequest;
    shown.toJSON = showRequest;
  } else {
    hideRequest(response);
  }
  return response;
}
