import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { HttpService } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import axios, { type AxiosInstance } from 'axios';
import { inspect } from 'node:util';
import {
  AccessTokenManager,
  AccessTokenModule,
  accessTokenOptionsFromEnv,
  attachAccessToken,
  getHttpServiceToken,
  type ClientCredentialsClientOptions,
} from 'nestjs-access-token-management';
import { firstValueFrom } from 'rxjs';

import { startOrdersApi, type RunningOrdersApi } from '../support/apps/start-orders-api.js';
import {
  startTokenServer,
  TEST_CLIENT,
  type RunningTokenServer,
} from '../support/apps/start-token-server.js';
import { startForwardProxy, type RunningForwardProxy } from '../support/forward-proxy.js';
import { createTestPki, type TestCredential, type TestPki } from '../support/test-pki.js';

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'];

/**
 * The API side of a client's network, through a real forward proxy: the axios instance `attachAccessToken` serves
 * (and the named `HttpService`) goes the way the token requests go — the client's `proxyUrl`, else `HTTPS_PROXY` /
 * `HTTP_PROXY`, `NO_PROXY` read as curl reads it — with CONNECT for https, the client certificate inside the tunnel.
 */
describe('API requests through a forward proxy', () => {
  let pki: TestPki;
  let mtlsClient: TestCredential;
  let tokenServer: RunningTokenServer;
  let api: RunningOrdersApi;
  let tlsTokenServer: RunningTokenServer;
  let tlsApi: RunningOrdersApi;
  let proxy: RunningForwardProxy;
  const managers: AccessTokenManager[] = [];
  const savedEnv = new Map(PROXY_VARIABLES.map((name) => [name, process.env[name]]));

  beforeAll(async () => {
    pki = await createTestPki();
    mtlsClient = await pki.client('orders-caller-mtls');
    [tokenServer, tlsTokenServer, proxy] = await Promise.all([
      startTokenServer(),
      startTokenServer({
        tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.ca.cert, mtlsEndpointAlias: true },
        clients: [
          {
            clientId: 'orders-caller-mtls',
            scope: TEST_CLIENT.scope,
            authMethod: 'tls_client_auth',
            tlsClientAuthSubjectDn: 'CN=orders-caller-mtls',
            certificateBoundAccessTokens: true,
          },
        ],
      }),
      startForwardProxy(),
    ]);
    [api, tlsApi] = await Promise.all([
      startOrdersApi({ issuer: tokenServer.url }),
      startOrdersApi({
        issuer: tlsTokenServer.url,
        tls: { cert: pki.server.cert, key: pki.server.key },
        tokenServerCa: pki.ca.cert,
      }),
    ]);
  });

  afterEach(async () => {
    await Promise.all(managers.splice(0).map((manager) => manager.close()));
    for (const [name, value] of savedEnv) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    proxy.log.length = 0;
  });

  afterAll(async () => {
    await proxy?.close();
    await Promise.all([api?.close(), tlsApi?.close()]);
    await Promise.all([tokenServer?.close(), tlsTokenServer?.close()]);
    await pki?.remove();
  });

  function ordersClient(client: Partial<ClientCredentialsClientOptions> = {}): AxiosInstance {
    const tokens = new AccessTokenManager({
      clients: {
        orders: {
          issuer: tokenServer.url,
          clientId: TEST_CLIENT.clientId,
          clientSecret: TEST_CLIENT.clientSecret,
          scope: TEST_CLIENT.scope,
          baseURL: api.url,
          ...client,
        },
      },
    });
    managers.push(tokens);
    const http = axios.create({ baseURL: client.baseURL ?? api.url });
    attachAccessToken(http, tokens, 'orders');
    return http;
  }

  const logged = () => proxy.log.map(({ method, target }) => `${method} ${target}`);

  it('proxyUrl: the API request goes to the proxy as an absolute URL (plain http), after the token requests', async () => {
    const response = await ordersClient({ proxyUrl: proxy.url }).get('/orders');

    expect(response.status).toBe(200);
    expect(logged()).toEqual([
      `GET ${tokenServer.url}/.well-known/openid-configuration`,
      `POST ${tokenServer.tokenEndpoint}`,
      `GET ${api.url}/orders`,
    ]);
    expect(api.requests.at(-1)?.authorization).toMatch(/^Bearer /);
  });

  it('https with mTLS through HTTPS_PROXY: CONNECT to the API, the certificate-bound token accepted inside the tunnel', async () => {
    process.env.HTTPS_PROXY = proxy.url;
    const http = ordersClient({
      issuer: tlsTokenServer.url,
      clientId: 'orders-caller-mtls',
      clientSecret: undefined,
      authMethod: 'tls_client_auth',
      tlsCertificate: mtlsClient.cert,
      tlsKey: mtlsClient.key,
      tlsCa: pki.ca.cert,
      baseURL: tlsApi.url,
    });

    expect((await http.get('/orders')).status).toBe(200);
    expect((await http.post('/orders', { item: 'Grinder', quantity: 1 })).status).toBe(201);
    expect(logged()).toContain(`CONNECT ${new URL(tlsApi.url).host}`);
    expect(proxy.log.every(({ sawAuthorization }) => !sawAuthorization)).toBe(true);
  });

  it('NO_PROXY as curl reads it (a CIDR block): the API and token requests go direct', async () => {
    // The client's rule decides, not the installed axios' own (older ones of the peer range read no CIDR blocks).
    process.env.HTTP_PROXY = proxy.url;
    process.env.NO_PROXY = '127.0.0.0/8';
    const before = api.requests.length;

    expect((await ordersClient().get('/orders')).status).toBe(200);
    expect(api.requests.length).toBe(before + 1);
    expect(proxy.log).toEqual([]);
  });

  it('NO_PROXY with a port: only the API goes direct, the token requests through the proxy', async () => {
    process.env.http_proxy = proxy.url;
    process.env.no_proxy = `localhost, ${new URL(api.url).host}`;

    expect((await ordersClient().get('/orders')).status).toBe(200);
    expect(logged()).toEqual([
      `GET ${tokenServer.url}/.well-known/openid-configuration`,
      `POST ${tokenServer.tokenEndpoint}`,
    ]);
  });

  it('a request of the instance to another origin gets no token, but the same proxy', async () => {
    const http = ordersClient({ proxyUrl: proxy.url });
    const response = await http.get(`${tokenServer.url}/.well-known/openid-configuration`);

    expect(response.status).toBe(200);
    expect(logged().at(-1)).toBe(`GET ${tokenServer.url}/.well-known/openid-configuration`);
    expect(proxy.log.at(-1)?.sawAuthorization).toBe(false);
  });

  it('a proxy that refuses the API request (407): the error shows neither the proxy password nor the token', async () => {
    const guarded = await startForwardProxy({ credentials: { user: 'svc', password: 'proxy-pa55' } });
    try {
      process.env.NO_PROXY = new URL(tokenServer.url).host; // the token comes direct; the API request meets the proxy
      const http = ordersClient({ proxyUrl: guarded.urlWithCredentials.replace('proxy-pa55', 'wrong-pa55') });
      const failure = await http.get('/orders').then(
        () => undefined,
        (error: unknown) => error as { response?: { status?: number } },
      );

      expect(failure?.response?.status).toBe(407);
      expect(guarded.log.map(({ method, target }) => `${method} ${target}`)).toEqual([
        `GET ${api.url}/orders`,
      ]);
      const token = await managers.at(-1)!.getAccessToken('orders');
      const shown = `${inspect(failure, { depth: 10 })} ${safeJson(failure)}`;
      expect(shown).not.toContain('wrong-pa55');
      expect(shown).not.toContain(token.value);
    } finally {
      await guarded.close();
    }
  });

  it("the named HttpService follows the client's proxy (ACCESS_TOKEN_<NAME>_PROXY_URL)", async () => {
    const options = accessTokenOptionsFromEnv({
      ACCESS_TOKEN_CLIENTS: 'orders',
      ACCESS_TOKEN_ORDERS_ISSUER: tokenServer.url,
      ACCESS_TOKEN_ORDERS_CLIENT_ID: TEST_CLIENT.clientId,
      ACCESS_TOKEN_ORDERS_CLIENT_SECRET: TEST_CLIENT.clientSecret,
      ACCESS_TOKEN_ORDERS_SCOPE: TEST_CLIENT.scope,
      ACCESS_TOKEN_ORDERS_BASE_URL: api.url,
      ACCESS_TOKEN_ORDERS_PROXY_URL: proxy.url,
    });
    @Module({
      imports: [
        AccessTokenModule.forRoot({ ...options, isGlobal: true }),
        AccessTokenModule.forFeature(['orders']),
      ],
    })
    class AppModule {}
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
    try {
      const http = app.get<HttpService>(getHttpServiceToken('orders'));
      expect((await firstValueFrom(http.get('/orders'))).status).toBe(200);
      expect(logged()).toEqual([
        `GET ${tokenServer.url}/.well-known/openid-configuration`,
        `POST ${tokenServer.tokenEndpoint}`,
        `GET ${api.url}/orders`,
      ]);
    } finally {
      await app.close();
    }
  });
});

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}
