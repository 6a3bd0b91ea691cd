import type { AxiosAdapter, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { axiosModule, isAxiosError } from './axios-module.js';
import { headerValue } from './header-value.js';
import { isReplayableBody } from './replayable-body.js';
import { requestUrl } from './request-url.js';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

type FetchOptions = { redirect?: string } & Record<string, unknown>;

/**
 * For axios' fetch adapter, whose `fetch` keeps `Authorization` on same-origin redirects and `DPoP` on every one:
 * the request that carries the credentials is sent with `redirect: 'manual'`; a redirect it gets is then followed by
 * sending the next request without them (method and body as the Fetch standard's redirect steps say), and `fetch`
 * follows any further redirect of that one. `maxRedirects: 0` or the caller's own `redirect` mode hands the redirect
 * to the caller.
 */
export async function sendWithoutCredentialsOnRedirect(
  config: InternalAxiosRequestConfig,
  send: AxiosAdapter,
  pinnedBase: URL,
): Promise<AxiosResponse> {
  const asked = config.fetchOptions as FetchOptions | undefined;
  if (asked?.redirect === 'error') return send(config);
  const follow = config.maxRedirects !== 0 && (asked?.redirect ?? 'follow') === 'follow';
  let response: AxiosResponse;
  let failure: unknown;
  config.fetchOptions = { ...asked, redirect: 'manual' };
  try {
    response = await send(config);
  } catch (error) {
    if (!isAxiosError(error) || error.response === undefined) throw error;
    failure = error;
    response = error.response;
  } finally {
    config.fetchOptions = asked; // the caller's options again, for a retry of this request
  }
  const next = follow ? redirectedRequest(config, response, pinnedBase) : undefined;
  if (next !== undefined) return send(next);
  if (failure !== undefined) throw failure;
  return response;
}

/** The request a redirect asks for, without credentials; `undefined` when it cannot or should not be followed. */
function redirectedRequest(
  config: InternalAxiosRequestConfig,
  response: AxiosResponse,
  pinnedBase: URL,
): InternalAxiosRequestConfig | undefined {
  const location = headerValue(response.headers, 'location');
  if (!REDIRECT_STATUSES.has(response.status) || typeof location !== 'string') return undefined;
  let target: URL;
  try {
    target = new URL(location, requestUrl(config, pinnedBase));
  } catch {
    return undefined;
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return undefined;
  const method = (config.method ?? 'get').toUpperCase();
  const asGet =
    (response.status === 303 && method !== 'GET' && method !== 'HEAD') ||
    ((response.status === 301 || response.status === 302) && method === 'POST');
  if (!asGet && !isReplayableBody(config.data)) return undefined; // a stream already sent: the caller gets the 3xx
  // The axios the request is being sent with is loaded: this runs inside an authorized adapter.
  const headers = new (axiosModule().AxiosHeaders)(config.headers);
  const dropped = asGet ? /^(authorization|dpop|content-.*)$/i : /^(authorization|dpop)$/i;
  for (const name of Object.keys(headers.toJSON())) if (dropped.test(name)) headers.delete(name);
  return {
    ...config,
    url: target.href,
    baseURL: undefined,
    params: undefined,
    method: asGet ? 'get' : config.method,
    data: asGet ? undefined : config.data,
    headers,
  };
}
