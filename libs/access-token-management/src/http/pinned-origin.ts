import { isTransportAllowed } from '../config/url-rules.js';
import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import type { ClientTransport } from '../manager/token-source.interface.js';

/**
 * The one origin a client's credentials may go to, for `attachAccessToken` and `createAuthorizedFetch`: the given
 * one, else the client's `baseURL`, else `fallback` (an axios instance's `baseURL`).
 * @throws AccessTokenError `ERR_CONFIG_INVALID` when there is none, or it is plain http to a non-loopback host
 */
export function pinnedOriginOf(
  what: string,
  client: ClientTransport,
  clientName: string,
  origin: string | undefined,
  fallback?: string,
): URL {
  const chosen = origin ?? client.baseURL ?? fallback;
  if (chosen === undefined) {
    throw new AccessTokenError(
      AccessTokenErrorCode.ConfigInvalid,
      `${what} for client '${clientName}' needs an origin: set the client's baseURL or pass { origin }`,
      clientName,
    );
  }
  const pinnedBase = new URL(chosen);
  if (!isTransportAllowed(pinnedBase, client.allowInsecureHttp)) {
    // The same https rule as the client's baseURL: a token must not cross a network in clear text.
    throw new AccessTokenError(
      AccessTokenErrorCode.ConfigInvalid,
      `${what} for client '${clientName}': ${pinnedBase.origin} must use https (plain http is allowed only ` +
        'for loopback hosts, or with allowInsecureHttp)',
      clientName,
    );
  }
  return pinnedBase;
}
