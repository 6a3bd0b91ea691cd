import * as oauth from 'oauth4webapi';
import type { ResolvedClientOptions } from '../config/resolved-options.interface.js';
import { ProxyRules } from '../config/proxy-rules.js';
import { createClientAuthentication } from './client-authentication.js';
import { ClientNetwork } from './client-network.js';
import { DPoPKey } from './dpop.js';
import { limitResponseSize } from './response-size-limit.js';
import { createServerFetch, type OAuthFetch } from './server-fetch.js';

/**
 * What a client proves itself with: its token endpoint authentication, the fetch that carries its TLS client
 * certificate, its DPoP key. Built once per client by its owner (the manager), which hands it to the token endpoint
 * with every request and to the HTTP layer as the client's transport, so all of them use the same DPoP key.
 * Cryptographic keys are imported on first use.
 */
export class ClientMaterial {
  /** The DPoP key, when the client uses DPoP. */
  dpop?: DPoPKey;
  /**
   * What the client's tokens are bound to — DPoP key, client certificate — for the cache key, so a token is only served
   * to a holder of the same key and certificate; undefined for plain bearer tokens.
   */
  binding?: string;
  /** How its requests reach servers (CAs, certificate, proxy) when Node's defaults will not do; else undefined. */
  network?: ClientNetwork;
  /** Which proxy each URL goes through: HTTPS_PROXY & co. are read once per client, for all its requests. */
  private readonly proxies: ProxyRules | undefined;
  private authentication?: Promise<oauth.ClientAuth>;
  private fetch?: Promise<OAuthFetch>;

  constructor(private client: ResolvedClientOptions) {
    this.proxies = ProxyRules.of(client.proxy);
    this.adopt(client);
  }

  /**
   * Takes the client's credentials (at start-up, and as re-read from rotated files): the authentication and the fetch
   * are built anew on next use, the binding follows the certificate and the DPoP key. A DPoP key is made only for a
   * new `dpop` setting, so a generated one survives a rotation of other files.
   */
  adopt(client: ResolvedClientOptions): void {
    if (client.dpop !== (this.dpop && this.client.dpop))
      this.dpop = client.dpop && new DPoPKey(client.dpop.key);
    // A new certificate needs new connections (a new network, a new fetch); the old agents close when idle.
    if (client.tls !== this.client.tls || this.network === undefined) {
      this.fetch = undefined;
      this.network =
        client.tls !== undefined || this.proxies !== undefined
          ? new ClientNetwork(client.tls, this.proxies)
          : undefined;
    }
    this.client = client;
    this.authentication = undefined;
    const parts = [
      this.dpop ? `dpop:${this.dpop.id}` : undefined,
      client.tls?.certificateThumbprint ? `x5t:${client.tls.certificateThumbprint}` : undefined,
    ].filter(Boolean);
    this.binding = parts.length > 0 ? parts.join(' ') : undefined;
  }

  /** The client's settings with the credentials last adopted (the TLS material API connections present too). */
  get current(): ResolvedClientOptions {
    return this.client;
  }

  /** The client authentication for the token endpoint (keys imported once). */
  clientAuthentication(): Promise<oauth.ClientAuth> {
    if (this.authentication === undefined) {
      const created = createClientAuthentication(this.client);
      created.catch(() => {
        if (this.authentication === created) this.authentication = undefined;
      });
      this.authentication = created;
    }
    return this.authentication;
  }

  /**
   * oauth4webapi request options: the fetch for the authorization server, which reads no answer beyond the size cap
   * and goes through the client's own fetch, TLS settings and proxy when it has them.
   */
  async requestOptions(): Promise<{ [oauth.customFetch]: OAuthFetch }> {
    this.fetch ??= createServerFetch(this.client, this.network).then((fetch) => limitResponseSize(fetch));
    return { [oauth.customFetch]: await this.fetch };
  }

  /** Whether requests should go to the server's `mtls_endpoint_aliases` (RFC 8705 §5): when a certificate is presented. */
  get usesMtls(): boolean {
    return this.client.tls?.certificate !== undefined;
  }
}
