import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { RunningOrdersApi } from '../support/apps/start-orders-api.js';
import { startOrdersSystem, type OrdersSystem } from '../support/apps/start-orders-system.js';
import { TEST_CLIENT, type RunningTokenServer } from '../support/apps/start-token-server.js';
import {
  accepts,
  buildSampleApps,
  freePort,
  otherLocalAddress,
  sampleAppMain,
  startNodeProcess,
  WORKSPACE_DIR,
  type RunningProcess,
} from '../support/processes.js';
import { startOrdersCallerProcess } from '../support/apps/start-orders-caller.js';
import { createTestPki, type TestCredential, type TestPki } from '../support/test-pki.js';

const BUILD_TIMEOUT_MS = 300_000;
const PROCESS_TIMEOUT_MS = 90_000;
/** A deployment's resource: not the `http://localhost:3001` of `.env.example`, so a value taken from it shows. */
const RESOURCE = 'http://orders.deployment.test';
const SCOPE = 'orders.read orders.write';

/** 200; on failure the diff shows the answer (the error code), not just the status. */
function expectOk(status: number, body: string): void {
  expect({ status, answer: status === 200 ? 'the orders' : body }).toEqual({
    status: 200,
    answer: 'the orders',
  });
}

/**
 * The sample apps as processes, started the way users start them: one app on its own with only the process env (a
 * deployment: `node main.js`), and all three through the demo launcher (`npm start`). Each runs in a directory that
 * holds a copy of `.env.example` and no `.env`, so a value read from the template would show. Built once beforehand.
 */
