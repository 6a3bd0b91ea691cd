import { challengeError } from './www-authenticate.js';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * One request of the authorized fetch: where it goes and its init, whatever form the caller used. `href` is what is
 * sent; `url` is parsed only when something needs it (a DPoP proof, a proxy decision, a redirect).
 */
export class FetchRequest {
  private parsed: URL | undefined;

  constructor(
    readonly href: string,
    readonly init: RequestInit,
    parsed?: URL,
  ) {
    this.parsed = parsed;
  }

  get url(): URL {
    return (this.parsed ??= new URL(this.href));
  }
}

/**
 * A `fetch` call's arguments as one request: a `Request` is taken apart (its body is a stream, so it is sent once), a
 * relative string resolves against the client's origin, and the init's own fields win. A string that starts with the
 * pinned origin and a `/` is taken as it is: nothing after that `/` can change a URL's origin, so it needs no parse.
 */
export function fetchRequestOf(
  input: string | URL | Request,
  init: RequestInit | undefined,
  base: URL,
  pinnedPrefix: string,
): FetchRequest {
  if (typeof input === 'string' && input.startsWith(pinnedPrefix)) return new FetchRequest(input, init ?? {});
  if (typeof input === 'object' && !(input instanceof URL)) {
    const request = input;
    const url = new URL(request.url);
    return new FetchRequest(
      url.href,
      {
        method: request.method,
        headers: request.headers,
        signal: request.signal,
        redirect: request.redirect,
        ...(request.body !== null ? { body: request.body, duplex: 'half' } : {}),
        ...init,
      } as RequestInit,
      url,
    );
  }
  const url = new URL(input, base);
  return new FetchRequest(url.href, { ...init }, url);
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
  if (!isRedirect(response)) return undefined;
  const location = response.headers.get('location');
  if (location === null) return undefined;
  const target = URL.parse(location, request.href);
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
  return new FetchRequest(target.href, init, target);
}

/** A redirect status fetch would follow. */
export function isRedirect(response: Response): boolean {
  return REDIRECT_STATUSES.has(response.status);
}
