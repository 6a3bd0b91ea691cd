import type { AccessToken } from '../access-token.js';
import type { ClientAuthMethod } from '../config/client-options.interface.js';
import type { ResolvedTlsOptions } from '../config/key-material.js';
import type { ProxyAddress } from '../config/proxy-address.js';
import type { ProxyRules } from '../config/proxy-rules.js';
import type { Dispatcher } from 'undici';

/** Which token of a client a call wants: its default scope and resource, or others. */
export interface TokenCallOptions {
  /**
   * Space-separated scopes to ask for instead of the client's default. Tokens are cached per scope set (order and
   * repeated spaces do not matter). `''` (or only spaces) asks explicitly for no scope: the request carries no `scope`
   * parameter, so the server applies its default, and the token is cached apart from the client's default scope.
   */
  scope?: string;
  /** RFC 8707 resource to ask for instead of the client's default. Tokens are cached per resource. */
  resource?: string;
}

/** Per-call choices of `getAccessToken`. */
export interface GetAccessTokenOptions extends TokenCallOptions {
  /**
   * Skip the cache and fetch a new token (e.g. after the API rejected the cached one). Forced renewals of one key back
   * off like failures: the first is made at once, one that follows within the backoff delay is an ordinary call.
   */
  forceRenewal?: boolean;
}

/** Signs the DPoP proofs of API requests (RFC 9449 §7) and keeps the nonces the APIs hand out. */
export interface DPoPProofSigner {
  proof(method: string, url: URL, accessToken: string): Promise<string>;
  rememberNonce(url: URL, nonce: string | undefined): void;
}

/** What the HTTP layer needs of a client besides its tokens: where they may go and what they are bound to. */
export interface ClientTransport {
  /** The API the client calls; its origin is the only one that gets the client's credentials. */
  readonly baseURL?: string;
  /** Plain http to hosts other than loopback was allowed for this client (a private network). */
  readonly allowInsecureHttp: boolean;
  /** The client's DPoP key, when its tokens are DPoP-bound; read it per request (it follows a rotated key file). */
  readonly dpop?: DPoPProofSigner;
  /**
   * The client certificate and trusted CAs, presented to the API for certificate-bound tokens (RFC 8705); read it per
   * connection (it follows rotated files).
   */
  readonly tls?: ResolvedTlsOptions;
  /** How the client's requests reach servers (its proxy, CAs, certificate); absent when Node's defaults do. */
  readonly network?: ClientNetworkView;
}

/** What the HTTP layer uses of a client's network: the proxy of each URL, and undici dispatchers for `fetch`. */
export interface ClientNetworkView {
  /** Which proxy each URL goes through; `undefined` when no proxy is configured. */
  readonly proxies: ProxyRules | undefined;
  /** The proxy requests to `url` go through, `undefined` for direct. */
  proxyFor(url: URL): ProxyAddress | undefined;
  /** Resolves to a chooser of the undici dispatcher (and proxy) of a request, the certificate only when asked. */
  routes(): Promise<
    (url: URL, presentCertificate: boolean) => { dispatcher?: Dispatcher; proxy?: ProxyAddress }
  >;
  /** undici's own `fetch`, which those dispatchers belong to. */
  fetch(): Promise<typeof import('undici').fetch>;
}

/**
 * Where the HTTP layer gets tokens from: the narrow view of the manager that the interceptors and adapters use, so
 * they depend on neither the manager's class nor the protocol.
 */
export interface TokenSource {
  getAccessToken(clientName: string, options?: GetAccessTokenOptions): Promise<AccessToken>;
  /**
   * Optional: the token `getAccessToken` would hand out right now without waiting on anything, or `undefined` when it
   * would have to wait (or fail); then the caller asks `getAccessToken`. Lets the HTTP layer send a request with a
   * cached token without a promise hop.
   */
  peekAccessToken?(clientName: string, options?: TokenCallOptions): AccessToken | undefined;
  /**
   * A token to use instead of `rejected`, which the API refused: the cached one when it is newer already (so
   * concurrent 401s renew once), else a forced renewal.
   */
  renewAccessToken(
    clientName: string,
    options: TokenCallOptions,
    rejected: AccessToken,
  ): Promise<AccessToken>;
  /** @throws AccessTokenError `ERR_CLIENT_NOT_FOUND` */
  clientTransport(clientName: string): ClientTransport;
}

/** The public view of a configured client: what it is, never its secret or keys. */
export interface AccessTokenClient {
  readonly name: string;
  readonly clientId: string;
  readonly baseURL?: string;
  readonly scope?: string;
  readonly resource?: string;
  readonly authMethod: ClientAuthMethod;
  /** Its tokens are DPoP-bound (RFC 9449). */
  readonly dpop: boolean;
}
