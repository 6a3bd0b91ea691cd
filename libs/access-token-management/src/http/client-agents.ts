import type { Agent } from 'node:http';
import { inspect } from 'node:util';
import type { ResolvedTlsOptions } from '../config/key-material.js';
import type { ProxyAddress } from '../config/proxy-address.js';
import type { ClientTransport } from '../manager/token-source.interface.js';
import { clientCertificateAgents, closeIdle, type ClientCertificateAgents } from './client-certificate.js';
import { httpProxyAgent, tunnelAgent } from './proxy-agents.js';

/**
 * The Node agents of a client's requests through axios' http adapter, per URL: direct or through the client's proxy
 * (the same decision as its token requests: `proxyUrl`, `HTTPS_PROXY`/`HTTP_PROXY`, `NO_PROXY`), with its CAs, and
 * with its client certificate only where its credentials go. https through a proxy tunnels with CONNECT
 * (https-proxy-agent), so the proxy sees neither the token nor the certificate; plain http goes as an absolute URL.
 * The agents follow the client's TLS material: a rotated certificate gets new agents, so new connections present it.
 */
export class ClientAgents {
  /** The TLS material the agents below were made with. */
  private tls: ResolvedTlsOptions | undefined;
  private direct: ClientCertificateAgents | undefined;
  private readonly tunnels = new Map<string, Agent>();
  private readonly own = new WeakSet<object>();

  private constructor(private readonly transport: ClientTransport) {
    this.adopt(transport.tls);
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

  /** The client has TLS settings (CAs, a certificate), which only Node agents carry. */
  get hasTls(): boolean {
    return this.transport.tls !== undefined;
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
    this.followRotation();
    const proxy = this.proxyFor(url);
    if (proxy === undefined) return this.directFor(url, presentCertificate);
    const https = url.protocol === 'https:';
    const present = https && presentCertificate && this.tls?.certificate !== undefined;
    const key = `${https ? 'https' : 'http'} ${present ? 'cert' : 'anon'} ${proxy.href}`;
    let agent = this.tunnels.get(key);
    if (agent === undefined) {
      agent = quiet(https ? this.tunnel(proxy, present) : httpProxyAgent(proxy), proxy);
      this.tunnels.set(key, agent);
      this.own.add(agent);
    }
    return agent;
  }

  /** The agent for `url` without a proxy (a request whose `proxy` its caller set): the client's CAs and certificate. */
  directFor(url: URL, presentCertificate: boolean): Agent | undefined {
    this.followRotation();
    if (url.protocol !== 'https:') return undefined;
    return presentCertificate ? this.direct?.presenting : this.direct?.anonymous;
  }

  /**
   * New agents when the client's certificate (or CAs) were rotated since these were made; the old agents' idle
   * connections are closed, requests running on them finish as they are. One identity compare per request.
   */
  private followRotation(): void {
    const tls = this.transport.tls;
    if (tls === this.tls) return;
    for (const agent of new Set([
      this.direct?.presenting,
      this.direct?.anonymous,
      ...this.tunnels.values(),
    ])) {
      closeIdle(agent);
    }
    this.tunnels.clear();
    this.adopt(tls);
  }

  private adopt(tls: ResolvedTlsOptions | undefined): void {
    this.tls = tls;
    this.direct = clientCertificateAgents(tls);
    for (const agent of [this.direct?.presenting, this.direct?.anonymous]) if (agent) this.own.add(agent);
  }

  /** CONNECT through the proxy, then TLS to the server with the client's CAs (and certificate). */
  private tunnel(proxy: ProxyAddress, present: boolean): Agent {
    const tls = this.tls;
    return tunnelAgent(proxy, {
      ...(tls?.ca !== undefined ? { ca: tls.ca } : {}),
      ...(present ? { cert: tls?.certificate, key: tls?.key } : {}),
    });
  }
}

/**
 * A proxy agent keeps the proxy URL, password included, in its fields; axios errors and configs hold the agent, and a
 * logged error would show it. Inspected or serialised, the agent shows only the proxy's origin.
 */
function quiet(agent: Agent, proxy: ProxyAddress): Agent {
  const shown = `ProxyAgent(${proxy.origin})`;
  Object.defineProperties(agent, {
    [inspect.custom]: { value: () => shown },
    toJSON: { value: () => shown },
  });
  return agent;
}
