import { challengeError } from './www-authenticate.js';

/** One request of the authorized fetch, as a URL and an init whatever form the caller used. */
export interface FetchRequest {
  url: URL;
  init: RequestInit;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * A `fetch` call's arguments as one URL and one init: a `Request` is taken apart (its body is a stream, so it is sent
 * once), a relative string resolves against the client's origin, and the init's own fields win.
 */
export function fetchRequestOf(
  input: string | URL | Request,
  init: RequestInit | undefined,
  base: URL,
): FetchRequest {
  if (typeof input === 'object' && !(input instanceof URL)) {
    const request = input;
    return {
      url: new URL(request.url),
      init: {
        method: request.method,
        headers: request.headers,
        signal: request.signal,
        redirect: request.redirect,
        ...(request.body !== null ? { body: request.body, duplex: 'half' } : {}),
        ...init,
      } as RequestInit,
    };
  }
  return { url: new URL(input, base), init: { ...init } };
}

/** Strings, buffers, blobs, forms and search params can be sent again; a stream (or async iterable) cannot. */
export function isReplayableFetchBody(body: unknown): boolean {
  if (body === undefined || body === null) return true;
  if (typeof body === 'string' || body instanceof URLSearchParams || body instanceof ArrayBuffer) return true;
  if (ArrayBuffer.isView(body) || body instanceof Blob || body instanceof FormData) return true;
  return false;
}

/** A 401 whose challenge says `invalid_token`, or gives no error code (RFC 6750 §3.1: "no usable token"). */
export function rejectsFetchToken(response: Response): boolean {
  if (response.status !== 401) return false;
  const code = challengeError(response.headers.get('www-authenticate'));
  return code === null || code === undefined || code === 'invalid_token';
}

/** A 401 with `use_dpop_nonce` and a nonce to use (RFC 9449 §9). */
export function demandsFetchDPoPNonce(response: Response): boolean {
  const nonce = response.headers.get('dpop-nonce');
  return (
    response.status === 401 &&
    nonce !== null &&
    nonce !== '' &&
    challengeError(response.headers.get('www-authenticate')) === 'use_dpop_nonce'
  );
}

/**
 * The request a redirect of a credentialed request asks for, without `Authorization` and `DPoP` (method and body as
 * the Fetch standard's redirect steps say); `undefined` when it cannot or should not be followed (a stream already
 * sent: the caller gets the 3xx).
 */
export function redirectedFetchRequest(request: FetchRequest, response: Response): FetchRequest | undefined {
  if (!REDIRECT_STATUSES.has(response.status)) return undefined;
  const location = response.headers.get('location');
  if (location === null) return undefined;
  const target = URL.parse(location, request.url.href);
  if (target === null || (target.protocol !== 'http:' && target.protocol !== 'https:')) return undefined;
  const method = (request.init.method ?? 'GET').toUpperCase();
  const asGet =
    (response.status === 303 && method !== 'GET' && method !== 'HEAD') ||
    ((response.status === 301 || response.status === 302) && method === 'POST');
  if (!asGet && !isReplayableFetchBody(request.init.body)) return undefined;
  const headers = new Headers(request.init.headers);
  const dropped = asGet ? /^(authorization|dpop|content-.*)$/i : /^(authorization|dpop)$/i;
  for (const name of [...headers.keys()]) if (dropped.test(name)) headers.delete(name);
  const init: RequestInit = { ...request.init, headers, redirect: 'follow' };
  if (asGet) {
    init.method = 'GET';
    delete init.body;
  }
  return { url: target, init };
}
