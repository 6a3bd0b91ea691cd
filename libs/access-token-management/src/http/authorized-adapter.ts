import {
  isAxiosError,
  type AxiosAdapter,
  type AxiosRequestConfig,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from 'axios';
import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import type { DPoPProofSigner, TokenSource } from '../manager/token-source.interface.js';
import { adapterOf, resolveAdapter } from './axios-adapter.js';
import type { ClientAgents } from './client-agents.js';
import { addDPoPProof, demandsDPoPNonce, rememberDPoPNonce } from './dpop-proof.js';
import { sendWithoutCredentialsOnRedirect } from './fetch-redirects.js';
import { headerValue } from './header-value.js';
import { keepCredentialsOffRedirects, routeWithoutCredentials } from './http-redirects.js';
import { redactAxiosError, redactAxiosResponse } from './redact.js';
import { isReplayableBody } from './replayable-body.js';
import { requestOrigin } from './request-url.js';
import { challengeError } from './www-authenticate.js';

/** What one `attachAccessToken` decides with: the client, the one origin its credentials may go to, its keys. */
export interface AuthorizedAdapterContext {
  tokens: TokenSource;
  clientName: string;
  tokenOptions: { scope?: string; resource?: string };
  pinnedBase: URL;
  /** The client's `baseURL` when attached: a client registered again under its name with another one gets nothing. */
  clientBaseURL: string | undefined;
  dpop: DPoPProofSigner | undefined;
  /** The client's agents (proxy, CAs, certificate) for axios' http adapter; `undefined` when Node's defaults do. */
  agents: ClientAgents | undefined;
}

type AdapterSetting = AxiosRequestConfig['adapter'];

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
  const adapter: AxiosAdapter = (config) => dispatch(context, config, own);
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

async function dispatch(
  context: AuthorizedAdapterContext,
  config: InternalAxiosRequestConfig,
  inner: AdapterSetting,
): Promise<AxiosResponse> {
  const { tokens, clientName, tokenOptions, pinnedBase, dpop } = context;
  if (requestOrigin(config, pinnedBase) !== pinnedBase.origin) return sendElsewhere(context, config, inner);

  const send = credentialTransport(context, config, innermost(inner));
  let token = await tokens.getAccessToken(clientName, tokenOptions);
  checkSameClient(context);
  let renewed = false;
  let nonceRetried = false;
  for (;;) {
    config.headers.set('Authorization', `${token.type} ${token.value}`);
    const proofBound = dpop !== undefined && token.type === 'DPoP';
    if (proofBound) await addDPoPProof(config, dpop, token, pinnedBase);
    try {
      const response = await send(config);
      if (proofBound) rememberDPoPNonce(dpop, config, response, pinnedBase);
      return redactAxiosResponse(response);
    } catch (error) {
      const response = isAxiosError(error) ? error.response : undefined;
      if (proofBound) rememberDPoPNonce(dpop, config, response, pinnedBase);
      if (!isReplayableBody(config.data)) throw redactAxiosError(error);
      if (!renewed && rejectsToken(response)) {
        renewed = true;
        token = await context.tokens.renewAccessToken(clientName, tokenOptions, token);
        checkSameClient(context);
      } else if (!nonceRetried && proofBound && demandsDPoPNonce(response)) {
        nonceRetried = true;
      } else {
        throw redactAxiosError(error);
      }
    }
  }
}

/**
 * The client of this name is still the one attached: removed and registered again (a tenant moved) with another
 * `baseURL`, its token must not go to the origin pinned for the old one. A string compare: nothing on the hot path.
 */
function checkSameClient(context: AuthorizedAdapterContext): void {
  const { baseURL } = context.tokens.clientTransport(context.clientName);
  if (baseURL === context.clientBaseURL) return;
  throw new AccessTokenError(
    AccessTokenErrorCode.ClientNotFound,
    `The access token client '${context.clientName}' was replaced by one with another baseURL after this axios ` +
      'instance was attached: attach its token to a new instance',
    context.clientName,
  );
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
  inner: AdapterSetting,
): AxiosAdapter {
  const { kind, send } = resolveAdapter(inner, config);
  if (kind === 'http') {
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

/** A 401 whose challenge says `invalid_token`, or gives no error code (RFC 6750 §3.1: "no usable token"). */
function rejectsToken(response: AxiosResponse | undefined): boolean {
  if (response?.status !== 401) return false;
  const code = challengeError(headerValue(response.headers, 'www-authenticate'));
  return code === null || code === undefined || code === 'invalid_token';
}
