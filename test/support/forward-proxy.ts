import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createProxy } from 'proxy';

/** One request the proxy got: `GET http://host/path` as an absolute URL (plain http), or `CONNECT host:port` (https). */
export interface ProxiedRequest {
  method: string;
  /** The absolute URL of a plain http request, `host:port` of a CONNECT. */
  target: string;
  /** The `Proxy-Authorization` header the client sent, if any. */
  proxyAuthorization?: string;
  /** Whether the request carried an `Authorization` header the proxy could read (plain http only). */
  sawAuthorization: boolean;
}

export interface RunningForwardProxy {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `http://<user>:<password>@127.0.0.1:<port>` for the credentials it was started with. */
  urlWithCredentials: string;
  /** What reached the proxy, in order. */
  log: ProxiedRequest[];
  close(): Promise<void>;
}

export interface ForwardProxyOptions {
  /** Basic credentials the proxy demands (`407` without them, or with others). */
  credentials?: { user: string; password: string };
  /** Refuse every request with `407`, whatever credentials it carries. */
  refuseAll?: boolean;
}

/**
 * A real forward proxy (the `proxy` npm package, a Squid-like HTTP proxy: absolute-URL requests and CONNECT tunnels)
 * on a free loopback port, for tests. It forwards only to what the test's own servers are: loopback addresses.
 */
export async function startForwardProxy(options: ForwardProxyOptions = {}): Promise<RunningForwardProxy> {
  const log: ProxiedRequest[] = [];
  const server = createProxy(createServer());
  // CONNECT tunnels are sockets the http server no longer tracks: kept here, so close() ends them too.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const expected =
    options.credentials &&
    `Basic ${Buffer.from(`${options.credentials.user}:${options.credentials.password}`).toString('base64')}`;
  server.authenticate = (request: IncomingMessage) => {
    const proxyAuthorization = request.headers['proxy-authorization'];
    log.push({
      method: request.method ?? '',
      target: request.url ?? '',
      ...(proxyAuthorization !== undefined ? { proxyAuthorization } : {}),
      sawAuthorization: request.headers.authorization !== undefined,
    });
    if (options.refuseAll) return false;
    return expected === undefined || proxyAuthorization === expected;
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const credentials = options.credentials ?? { user: 'user', password: 'password' };
  return {
    url,
    urlWithCredentials: `http://${credentials.user}:${credentials.password}@127.0.0.1:${port}`,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
