import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import type { TokenSource } from '../manager/token-source.interface.js';

/** What was pinned when an axios instance was attached or an authorized fetch made. */
export interface PinnedClient {
  readonly tokens: TokenSource;
  readonly clientName: string;
  /** The client's `baseURL` then. */
  readonly clientBaseURL: string | undefined;
  /** 'axios instance' or 'authorized fetch', for the message. */
  readonly attachedAs: string;
}

/**
 * The client of this name is still the one pinned: removed and registered again (a tenant moved) with another
 * `baseURL`, its token must not go to the origin pinned for the old one. A string compare: nothing on the hot path.
 * @throws AccessTokenError `ERR_CLIENT_NOT_FOUND` when it was replaced (or removed)
 */
export function checkSameClient(pinned: PinnedClient): void {
  const { baseURL } = pinned.tokens.clientTransport(pinned.clientName);
  if (baseURL === pinned.clientBaseURL) return;
  throw new AccessTokenError(
    AccessTokenErrorCode.ClientNotFound,
    `The access token client '${pinned.clientName}' was replaced by one with another baseURL after this ` +
      `${pinned.attachedAs} was made for it: make a new one`,
    pinned.clientName,
  );
}
