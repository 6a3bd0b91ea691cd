import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import axios from 'axios';
import { decodeJwt } from 'jose';
import {
  AccessTokenHttpServices,
  AccessTokenManager,
  AccessTokenModule,
  attachAccessToken,
  createAuthorizedFetch,
  type ClientCredentialsClientOptions,
} from 'nestjs-access-token-management';
import { startOrdersApi, type RunningOrdersApi } from '../support/apps/start-orders-api.js';
import { startTokenServer, type RunningTokenServer } from '../support/apps/start-token-server.js';

const SCOPE = 'orders.read';
const TENANTS = ['alpha', 'beta', 'gamma'] as const;

/** The multi-tenant handler of the README: each tenant's orders, with that tenant's credentials. */
@Injectable()
class TenantOrders {
  constructor(private readonly tenants: AccessTokenHttpServices) {}

  async list(tenant: string): Promise<unknown> {
    const http = await this.tenants.get(tenant);
    return (await http.axiosRef.get('/orders')).data;
  }
}

const clientIdOf = (authorization: string | undefined) =>
  decodeJwt((authorization ?? '').replace(/^Bearer /, '')).client_id;

describe('per-tenant HTTP calls: clients at runtime behind an authorizing HttpService', () => {
  let tokenServer: RunningTokenServer;
  let alphaApi: RunningOrdersApi;
  let betaApi: RunningOrdersApi;
  /** What the tenant directory (a database, a vault) holds. */
  let directory: Record<string, ClientCredentialsClientOptions>;
  const lookups: string[] = [];

  beforeAll(async () => {
    tokenServer = await startTokenServer({
      clients: TENANTS.map((tenant) => ({
        clientId: tenant,
        clientSecret: `${tenant}-secret`,
        scope: SCOPE,
      })),
    });
    [alphaApi, betaApi] = await Promise.all([
      startOrdersApi({ issuer: tokenServer.url }),
      startOrdersApi({ issuer: tokenServer.url }),
    ]);
    const tenant = (name: string, baseURL: string | undefined) => ({
      tokenEndpoint: tokenServer.tokenEndpoint,
      clientId: name,
      clientSecret: `${name}-secret`,
      scope: SCOPE,
      baseURL,
    });
    directory = {
      alpha: tenant('alpha', alphaApi.url),
      beta: tenant('beta', betaApi.url),
      gamma: tenant('gamma', undefined),
    };
  });
  afterAll(async () => {
    await Promise.all([alphaApi?.close(), betaApi?.close()]);
    await tokenServer?.close();
  });

  async function boot() {
    @Module({
      imports: [
        AccessTokenModule.forRoot({
          isGlobal: true,
          clients: {},
          clientResolver: (name) => (lookups.push(name), directory[name]),
        }),
      ],
      providers: [TenantOrders],
    })
    class AppModule {}
    return NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
  }

  it("calls each tenant's API with that tenant's token, one HttpService and one lookup per tenant", async () => {
    const app = await boot();
    try {
      const orders = app.get(TenantOrders);
      const tenants = app.get(AccessTokenHttpServices);
      lookups.length = 0;
      const before = tokenServer.tokenRequests();

      const results = await Promise.all([
        ...Array.from({ length: 10 }, () => orders.list('alpha')),
        ...Array.from({ length: 10 }, () => orders.list('beta')),
      ]);

      for (const result of results) expect(Array.isArray(result)).toBe(true);
      expect(lookups.sort()).toEqual(['alpha', 'beta']);
      expect(tokenServer.tokenRequests() - before).toBe(2);
      expect(alphaApi.requests.map((request) => clientIdOf(request.authorization))).toEqual(
        Array(10).fill('alpha'),
      );
      expect(betaApi.requests.map((request) => clientIdOf(request.authorization))).toEqual(
        Array(10).fill('beta'),
      );
      const alpha = await tenants.get('alpha');
      expect(await tenants.get('alpha')).toBe(alpha);
      expect(alpha.axiosRef.defaults.baseURL).toBe(alphaApi.url);
    } finally {
      await app.close();
      alphaApi.requests.length = 0;
      betaApi.requests.length = 0;
    }
  });

  it("pins a tenant's HttpService to its own baseURL: another origin gets no token", async () => {
    const app = await boot();
    try {
      const alpha = await app.get(AccessTokenHttpServices).get('alpha');
      const response = await alpha.axiosRef.get(`${betaApi.url}/orders`, { validateStatus: () => true });
      expect(response.status).toBe(401);
      expect(betaApi.requests).toHaveLength(1);
      expect(betaApi.requests[0]?.authorization).toBeUndefined();
    } finally {
      await app.close();
      betaApi.requests.length = 0;
    }
  });

  it('gives a removed tenant a new HttpService, looked up again', async () => {
    const app = await boot();
    try {
      const tenants = app.get(AccessTokenHttpServices);
      lookups.length = 0;
      const first = await tenants.get('alpha');
      await app.get(AccessTokenManager).removeClient('alpha');
      const second = await tenants.get('alpha');
      expect(second).not.toBe(first);
      expect(lookups).toEqual(['alpha', 'alpha']);
      await expect(app.get(TenantOrders).list('alpha')).resolves.toEqual(expect.any(Array));
    } finally {
      await app.close();
      alphaApi.requests.length = 0;
    }
  });

  it('refuses an unknown tenant and a tenant without a baseURL, with typed errors', async () => {
    const app = await boot();
    try {
      const tenants = app.get(AccessTokenHttpServices);
      await expect(tenants.get('nobody')).rejects.toMatchObject({ code: 'ERR_CLIENT_NOT_FOUND' });
      await expect(tenants.get('gamma')).rejects.toMatchObject({
        code: 'ERR_CONFIG_INVALID',
        message: expect.stringMatching(/'gamma'.*baseURL/),
      });
    } finally {
      await app.close();
    }
  });

  it('sends no token of a client registered again with another baseURL through the authorized fetch of the old one', async () => {
    const manager = new AccessTokenManager({
      clients: { alpha: directory.alpha as ClientCredentialsClientOptions },
    });
    try {
      const old = createAuthorizedFetch(manager, 'alpha');
      expect((await old('/orders')).status).toBe(200);

      await manager.removeClient('alpha');
      await expect(old('/orders')).rejects.toMatchObject({ code: 'ERR_CLIENT_NOT_FOUND' });
      manager.registerClient('alpha', { ...(directory.beta as ClientCredentialsClientOptions) });
      await manager.getAccessToken('alpha'); // a token of the new client is cached: the hot path must check too
      alphaApi.requests.length = 0;
      await expect(old(`${alphaApi.url}/orders`)).rejects.toMatchObject({ code: 'ERR_CLIENT_NOT_FOUND' });
      expect(alphaApi.requests).toHaveLength(0);

      const moved = createAuthorizedFetch(manager, 'alpha');
      expect((await moved('/orders')).status).toBe(200);
    } finally {
      await manager.close();
      betaApi.requests.length = 0;
    }
  });

  it('sends no token of a client registered again with another baseURL through the instance of the old one', async () => {
    const manager = new AccessTokenManager({
      clients: { alpha: directory.alpha as ClientCredentialsClientOptions },
    });
    try {
      const old = axios.create({ baseURL: alphaApi.url, validateStatus: () => true });
      attachAccessToken(old, manager, 'alpha');
      expect((await old.get('/orders')).status).toBe(200);

      // The tenant moved: same name, another API and other credentials.
      await manager.removeClient('alpha');
      manager.registerClient('alpha', { ...(directory.beta as ClientCredentialsClientOptions) });
      alphaApi.requests.length = 0;
      await expect(old.get('/orders')).rejects.toMatchObject({ code: 'ERR_CLIENT_NOT_FOUND' });
      expect(alphaApi.requests).toHaveLength(0);

      const moved = axios.create();
      attachAccessToken(moved, manager, 'alpha');
      expect((await moved.get(`${betaApi.url}/orders`)).status).toBe(200);
    } finally {
      await manager.close();
      betaApi.requests.length = 0;
    }
  });
});
