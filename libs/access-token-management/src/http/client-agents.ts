import type { Agent } from 'node:http';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';
import type { ProxyAddress } from '../config/proxy-address.js';
import type { ClientTransport } from '../manager/token-source.interface.js';
import { clientCertificateAgents, type ClientCertificateAgents } from './client-certificate.js';

/**
 * The Node agents of a client's requests through axios' http adapter, per URL: direct or through the client's proxy
 * (the same decision as its token requests: `proxyUrl`, `HTTPS_PROXY`/`HTTP_PROXY`, `NO_PROXY`), with its CAs, and
 * with its client certificate only where its credentials go. https through a proxy tunnels with CONNECT
 * (https-proxy-agent), so the proxy sees neither the token nor the certificate; plain http goes as an absolute URL.
 */
export class ClientAgents {
  private readonly direct: ClientCertificateAgents | undefined;
  private readonly tunnels = new Map<string, Agent>();
  private readonly own = new WeakSet<object>();

  private constructor(private readonly transport: ClientTransport) {
    this.direct = clientCertificateAgents(transport.tls);
    for (const agent of [this.direct?.presenting, this.direct?.anonymous]) if (agent) this.own.add(agent);
  }

  /** The agents of a client with TLS settings or a proxy; `undefined` when Node's defaults do. */
  static of(transport: ClientTransport): ClientAgents | undefined {
    return transport.tls === undefined && transport.network?.proxies === undefined
      ? undefined
      : new ClientAgents(transport);
  }

  /** A proxy is configured at all: axios' own env proxy handling must stay out of the requests routed here. */
  get proxied(): boolean {
    return this.transport.network?.proxies !== undefined;
  }

  /** The proxy requests to `url` go through, if any. */
  proxyFor(url: URL): ProxyAddress | undefined {
    return this.transport.network?.proxyFor(url);
  }

  /** Whether `agent` is one of these (a request sent again keeps the agents it was given). */
  owns(agent: unknown): boolean {
    return typeof agent === 'object' && agent !== null && this.own.has(agent);
  }

  /** The agent for a request to `url`; `undefined` means Node's default agent. */
  agentFor(url: URL, presentCertificate: boolean): Agent | undefined {
    const https = url.protocol === 'https:';
    const proxy = this.proxyFor(url);
    if (proxy === undefined) {
      if (!https) return undefined;
      return presentCertificate ? this.direct?.presenting : this.direct?.anonymous;
    }
    const present = https && presentCertificate && this.transport.tls?.certificate !== undefined;
    const key = `${https ? 'https' : 'http'} ${present ? 'cert' : 'anon'} ${proxy.href}`;
    let agent = this.tunnels.get(key);
    if (agent === undefined) {
      agent = https ? this.tunnel(proxy, present) : new HttpProxyAgent(proxy.href, { keepAlive: true });
      this.tunnels.set(key, agent);
      this.own.add(agent);
    }
    return agent;
  }

  /** CONNECT through the proxy, then TLS to the server with the client's CAs (and certificate). */
  private tunnel(proxy: ProxyAddress, present: boolean): Agent {
    const tls = this.transport.tls;
    return new HttpsProxyAgent(proxy.href, {
      keepAlive: true,
      ...(tls?.ca !== undefined ? { ca: tls.ca } : {}),
      ...(present ? { cert: tls?.certificate, key: tls?.key } : {}),
    });
  }
}
