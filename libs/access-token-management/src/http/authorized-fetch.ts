import type { AccessToken } from '../access-token.js';
import type { DPoPProofSigner, TokenSource } from '../manager/token-source.interface.js';
import {
  demandsFetchDPoPNonce,
  fetchRequestOf,
  isReplayableFetchBody,
  redirectedFetchRequest,
  rejectsFetchToken,
  type FetchRequest,
} from './fetch-request.js';
import { fetchTransport, type FetchFunction, type FetchTransport } from './fetch-transport.js';
import { pinnedOriginOf } from './pinned-origin.js';

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

interface Context {
  tokens: TokenSource;
  clientName: string;
  tokenOptions: { scope?: string; resource?: string };
  pinnedBase: URL;
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
  const context: Context = {
    tokens,
    clientName,
    tokenOptions: { scope: options.scope, resource: options.resource },
    pinnedBase: pinnedOriginOf('createAuthorizedFetch', client, clientName, options.origin),
    // The DPoP key and the network (certificate, proxy) as the client has them now: they follow rotated files.
    get dpop() {
      return client.dpop;
    },
    send: fetchTransport(options.fetch, () => client.network),
  };
  return (input, init) => {
    const request = fetchRequestOf(input, init, context.pinnedBase);
    return request.url.origin === context.pinnedBase.origin
      ? sendAuthorized(context, request)
      : context.send(request.url, request.init, false);
  };
}

async function sendAuthorized(context: Context, request: FetchRequest): Promise<Response> {
  const { tokens, clientName, tokenOptions, dpop } = context;
  let token = await tokens.getAccessToken(clientName, tokenOptions);
  let renewed = false;
  let nonceRetried = false;
  for (;;) {
    const proofBound = dpop !== undefined && token.type === 'DPoP';
    const response = await sendOnce(context, request, token, proofBound ? dpop : undefined);
    if (proofBound) dpop.rememberNonce(request.url, response.headers.get('dpop-nonce') ?? undefined);
    if (response.status !== 401 || !isReplayableFetchBody(request.init.body)) return response;
    if (!renewed && rejectsFetchToken(response)) {
      renewed = true;
      await response.body?.cancel();
      token = await tokens.renewAccessToken(clientName, tokenOptions, token);
    } else if (!nonceRetried && proofBound && demandsFetchDPoPNonce(response)) {
      nonceRetried = true;
      await response.body?.cancel();
    } else {
      return response;
    }
  }
}

/** One send with the credentials, its redirect (if the caller lets fetch follow) followed without them. */
async function sendOnce(
  context: Context,
  request: FetchRequest,
  token: AccessToken,
  dpop: DPoPProofSigner | undefined,
): Promise<Response> {
  const headers = new Headers(request.init.headers);
  headers.set('authorization', `${token.type} ${token.value}`);
  const method = request.init.method ?? 'GET';
  if (dpop !== undefined) headers.set('dpop', await dpop.proof(method, request.url, token.value));
  const asked = request.init.redirect ?? 'follow';
  // 'error' stays: fetch fails on the redirect without following it, so the credentials go nowhere else.
  const redirect = asked === 'error' ? 'error' : 'manual';
  const response = await context.send(request.url, { ...request.init, headers, redirect }, true);
  if (asked !== 'follow') return response;
  const next = redirectedFetchRequest(request, response);
  if (next === undefined) return response;
  await response.body?.cancel();
  return context.send(next.url, next.init, false);
}
