import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

import type { OrdersApiSettings } from '../../../apps/orders-api/src/orders-api.config.js';
import { createOrdersApiApp } from '../../../apps/orders-api/src/orders-api-app.factory.js';

/** One request as the orders-api received it. */
export interface RecordedRequest {
  method: string;
  /** Path and query string. */
  path: string;
  /** The Authorization header as sent, so that a test can assert which token was presented. */
  authorization?: string;
  /** The DPoP proof header as sent. */
  dpop?: string;
  /** Over TLS: the `x5t#S256` of the client certificate the connection presented, if it presented one. */
  clientCertificate?: string;
}

export interface RunningOrdersApi {
  /** `http://127.0.0.1:<port>` (`https://` with `tls`) */
  url: string;
  settings: OrdersApiSettings;
  /** Every request received so far, oldest first (a live array; clear it with `requests.length = 0`). */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * Starts a real orders-api on a free loopback port, for tests.
 *
 * `audience` defaults to `http://localhost:3001` (the `ORDERS_API_URL` default), which is also the default
 * resource of `startTokenServer`: the two servers cannot both learn each other's random port before they
 * start, and the audience is an identifier, not an address. Pass `issuer` (the token server's `url`). DPoP proofs
 * must name `url` (the `publicUrl`), unless `publicUrl` is given.
 */
export async function startOrdersApi(overrides: Partial<OrdersApiSettings> = {}): Promise<RunningOrdersApi> {
  const settings: OrdersApiSettings = {
    issuer: 'http://localhost:4000',
    audience: 'http://localhost:3001',
    ...overrides,
    port: 0,
  };
  const app = await createOrdersApiApp(settings, { logger: ['error'] });

  const requests: RecordedRequest[] = [];
  // Test-only recording, registered before the app's routes; production code keeps no such log.
  app.use(
    (
      req: {
        method: string;
        url: string;
        headers: { authorization?: string; dpop?: string };
        socket: Partial<TLSSocket>;
      },
      _res: unknown,
      next: () => void,
    ) => {
      const certificate = req.socket.getPeerCertificate?.();
      requests.push({
        method: req.method,
        path: req.url,
        ...(req.headers.authorization !== undefined ? { authorization: req.headers.authorization } : {}),
        ...(req.headers.dpop !== undefined ? { dpop: req.headers.dpop } : {}),
        ...(certificate?.raw
          ? { clientCertificate: createHash('sha256').update(certificate.raw).digest('base64url') }
          : {}),
      });
      next();
    },
  );
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const url = `${settings.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  settings.port = port;
  // The app holds this very object: DPoP proofs are checked against the URL it actually listens on.
  settings.publicUrl ??= url;

  return {
    url,
    settings,
    requests,
    close: async () => {
      await app.close();
    },
  };
}
