import type { AccessToken } from '../access-token.js';
import type { DPoPProofSigner, TokenSource } from '../manager/token-source.interface.js';
import {
  demandsFetchDPoPNonce,
  fetchRequestOf,
  isRedirect,
  isReplayableFetchBody,
  redirectedFetchRequest,
  rejectsFetchToken,
  type FetchRequest,
} from './fetch-request.js';
import { fetchTransport, type FetchFunction, type FetchTransport } from './fetch-transport.js';
import { authorizationValue } from './authorization-header.js';
import { withCredentials, type FetchHeaders } from './fetch-credentials.js';
import { pinnedOriginOf } from './pinned-origin.js';
import { checkSameClient, type PinnedClient } from './same-client.js';

export type { FetchFunction } from './fetch-transport.js';

/** Options of {@link createAuthorizedFetch}. */
export interface AuthorizedFetchOptions {
  /** The `fetch` to send with (an instrumented one, ky's or ofetch's underlying one...). Default: the global `fetch`. */
  fetch?: FetchFunction;
  /** Tokens go only to this origin. Default: the client's `baseURL`. */
  origin?: string;
  /** Scope to request instead of the client's default. */
  scope?: string;
  /** RFC 8707 resource to request instead of the client's default. */
  resource?: string;
}

interface Context extends PinnedClient {
  tokenOptions: { scope?: string; resource?: string };
  pinnedBase: URL;
  /** The pinned origin and a `/`: a string starting with it goes to the pinned origin (see `fetchRequestOf`). */
  pinnedPrefix: string;
  pinnedOrigin: string;
  dpop: DPoPProofSigner | undefined;
  send: FetchTransport;
}

/**
 * A `fetch`-compatible function that sends the client's access token, with the guarantees of `attachAccessToken`:
 * - `Authorization: <Bearer|DPoP> <token>` (and a DPoP proof) only on requests to the pinned origin; relative URLs
 *   resolve against it; requests elsewhere go out untouched;
 * - never on a redirect: the credentialed request is sent with `redirect: 'manual'`, and a redirect is followed
 *   without `Authorization` or `DPoP` (the caller's `redirect: 'manual'` or `'error'` is kept as asked);
 * - on a 401 whose challenge says `invalid_token` (or gives no error), one retry with a renewed token, and one with
 *   the server's DPoP nonce, unless the body was a stream (a `ReadableStream`, or any `Request`'s body);
 * - the client certificate (mTLS) and proxy of the client, its certificate only to the pinned origin;
 * - when no token can be had, nothing is sent: it rejects with the {@link AccessTokenError}.
 *
 * @throws AccessTokenError `ERR_CONFIG_INVALID` when there is no origin, or it is plain http to a non-loopback host
 */
export function createAuthorizedFetch(
  tokens: TokenSource,
  clientName: string,
  options: AuthorizedFetchOptions = {},
): FetchFunction {
  const client = tokens.clientTransport(clientName);
  const pinnedBase = pinnedOriginOf('createAuthorizedFetch', client, clientName, options.origin);
  const context: Context = {
    tokens,
    clientName,
    tokenOptions: { scope: options.scope, resource: options.resource },
    pinnedBase,
    pinnedPrefix: `${pinnedBase.origin}/`,
    pinnedOrigin: pinnedBase.origin,
    clientBaseURL: client.baseURL,
    attachedAs: 'authorized fetch',
    // The DPoP key and the network (certificate, proxy) as the client has them now: they follow rotated files.
    get dpop() {
      return client.dpop;
    },
    send: fetchTransport(options.fetch, () => client.network),
  };
  return (input, init) => {
    const request = fetchRequestOf(input, init, pinnedBase, context.pinnedPrefix);
    return request.href.startsWith(context.pinnedPrefix) || request.url.origin === context.pinnedOrigin
      ? sendAuthorized(context, request)
      : context.send(request, request.init, false);
  };
}

/**
 * With a token the manager holds now (the hot path), the request goes out at once, without an `await`: one promise
 * step reads the answer (a redirect to follow without credentials, a 401 to retry). Otherwise the token is awaited.
 */
