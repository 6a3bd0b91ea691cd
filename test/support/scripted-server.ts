import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** One request as the server saw it. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The header lines as sent, names as spelt, duplicates kept (`headers` keeps one `Authorization`). */
  rawHeaders: string[];
  body: string;
  /** Epoch ms when the request had been read. */
  receivedAt: number;
  /** Over https: the subject CN of the certificate the client presented, `undefined` when it presented none. */
  clientCertificate?: string;
}

export type ScriptedHandler = (request: RecordedRequest, response: ServerResponse) => void | Promise<void>;

export interface ScriptedServerOptions {
  /** Serve https with this certificate, and ask every client for its certificate (recorded, never required). */
  tls?: { cert: string; key: string };
}

export interface ScriptedServer {
  /** `http://127.0.0.1:<port>` (`https://` with `tls`) */
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Replaces the handler for the requests that follow. */
  handle(handler: ScriptedHandler): void;
  close(): Promise<void>;
}

/**
 * A node:http server on a free loopback port whose answers a test scripts: how the tests make a peer misbehave on
 * demand (HTML 500s, hangs, bad JSON, redirects) and see exactly what a client sent.
 */
export async function startScriptedServer(
  handler: ScriptedHandler = sendJson(200, {}),
  options: ScriptedServerOptions = {},
): Promise<ScriptedServer> {
  let current = handler;
  const requests: RecordedRequest[] = [];
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
        clientCertificate: options.tls ? presentedCertificate(req.socket as TLSSocket) : undefined,
      };
      requests.push(recorded);
      Promise.resolve(current(recorded, res)).catch(() => res.destroy());
    });
  };
  const server = options.tls
    ? createHttpsServer({ ...options.tls, requestCert: true, rejectUnauthorized: false }, listener)
    : createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    handle: (next) => {
      current = next;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function presentedCertificate(socket: TLSSocket): string | undefined {
  const subject = socket.getPeerCertificate().subject as { CN?: string } | undefined;
  return subject?.CN;
}

/** A handler answering with JSON. */
export function sendJson(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): ScriptedHandler {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  };
}

/** A handler answering with raw text of a given content type. */
export function sendText(status: number, text: string, contentType = 'text/html'): ScriptedHandler {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': contentType });
    response.end(text);
  };
}
