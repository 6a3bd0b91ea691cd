import type { Agent, ClientRequest } from 'node:http';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type * as HttpProxyAgentModule from 'http-proxy-agent';
import type * as HttpsProxyAgentModule from 'https-proxy-agent';
import type { ProxyAddress } from '../config/proxy-address.js';

// The proxy agents (and agent-base and debug under them) are loaded when a client first routes a request through a
// proxy: a process without a proxy never holds them. Both packages are CommonJS only, so `require` gives the same
// module instances an `import` would.
const load = createRequire(import.meta.url);

/** A keep-alive agent that sends plain http requests to `proxy` as absolute URLs. */
export function httpProxyAgent(proxy: ProxyAddress): Agent {
  const { HttpProxyAgent } = load('http-proxy-agent') as typeof HttpProxyAgentModule;
  return new HttpProxyAgent(proxy.href, { keepAlive: true });
}

/**
 * A keep-alive agent that tunnels https requests through `proxy` with CONNECT, then speaks TLS to the server with
 * `serverTls` (the client's CAs, and its certificate where it is presented).
 */
export function tunnelAgent(proxy: ProxyAddress, serverTls: ConnectionOptions): Agent {
  TunnelAgent ??= tunnelAgentClass();
  return new TunnelAgent(proxy, serverTls);
}

type TunnelAgentClass = new (proxy: ProxyAddress, serverTls: ConnectionOptions) => Agent;
let TunnelAgent: TunnelAgentClass | undefined;

/**
 * https-proxy-agent's constructor options are those of the connection to the proxy; the TLS options of the server
 * behind it come with each request. This agent adds the client's (CAs, certificate) to every tunnelled connection.
 */
function tunnelAgentClass(): TunnelAgentClass {
  const { HttpsProxyAgent } = load('https-proxy-agent') as typeof HttpsProxyAgentModule;
  type ConnectOptions = Parameters<HttpsProxyAgentModule.HttpsProxyAgent<string>['connect']>[1];
  return class extends HttpsProxyAgent<string> {
    constructor(
      proxy: ProxyAddress,
      private readonly serverTls: ConnectionOptions,
    ) {
      // The CAs also serve an https proxy's own certificate; never the client certificate, which is the server's.
      super(proxy.href, { keepAlive: true, ...(serverTls.ca !== undefined ? { ca: serverTls.ca } : {}) });
    }

    override connect(request: ClientRequest, options: ConnectOptions): Promise<Socket> {
      return super.connect(request, { ...options, ...this.serverTls } as ConnectOptions);
    }
  };
}
