import * as oauth from 'oauth4webapi';
import type { ResolvedClientOptions } from '../config/resolved-options.interface.js';
import { createClientAuthentication } from './client-authentication.js';
import { DPoPKey } from './dpop.js';
import { ProxyRules } from '../config/proxy-rules.js';
import { ClientNetwork } from './client-network.js';
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
  readonly dpop?: DPoPKey;
  /**
   * What the client's tokens are bound to — DPoP key, client certificate — for the cache key, so a token is only served
   * to a holder of the same key and certificate; undefined for plain bearer tokens.
   */
  readonly binding?: string;
  /** How its requests reach servers (CAs, certificate, proxy) when Node's defaults will not do; else undefined. */
  readonly network?: ClientNetwork;
  private authentication?: Promise<oauth.ClientAuth>;
  private fetch?: Promise<OAuthFetch>;

  constructor(private readonly client: ResolvedClientOptions) {
    if (client.dpop) this.dpop = new DPoPKey(client.dpop.key);
    const parts = [
      this.dpop ? `dpop:${this.dpop.id}` : undefined,
      client.tls?.certificateThumbprint ? `x5t:${client.tls.certificateThumbprint}` : undefined,
    ].filter(Boolean);
    if (parts.length > 0) this.binding = parts.join(' ');
    // HTTPS_PROXY & co. are read here, once per client: its token, discovery and API requests share the decision.
    const proxies = ProxyRules.of(client.proxy);
    if (client.tls !== undefined || proxies !== undefined)
      this.network = new ClientNetwork(client.tls, proxies);
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
