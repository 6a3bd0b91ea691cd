import type { AxiosAdapter, AxiosRequestConfig, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import type { AuthorizedAdapterContext } from './authorized-adapter-context.js';
import { sendAfterToken, sendWithRetries } from './authorized-send.js';
import { adapterOf, resolveAdapter } from './axios-adapter.js';
import { loadAxios, loadedAxios } from './axios-module.js';
import { sendWithoutCredentialsOnRedirect } from './fetch-redirects.js';
import { keepCredentialsOffRedirects, routeWithoutCredentials } from './http-redirects.js';
import { requestOrigin } from './request-url.js';
import { checkSameClient } from './same-client.js';

export type { AuthorizedAdapterContext } from './authorized-adapter-context.js';

type AdapterSetting = AxiosRequestConfig['adapter'];

/** What an authorized adapter sends through: the setting it wraps, and what it found that setting to be. */
interface Route {
  /** The setting the request had. */
  readonly inner: AdapterSetting;
  /** The same under any authorized adapters of other attachments (whose origins are not this one). */
  readonly innermost: AdapterSetting;
  /**
   * axios' http adapter, once the setting was found to resolve to it: that does not depend on the request (only the
   * fetch adapter is made per fetch environment), so later requests skip axios' adapter lookup.
   */
  http?: AxiosAdapter;
}

/** Each authorized adapter, to its context and the adapter setting it wraps. */
const wrapped = new WeakMap<AxiosAdapter, { context: AuthorizedAdapterContext; inner: AdapterSetting }>();

/**
 * An axios adapter that sends the request with the client's credentials through `inner` (the adapter setting the
 * request had). Being the adapter, it runs where the request is dispatched, after every request interceptor whatever
 * order they were registered in: the origin it checks is the one the request goes to. Its retries happen inside one
 * call, so their count lives in that call, which no axios version's config merge can drop.
 */
export function authorizedAdapter(context: AuthorizedAdapterContext, inner: AdapterSetting): AxiosAdapter {
  // One adapter per (attachment, inner setting), not one per request: it holds no per-request state. Only the last
  // one is kept, so a caller passing a fresh adapter list per request cannot grow it.
  const last = lastAdapters.get(context);
  if (last !== undefined && sameSetting(last.inner, inner)) return last.adapter;
  // axios hands each request a copy of an adapter list: the adapter keeps its own, which no request can change.
  const own: AdapterSetting = Array.isArray(inner) ? inner.slice() : inner;
  const route: Route = { inner: own, innermost: innermost(own) };
  const adapter: AxiosAdapter = (config) => dispatch(context, config, route);
  wrapped.set(adapter, { context, inner: own });
  lastAdapters.set(context, { inner: own, adapter });
  return adapter;
}

/** The same adapter setting: the same function or name, or a list of the same ones (axios copies lists). */
function sameSetting(a: AdapterSetting, b: AdapterSetting): boolean {
  if (a === b) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  return a.every((entry, index) => entry === b[index]);
}

/** The adapter last made for each attachment, with the setting it wraps. */
const lastAdapters = new WeakMap<
  AuthorizedAdapterContext,
  { inner: AdapterSetting; adapter: AxiosAdapter }
>();

/** Whether `adapter` already routes through `context` (a request sent again keeps its adapter). */
export function routesThrough(adapter: AdapterSetting, context: AuthorizedAdapterContext): boolean {
  for (
    let layer = wrapped.get(adapter as AxiosAdapter);
    layer;
    layer = wrapped.get(layer.inner as AxiosAdapter)
  ) {
    if (layer.context === context) return true;
  }
  return false;
}

/**
 * Sends one request of the attached instance. With a token the manager holds now (the hot path) the request goes out
 * at once, without an `await`: the only promise is the adapter's own. Otherwise the token is awaited first.
 */
function dispatch(
  context: AuthorizedAdapterContext,
  config: InternalAxiosRequestConfig,
  route: Route,
): Promise<AxiosResponse> {
  // axios is loaded lazily (see axios-module.ts): attachAccessToken started it, the first request may wait for it.
  if (loadedAxios() === undefined) return loadAxios().then(() => dispatch(context, config, route));
  try {
    if (requestOrigin(config, context.pinnedBase) !== context.pinnedOrigin) {
      return sendElsewhere(context, config, route.inner);
    }
    const send = credentialTransport(context, config, route);
    const { tokens, clientName, tokenOptions } = context;
    const cached = tokens.peekAccessToken?.(clientName, tokenOptions);
    if (cached === undefined) return sendAfterToken(context, config, send);
    checkSameClient(context);
    return sendWithRetries(context, config, send, cached);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** A request to another origin: no credentials, but the client's route (its proxy, its CAs) all the same. */
function sendElsewhere(
  context: AuthorizedAdapterContext,
  config: InternalAxiosRequestConfig,
  inner: AdapterSetting,
): Promise<AxiosResponse> {
  if (context.agents === undefined) return adapterOf(inner, config)(config);
  const { kind, send } = resolveAdapter(inner, config);
  if (kind === 'http') routeWithoutCredentials(config, context.pinnedBase, context.agents);
  return send(config);
}

/** The adapter setting under any authorized adapters of other attachments (whose origins are not this one). */
function innermost(inner: AdapterSetting): AdapterSetting {
  let setting = inner;
  for (
    let layer = wrapped.get(setting as AxiosAdapter);
    layer;
    layer = wrapped.get(setting as AxiosAdapter)
  ) {
    setting = layer.inner;
  }
  return setting;
}

/**
 * How a request with credentials is sent: through an adapter whose redirects are known to be kept free of them, or
 * not at all (a typed error, before any token is fetched).
 */
function credentialTransport(
  context: AuthorizedAdapterContext,
  config: InternalAxiosRequestConfig,
  route: Route,
): AxiosAdapter {
  if (route.http !== undefined) {
    keepCredentialsOffRedirects(config, context.pinnedBase, context.agents);
    return route.http;
  }
  const { kind, send } = resolveAdapter(route.innermost, config);
  if (kind === 'http') {
    route.http = send;
    keepCredentialsOffRedirects(config, context.pinnedBase, context.agents);
    return send;
  }
  if (kind === 'fetch' && context.agents?.hasTls !== true) {
    return (request) => sendWithoutCredentialsOnRedirect(request, send, context.pinnedBase);
  }
  throw new AccessTokenError(
    AccessTokenErrorCode.ConfigInvalid,
    kind === 'fetch'
      ? `Client '${context.clientName}' has TLS settings (client certificate, CA) that axios' fetch adapter cannot ` +
          "use: send its requests with the 'http' adapter"
      : `Client '${context.clientName}' sends its token only through axios' 'http' or 'fetch' adapter, whose ` +
          'redirects are kept free of credentials; this request uses a custom adapter',
    context.clientName,
  );
}
