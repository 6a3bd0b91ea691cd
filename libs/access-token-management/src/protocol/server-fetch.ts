import type * as oauth from 'oauth4webapi';
import type { ResolvedClientOptions } from '../config/resolved-options.interface.js';
import type { ClientNetwork } from './client-network.js';
import { isAbort, ProxyRequestError } from './proxy-request.error.js';

/** The fetch oauth4webapi calls, as its `customFetch` option types it. */
export type OAuthFetch = (
  url: string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- one fetch serves GET (discovery) and POST (token)
  options: oauth.CustomFetchOptions<any, any>,
) => Promise<Response>;

type AnyFetch = (url: string, init: object) => Promise<Response>;

/**
 * The fetch of a client's requests to its authorization server (token endpoint, discovery): the client's own `fetch`
 * if it gave one, else Node's; through the client's network when it has one (CAs, the certificate — RFC 8705 mutual
 * TLS —, a proxy), as the undici `dispatcher` of each request, with undici's fetch unless the client gave its own.
 * A request that fails at its proxy fails as a {@link ProxyRequestError} naming the proxy.
 */
export async function createServerFetch(
  client: ResolvedClientOptions,
  network: ClientNetwork | undefined,
): Promise<OAuthFetch> {
  const own = client.fetch as AnyFetch | undefined;
  if (network === undefined) return (own as OAuthFetch | undefined) ?? nodeFetch;
  const [route, undiciFetch] = await Promise.all([network.routes(), network.fetch()]);
  const send = own ?? (undiciFetch as unknown as AnyFetch);
  return async (url, options) => {
    const { dispatcher, proxy } = route(new URL(url), true);
    try {
      return await send(url, dispatcher === undefined ? options : { ...options, dispatcher });
    } catch (cause) {
      throw proxy !== undefined && !isAbort(cause) ? new ProxyRequestError(proxy, cause) : cause;
    }
  };
}

/** Node's global fetch, looked up per call as oauth4webapi itself does. */
const nodeFetch: OAuthFetch = (url, options) => fetch(url, options as RequestInit);