describe('the sample apps as processes', () => {
  let workdir: string;
  const running: RunningProcess[] = [];

  beforeAll(async () => {
    workdir = await mkdtemp(join(tmpdir(), 'atm-sample-'));
    await copyFile(join(WORKSPACE_DIR, '.env.example'), join(workdir, '.env.example'));
    await buildSampleApps();
  }, BUILD_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all(running.splice(0).map((each) => each.stop()));
    await rm(workdir, { recursive: true, force: true });
  });

  async function stopAll() {
    await Promise.all(running.splice(0).map((each) => each.stop()));
  }

  describe('an orders-caller started on its own reads the process env (and .env), never .env.example', () => {
    const jwtKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    // Two orders systems whose orders-caller is a process of the built app, started by each test with its own env.
    let plainSystem: OrdersSystem | undefined;
    let tlsSystem: OrdersSystem | undefined;
    let tokenServer: RunningTokenServer;
    let api: RunningOrdersApi;
    let pki: TestPki;
    let tlsTokenServer: RunningTokenServer;
    let tlsApi: RunningOrdersApi;
    let keyFile: string;
    let mtlsClient: TestCredential;

    beforeAll(async () => {
      pki = await createTestPki();
      mtlsClient = await pki.client('orders-caller-mtls');
      keyFile = join(workdir, 'orders-jwt.pem');
      await writeFile(keyFile, jwtKey.privateKey.export({ type: 'pkcs8', format: 'pem' }));
      // The orders-api's audience is the token server's resource.
      plainSystem = await startOrdersSystem({
        tokenServer: {
          resource: RESOURCE,
          clients: [
            { ...TEST_CLIENT },
            {
              clientId: 'orders-caller-jwt',
              scope: SCOPE,
              authMethod: 'private_key_jwt',
              jwks: { keys: [jwtKey.publicKey.export({ format: 'jwk' })] },
            },
          ],
        },
      });
      ({ tokenServer, ordersApi: api } = plainSystem);
      tlsSystem = await startOrdersSystem({
        tokenServer: {
          resource: RESOURCE,
          tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.ca.cert, mtlsEndpointAlias: true },
          clients: [
            {
              clientId: 'orders-caller-mtls',
              scope: SCOPE,
              authMethod: 'tls_client_auth',
              tlsClientAuthSubjectDn: 'CN=orders-caller-mtls',
              certificateBoundAccessTokens: true,
            },
          ],
        },
        ordersApi: { tls: { cert: pki.server.cert, key: pki.server.key }, tokenServerCa: pki.ca.cert },
      });
      ({ tokenServer: tlsTokenServer, ordersApi: tlsApi } = tlsSystem);
    });

    afterAll(async () => {
      await stopAll();
      await Promise.all([plainSystem?.close(), tlsSystem?.close()]);
      await pki?.remove();
    });

    async function ordersThrough(env: Record<string, string>) {
      const caller = await startOrdersCallerProcess(env, workdir);
      running.push(caller);
      const response = await fetch(`${caller.url}/orders`);
      return { caller, status: response.status, body: await response.text() };
    }

    it('discovery: ACCESS_TOKEN_ORDERS_ISSUER and no _TOKEN_ENDPOINT, no _RESOURCE: GET /orders answers 200', async () => {
      const before = tokenServer.tokenRequests();
      const { status, body } = await ordersThrough({
        ACCESS_TOKEN_CLIENTS: 'orders',
        ACCESS_TOKEN_ORDERS_ISSUER: tokenServer.url,
        ACCESS_TOKEN_ORDERS_CLIENT_ID: TEST_CLIENT.clientId,
        ACCESS_TOKEN_ORDERS_CLIENT_SECRET: TEST_CLIENT.clientSecret,
        ACCESS_TOKEN_ORDERS_BASE_URL: api.url,
      });
      expectOk(status, body);
      expect(tokenServer.tokenRequests() - before).toBe(1);
      await stopAll();
    });

    it('private_key_jwt with no secret and no _RESOURCE (the server default): GET /orders answers 200', async () => {
      const { status, body } = await ordersThrough({
        ACCESS_TOKEN_CLIENTS: 'orders',
        ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT: tokenServer.tokenEndpoint,
        ACCESS_TOKEN_ORDERS_CLIENT_ID: 'orders-caller-jwt',
        ACCESS_TOKEN_ORDERS_AUTH_METHOD: 'private_key_jwt',
        ACCESS_TOKEN_ORDERS_PRIVATE_KEY_FILE: keyFile,
        ACCESS_TOKEN_ORDERS_BASE_URL: api.url,
      });
      expectOk(status, body);
      await stopAll();
    });

    it('mTLS (tls_client_auth, discovery of the mTLS alias, no secret): GET /orders answers 200', async () => {
      const { status, body } = await ordersThrough({
        ACCESS_TOKEN_CLIENTS: 'orders',
        ACCESS_TOKEN_ORDERS_ISSUER: tlsTokenServer.url,
        ACCESS_TOKEN_ORDERS_CLIENT_ID: 'orders-caller-mtls',
        ACCESS_TOKEN_ORDERS_AUTH_METHOD: 'tls_client_auth',
        ACCESS_TOKEN_ORDERS_TLS_CERT_FILE: mtlsClient.certFile,
        ACCESS_TOKEN_ORDERS_TLS_KEY_FILE: mtlsClient.keyFile,
        ACCESS_TOKEN_ORDERS_TLS_CA_FILE: pki.ca.certFile,
        ACCESS_TOKEN_ORDERS_BASE_URL: tlsApi.url,
      });
      expectOk(status, body);
      await stopAll();
    });

    it('reads .env in its working directory (${VAR} expanded, ORDERS_CALLER_PORT too); the process env wins', async () => {
      const dir = join(workdir, 'with-dotenv');
      await mkdir(dir);
      await copyFile(join(WORKSPACE_DIR, '.env.example'), join(dir, '.env.example'));
      const port = await freePort();
      await writeFile(
        join(dir, '.env'),
        [
          `ORDERS_CALLER_PORT=${port}`,
          `DEPLOYED_TOKEN_SERVER=${tokenServer.url}`,
          `DEPLOYED_ORDERS_API=${api.url}`,
          'ACCESS_TOKEN_CLIENTS=orders',
          'ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT=${DEPLOYED_TOKEN_SERVER}/token',
          `ACCESS_TOKEN_ORDERS_CLIENT_ID=${TEST_CLIENT.clientId}`,
          'ACCESS_TOKEN_ORDERS_CLIENT_SECRET=not-the-secret-the-process-env-wins',
          'ACCESS_TOKEN_ORDERS_BASE_URL=${DEPLOYED_ORDERS_API}',
          '',
        ].join('\n'),
      );
      const before = tokenServer.tokenRequests();
      const caller = await startNodeProcess([sampleAppMain('orders-caller')], {
        cwd: dir,
        env: { ACCESS_TOKEN_ORDERS_CLIENT_SECRET: TEST_CLIENT.clientSecret },
        ready: [`http://127.0.0.1:${port}/health`],
      });
      running.push(caller);
      const response = await fetch(`http://127.0.0.1:${port}/orders`);
      expectOk(response.status, await response.text());
      expect(tokenServer.tokenRequests() - before).toBe(1);
      await stopAll();
    });

    it('listens on loopback only; ORDERS_CALLER_HOST=0.0.0.0 opens it to other interfaces', async () => {
      const env = {
        ACCESS_TOKEN_CLIENTS: 'orders',
        ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT: tokenServer.tokenEndpoint,
        ACCESS_TOKEN_ORDERS_CLIENT_ID: TEST_CLIENT.clientId,
        ACCESS_TOKEN_ORDERS_CLIENT_SECRET: TEST_CLIENT.clientSecret,
        ACCESS_TOKEN_ORDERS_BASE_URL: api.url,
      };
      const other = otherLocalAddress();
      const loopbackOnly = await startOrdersCallerProcess(env, workdir);
      running.push(loopbackOnly);
      expect(await accepts('127.0.0.1', loopbackOnly.port)).toBe(true);
      expect(await accepts(other, loopbackOnly.port)).toBe(false);
      await stopAll();

      const opened = await startOrdersCallerProcess({ ...env, ORDERS_CALLER_HOST: '0.0.0.0' }, workdir);
      running.push(opened);
      expect(await accepts(other, opened.port)).toBe(true);
      await stopAll();
    });
  });

  describe('npm start (scripts/start-all.mjs)', () => {
    it(
      'moves with TOKEN_SERVER_PORT, ORDERS_API_PORT, ORDERS_CALLER_PORT alone; each app on loopback only',
      async () => {
        const [tokenPort, apiPort, callerPort] = [await freePort(), await freePort(), await freePort()];
        const launcher = await startNodeProcess(
          [join(WORKSPACE_DIR, 'scripts/start-all.mjs'), '--no-build'],
          {
            cwd: workdir,
            env: {
              TOKEN_SERVER_PORT: String(tokenPort),
              ORDERS_API_PORT: String(apiPort),
              ORDERS_CALLER_PORT: String(callerPort),
            },
            ready: [tokenPort, apiPort, callerPort].map((port) => `http://127.0.0.1:${port}/`),
            timeoutMs: PROCESS_TIMEOUT_MS,
          },
        );
        running.push(launcher);

        // As the README has it: curl localhost:<ORDERS_CALLER_PORT>/orders.
        const response = await fetch(`http://localhost:${callerPort}/orders`);
        const body = await response.text();
        expectOk(response.status, body);
        expect((JSON.parse(body) as unknown[]).length).toBeGreaterThanOrEqual(2);

        const other = otherLocalAddress();
        for (const port of [tokenPort, apiPort, callerPort]) {
          expect({ port, accepted: await accepts(other, port) }).toEqual({ port, accepted: false });
        }

        await stopAll();
        for (const port of [tokenPort, apiPort, callerPort]) {
          expect({ port, accepted: await accepts('127.0.0.1', port) }).toEqual({ port, accepted: false });
        }
      },
      PROCESS_TIMEOUT_MS,
    );
  });
});
