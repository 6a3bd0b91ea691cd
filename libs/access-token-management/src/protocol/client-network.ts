import type { Dispatcher } from 'undici';
import type { ResolvedTlsOptions } from '../config/key-material.js';
import type { ProxyAddress } from '../config/proxy-address.js';
import type { ProxyRules } from '../config/proxy-rules.js';

type Undici = typeof import('undici');

/** How one request goes out: the undici dispatcher to hand to `fetch` (none: the default), the proxy it goes through. */
export interface NetworkRoute {
  readonly dispatcher?: Dispatcher;
  readonly proxy?: ProxyAddress;
}

/** Picks the route of a request to `url`; the client certificate is presented only when `presentCertificate`. */
export type RouteChooser = (url: URL, presentCertificate: boolean) => NetworkRoute;

/**
 * How a client's requests reach servers when Node's defaults will not do: its CAs, its client certificate and its
 * proxy, as undici dispatchers (undici's `ProxyAgent`: CONNECT for https, the absolute URL for plain http). One per
 * client, shared by its token requests, discovery and its authorized fetch, so they go the same way. Node bundles
 * undici for its `fetch` but does not export its `Agent`, so the npm package is loaded, on first use.
 */
export class ClientNetwork {
  private chooser?: Promise<RouteChooser>;

  constructor(
    private readonly tls: ResolvedTlsOptions | undefined,
    /** Which proxy each URL goes through; `undefined` when none is configured. */
    readonly proxies: ProxyRules | undefined,
  ) {}

  /** The proxy requests to `url` go through, `undefined` for direct. */
  proxyFor(url: URL): ProxyAddress | undefined {
    return this.proxies?.proxyFor(url);
  }

  /** Resolves once undici is loaded, to a synchronous chooser: the dispatchers are made once each, then reused. */
  routes(): Promise<RouteChooser> {
    this.chooser ??= import('undici').then((undici) => this.chooserOf(undici));
    return this.chooser;
  }

  /** undici's own `fetch`, which the dispatchers belong to (never the copy bundled in Node). */
  async fetch(): Promise<Undici['fetch']> {
    return (await import('undici')).fetch;
  }

  private chooserOf(undici: Undici): RouteChooser {
    const made = new Map<string, Dispatcher | undefined>();
    return (url, presentCertificate) => {
      const proxy = this.proxies?.proxyFor(url);
      const present = presentCertificate && this.tls?.certificate !== undefined;
      // Keyed by the proxy's full URL: two proxy users on one host are two proxies. A map key, never shown.
      const key = `${present ? 'cert' : 'anon'} ${proxy?.href ?? ''}`;
      if (!made.has(key)) made.set(key, this.dispatcher(undici, proxy, present));
      return { dispatcher: made.get(key), proxy };
    };
  }

  private dispatcher(
    undici: Undici,
    proxy: ProxyAddress | undefined,
    present: boolean,
  ): Dispatcher | undefined {
    const tls = {
      ...(present ? { cert: this.tls?.certificate, key: this.tls?.key } : {}),
      ...(this.tls?.ca !== undefined ? { ca: this.tls.ca } : {}),
    };
    if (proxy !== undefined) {
      // proxyTunnel false: plain http goes to the proxy as an absolute URL (what proxies expect, and what a proxy that
      // allows CONNECT to port 443 only still serves); https always tunnels with CONNECT, the proxy seeing no content.
      return new undici.ProxyAgent({
        uri: proxy.href,
        proxyTunnel: false,
        requestTls: tls,
        proxyTls: tls.ca ? { ca: tls.ca } : {},
      });
    }
    return Object.keys(tls).length === 0 ? undefined : new undici.Agent({ connect: tls });
  }
}
