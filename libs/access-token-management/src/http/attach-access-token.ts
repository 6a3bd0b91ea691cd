import type { AxiosInstance, InternalAxiosRequestConfig } from 'axios';
import type { TokenSource } from '../manager/token-source.interface.js';
import { authorizedAdapter, routesThrough, type AuthorizedAdapterContext } from './authorized-adapter.js';
import { loadAxios } from './axios-module.js';
import { ClientAgents } from './client-agents.js';
import { pinnedOriginOf } from './pinned-origin.js';

/** Options of {@link attachAccessToken}. */
export interface AttachAccessTokenOptions {
  /**
   * Tokens go only to this origin. Default: the client's `baseURL`, else the axios instance's `baseURL`.
   */
  origin?: string;
  /** Scope to request instead of the client's default. */
  scope?: string;
  /** RFC 8707 resource to request instead of the client's default. */
  resource?: string;
}

/**
 * Makes an axios instance send the client's access token:
 * - `Authorization: <Bearer|DPoP> <token>` on requests whose final URL has the pinned origin, and on no other; the
 *   URL is judged where the request is dispatched, after every request interceptor, in whatever order they were
 *   registered;
 * - never on a redirect (axios' `http` and `fetch` adapters; another adapter is refused for such requests with
 *   `ERR_CONFIG_INVALID` before anything is sent); a client certificate only to the pinned origin;
 * - on a 401 whose challenge says `invalid_token` (or gives no error), one retry with a renewed token, unless the body
 *   was a stream that cannot be sent again; 403 and other errors are passed through;
 * - when no token can be had, the request is not sent: it fails with the {@link AccessTokenError}.
 *
 * Errors and responses passed through have their `Authorization` header redacted.
 *
 * @returns a function that removes the interceptor again.
 */
export function attachAccessToken(
  instance: AxiosInstance,
  tokens: TokenSource,
  clientName: string,
  options: AttachAccessTokenOptions = {},
): () => void {
  const client = tokens.clientTransport(clientName);
  const pinnedBase = pinnedOriginOf(
    'attachAccessToken',
    client,
    clientName,
    options.origin,
    instance.defaults.baseURL,
  );
  const context: AuthorizedAdapterContext = {
    tokens,
    clientName,
    tokenOptions: { scope: options.scope, resource: options.resource },
    pinnedBase,
    pinnedOrigin: pinnedBase.origin,
    clientBaseURL: client.baseURL,
    attachedAs: 'axios instance',
    // Sender-constrained tokens: the client certificate and a DPoP proof go wherever the token goes; both follow
    // rotated credential files.
    get dpop() {
      return client.dpop;
    },
    // The client's proxy (and NO_PROXY), CAs and certificate: its API requests go the way its token requests go.
    agents: ClientAgents.of(client),
  };
  // Loaded by now in most cases (see axios-module.ts); a failure shows on the first request, which waits for it.
  loadAxios().catch(() => undefined);

  // Only routes the request through the authorized adapter: what to add is decided there, once the URL is final.
  // Synchronous: axios then runs the request interceptors without a promise hop each (when all of them are).
  const requestId = instance.interceptors.request.use(
    (config: InternalAxiosRequestConfig) => {
      if (!routesThrough(config.adapter, context)) {
        config.adapter = authorizedAdapter(context, config.adapter ?? instance.defaults.adapter);
      }
      return config;
    },
    undefined,
    { synchronous: true },
  );
  // No response interceptor: the authorized adapter redacts every answer and error it hands on, and one more
  // interceptor would cost every call a promise step in axios' chain.
  return () => instance.interceptors.request.eject(requestId);
}