function sendAuthorized(context: Context, request: FetchRequest): Promise<Response> {
  const { tokens, clientName, tokenOptions } = context;
  const cached = tokens.peekAccessToken?.(clientName, tokenOptions);
  if (cached === undefined) return sendAfterToken(context, request);
  try {
    checkSameClient(context);
  } catch (error) {
    return Promise.reject(error);
  }
  return sendWithRetries(context, request, cached);
}

async function sendAfterToken(context: Context, request: FetchRequest): Promise<Response> {
  const token = await context.tokens.getAccessToken(context.clientName, context.tokenOptions);
  checkSameClient(context);
  return sendWithRetries(context, request, token);
}

/**
 * One promise step after the answer: an ordinary answer is handed over as it is; a redirect is followed without the
 * credentials, a 401 retried (see {@link retry}), each on its slow path.
 */
function sendWithRetries(context: Context, request: FetchRequest, token: AccessToken): Promise<Response> {
  return sendOnce(context, request, token).then((response) =>
    isRedirect(response) || response.status === 401
      ? afterAnswer(context, request, token, response)
      : response,
  );
}

async function afterAnswer(
  context: Context,
  request: FetchRequest,
  token: AccessToken,
  answer: Response,
): Promise<Response> {
  const response = follows(request) ? await followRedirect(context, request, answer) : answer;
  return response.status === 401 && isReplayableFetchBody(request.init.body)
    ? retry(context, request, token, response)
    : response;
}

/** Whether the caller lets fetch follow redirects (its default): the authorized fetch then follows them itself. */
function follows(request: FetchRequest): boolean {
  return (request.init.redirect ?? 'follow') === 'follow';
}

/** After a 401: once with a renewed token when it rejects the token, once more with the server's DPoP nonce. */
async function retry(
  context: Context,
  request: FetchRequest,
  token: AccessToken,
  response: Response,
): Promise<Response> {
  const { tokens, clientName, tokenOptions } = context;
  let renewed = false;
  let nonceRetried = false;
  for (;;) {
    const proofBound = context.dpop !== undefined && token.type === 'DPoP';
    if (!renewed && rejectsFetchToken(response)) {
      renewed = true;
      await response.body?.cancel();
      token = await tokens.renewAccessToken(clientName, tokenOptions, token);
      checkSameClient(context);
    } else if (!nonceRetried && proofBound && demandsFetchDPoPNonce(response)) {
      nonceRetried = true;
      await response.body?.cancel();
    } else {
      return response;
    }
    response = await sendOnce(context, request, token);
    if (follows(request)) response = await followRedirect(context, request, response);
    if (response.status !== 401) return response;
  }
}

/** One send with the credentials; a redirect comes back as it is (the caller follows it, see {@link follows}). */
function sendOnce(context: Context, request: FetchRequest, token: AccessToken): Promise<Response> {
  const { dpop } = context;
  if (dpop !== undefined && token.type === 'DPoP') return sendWithProof(context, request, token, dpop);
  const headers = withCredentials(request.init.headers, authorizationValue(token), undefined);
  return sendWith(context, request, headers);
}

async function sendWithProof(
  context: Context,
  request: FetchRequest,
  token: AccessToken,
  dpop: DPoPProofSigner,
): Promise<Response> {
  const proof = await dpop.proof(request.init.method ?? 'GET', request.url, token.value);
  const response = await sendWith(
    context,
    request,
    withCredentials(request.init.headers, authorizationValue(token), proof),
  );
  dpop.rememberNonce(request.url, response.headers.get('dpop-nonce') ?? undefined);
  return response;
}

function sendWith(context: Context, request: FetchRequest, headers: FetchHeaders): Promise<Response> {
  // 'error' stays: fetch fails on the redirect without following it, so the credentials go nowhere else.
  const redirect = request.init.redirect === 'error' ? 'error' : 'manual';
  return context.send(request, { ...request.init, headers, redirect }, true);
}

/** A redirect of a credentialed request, followed without the credentials; any other answer as it is. */
async function followRedirect(
  context: Context,
  request: FetchRequest,
  response: Response,
): Promise<Response> {
  if (!isRedirect(response)) return response;
  const next = redirectedFetchRequest(request, response);
  if (next === undefined) return response;
  await response.body?.cancel();
  return context.send(next, next.init, false);
}
