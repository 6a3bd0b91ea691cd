import type { ClientNetworkView } from '../manager/token-source.interface.js';

/** The `fetch` signature the authorized fetch offers and wraps (the global one's). */
export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Where a request goes: `href` is sent; `url` is parsed on demand (a proxy decision needs it). */
export interface FetchTarget {
  readonly href: string;
  readonly url: URL;
}

/** Sends one request: the client certificate only when `presentCertificate` (its credentials' origin). */
export type FetchTransport = (
  target: FetchTarget,
  init: RequestInit,
  presentCertificate: boolean,
) => Promise<Response>;

/**
 * How the authorized fetch sends: the user's `fetch` if given, else the global one (looked up per call, so
 * instrumentation installed later is used); through the client's network when it has one — its proxy per URL
 * (`NO_PROXY` as curl reads it), its CAs, its certificate — as the undici `dispatcher` of each request, which Node's
 * `fetch` and undici's honour. undici is loaded on the first request of such a client only. The network is read
 * per request (`network()`): a rotated certificate makes the client a new one.
 */
export function fetchTransport(
  own: FetchFunction | undefined,
  network: () => ClientNetworkView | undefined,
): FetchTransport {
  const send = (target: FetchTarget, init: RequestInit) => (own ?? globalThis.fetch)(target.href, init);
  if (network() === undefined) return send;
  return async (target, init, presentCertificate) => {
    const current = network();
    if (current === undefined) return send(target, init);
    const { dispatcher } = (await current.routes())(target.url, presentCertificate);
    // Node's RequestInit types its bundled undici's dispatcher, a copy of the package's types: the same at run time.
    return send(
      target,
      dispatcher === undefined ? init : ({ ...init, dispatcher } as unknown as RequestInit),
    );
  };
}
