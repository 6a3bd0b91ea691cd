import type { InternalAxiosRequestConfig } from 'axios';

// The test axios itself uses: a scheme, or a bare `//` (protocol-relative), makes a URL absolute.
const ABSOLUTE_URL = /^([a-z][a-z\d+\-.]*:)?\/\//i;

/** `allowAbsoluteUrls` is honoured since axios 1.8.0 but typed only in later versions of the peer range. */
function absoluteUrlsAllowed(config: InternalAxiosRequestConfig): boolean {
  return (config as { allowAbsoluteUrls?: boolean }).allowAbsoluteUrls !== false;
}

/**
 * The origin a request will actually go to, computed the way axios builds the URL (baseURL + url unless url is
 * absolute and absolute URLs are allowed). `undefined` when it cannot be told, which callers treat as "not ours".
 */
export function requestOrigin(config: InternalAxiosRequestConfig, pinnedBase: URL): string | undefined {
  const url = config.url ?? '';
  if (config.baseURL && !(ABSOLUTE_URL.test(url) && absoluteUrlsAllowed(config))) {
    // baseURL + a relative path never leaves the baseURL's origin (the join always puts a '/' between them), so the
    // hot path needs only the baseURL's origin, parsed once per distinct baseURL.
    return baseOrigin(config.baseURL, pinnedBase);
  }
  return requestUrl(config, pinnedBase)?.origin;
}

/** Per pinned base (one per attachment), each baseURL's origin: looked up without building a key per request. */
const baseOrigins = new WeakMap<URL, Map<string, string | undefined>>();

/** The last answer: an instance's requests share one baseURL, so this is the one that answers nearly every call. */
let last: { pinnedBase: URL; baseURL: string; origin: string | undefined } | undefined;

function baseOrigin(baseURL: string, pinnedBase: URL): string | undefined {
  if (last !== undefined && last.baseURL === baseURL && last.pinnedBase === pinnedBase) return last.origin;
  const origin = knownBaseOrigin(baseURL, pinnedBase);
  last = { pinnedBase, baseURL, origin };
  return origin;
}

function knownBaseOrigin(baseURL: string, pinnedBase: URL): string | undefined {
  let origins = baseOrigins.get(pinnedBase);
  if (origins === undefined) baseOrigins.set(pinnedBase, (origins = new Map()));
  const known = origins.get(baseURL);
  if (known !== undefined || origins.has(baseURL)) return known;
  if (origins.size > 1_000) origins.clear(); // bounded: baseURLs are configuration, not request data
  let origin: string | undefined;
  try {
    origin = new URL(joinUrl(baseURL, ''), pinnedBase).origin;
  } catch {
    origin = undefined;
  }
  origins.set(baseURL, origin);
  return origin;
}

/** The URL a request will go to (without axios `params`), or `undefined` when it cannot be told. */
export function requestUrl(config: InternalAxiosRequestConfig, pinnedBase: URL): URL | undefined {
  const url = config.url ?? '';
  const absolute = ABSOLUTE_URL.test(url) && absoluteUrlsAllowed(config);
  const full = absolute || !config.baseURL ? url : joinUrl(config.baseURL, url);
  try {
    // A protocol-relative URL resolves against the pinned base's scheme, as a browser would: `//evil.example` is
    // then another origin and gets no token.
    return new URL(full, pinnedBase);
  } catch {
    return undefined;
  }
}

function joinUrl(baseURL: string, relative: string): string {
  return relative ? `${baseURL.replace(/\/?\/$/, '')}/${relative.replace(/^\/+/, '')}` : baseURL;
}
