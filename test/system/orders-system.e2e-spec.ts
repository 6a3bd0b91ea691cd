import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { NestFactory } from '@nestjs/core';
import { AccessTokenManager } from 'nestjs-access-token-management';
import type { RunningOrdersApi } from '../support/apps/start-orders-api.js';
import { OrdersCallerModule } from '../../apps/orders-caller/src/orders-caller.module.js';
import { startOrdersSystem, type OrdersSystem } from '../support/apps/start-orders-system.js';
import {
  startTokenServer,
  TEST_CLIENT,
  type RunningTokenServer,
} from '../support/apps/start-token-server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the orders system end to end: orders-caller -> token-server + orders-api', () => {
  let system: OrdersSystem;
  let tokenServer: RunningTokenServer;
  let ordersApi: RunningOrdersApi;
  const caller = (overrides: Record<string, string | undefined> = {}) => system.startCaller(overrides);

  beforeAll(async () => {
    system = await startOrdersSystem();
    ({ tokenServer, ordersApi } = system);
  });
  afterEach(async () => {
    await system.closeCallers();
    ordersApi.requests.length = 0;
  });
  afterAll(() => system.close());

  it('lists orders through GetOrdersQuery and creates one through CreateOrderCommand', async () => {
    const { url } = await caller();
    const before = tokenServer.tokenRequests();
    const list = await fetch(`${url}/orders`);
    expect(list.status).toBe(200);
    const orders = (await list.json()) as Array<{ id: string }>;
    expect(orders.length).toBeGreaterThan(0);

    const created = await fetch(`${url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ item: 'Grinder', quantity: 1 }),
    });
    expect(created.status).toBe(201);
    const order = (await created.json()) as { id: string; item: string };
    expect(order.item).toBe('Grinder');

    const after = (await (await fetch(`${url}/orders`)).json()) as Array<{ id: string }>;
    expect(after.map((o) => o.id)).toContain(order.id);
    expect(tokenServer.tokenRequests() - before).toBe(1);
    expect(ordersApi.requests.every((r) => r.authorization?.startsWith('Bearer '))).toBe(true);

    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    const report = (await health.json()) as {
      status: string;
      details: { access_tokens: { status: string } };
    };
    expect(report.status).toBe('ok');
    expect(report.details.access_tokens.status).toBe('up');
  });

  it('makes one token request for 200 concurrent calls', async () => {
    const { url } = await caller();
    const before = tokenServer.tokenRequests();
    const responses = await Promise.all(Array.from({ length: 200 }, () => fetch(`${url}/orders`)));
    expect(responses.map((r) => r.status)).toEqual(Array(200).fill(200));
    expect(tokenServer.tokenRequests() - before).toBe(1);
    const gets = ordersApi.requests.filter((r) => r.method === 'GET');
    expect(gets).toHaveLength(200);
    expect(new Set(gets.map((r) => r.authorization)).size).toBe(1);
  });

  it('passes orders-api validation errors through unchanged', async () => {
    const { url } = await caller();
    const response = await fetch(`${url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ item: '', quantity: -1 }),
    });
    expect(response.status).toBe(400);
  });

  it('answers 502 ERR_UPSTREAM_REJECTED when the token lacks orders.write, without retrying the 403', async () => {
    const { url } = await caller({ ACCESS_TOKEN_ORDERS_SCOPE: 'orders.read' });
    const response = await fetch(`${url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ item: 'Kettle', quantity: 1 }),
    });
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ code: 'ERR_UPSTREAM_REJECTED' });
    expect(ordersApi.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('never serves an orders.read token to a caller asking for orders.write', async () => {
    const { app } = await caller();
    const manager = app.get(AccessTokenManager);
    const read = await manager.getAccessToken('orders', { scope: 'orders.read' });
    const write = await manager.getAccessToken('orders', { scope: 'orders.write' });
    expect(write.value).not.toBe(read.value);
    const post = (token: string) =>
      fetch(`${ordersApi.url}/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ item: 'Mug', quantity: 2 }),
      });
    expect((await post(read.value)).status).toBe(403);
    expect((await post(write.value)).status).toBe(201);
  });

  it('answers 502 with ERR_TOKEN_ENDPOINT_ERROR and no secret when the client secret is wrong', async () => {
    const wrongSecret = 'definitely-wrong-secret-value';
    const { url } = await caller({ ACCESS_TOKEN_ORDERS_CLIENT_SECRET: wrongSecret });
    const response = await fetch(`${url}/orders`);
    expect(response.status).toBe(502);
    const body = await response.text();
    expect(JSON.parse(body)).toMatchObject({ code: 'ERR_TOKEN_ENDPOINT_ERROR' });
    expect(body).toContain('invalid_client');
    expect(body).not.toContain(wrongSecret);
    expect(ordersApi.requests).toHaveLength(0);
  });

  it('answers 503 ERR_TOKEN_ENDPOINT_UNAVAILABLE and sends nothing unauthenticated when the token server is down', async () => {
    const down = await startTokenServer();
    const tokenEndpoint = down.tokenEndpoint;
    await down.close();
    const running = await caller({ ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT: tokenEndpoint });
    const response = await fetch(`${running.url}/orders`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ code: 'ERR_TOKEN_ENDPOINT_UNAVAILABLE' });
    expect(ordersApi.requests).toHaveLength(0);

    const health = await fetch(`${running.url}/health`);
    expect(health.status).toBe(503);
    const report = await health.text();
    expect(JSON.parse(report)).toMatchObject({
      status: 'error',
      details: {
        access_tokens: {
          status: 'down',
          tokens: [{ client: 'orders', lastErrorCode: 'ERR_TOKEN_ENDPOINT_UNAVAILABLE' }],
        },
      },
    });
    expect(report).not.toContain('orders-caller-test-secret');
  });

  it('does not start with a configuration error, and names the variable', async () => {
    const env = system.callerEnv({ ACCESS_TOKEN_ORDERS_CLIENT_ID: undefined });
    await expect(
      NestFactory.create(OrdersCallerModule.forRoot(env), { logger: false, abortOnError: false }),
    ).rejects.toMatchObject({
      code: 'ERR_CONFIG_INVALID',
      message: expect.stringContaining('ACCESS_TOKEN_ORDERS_CLIENT_ID'),
    });
    const insecure = system.callerEnv({
      ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT: 'http://auth.example.com/token',
    });
    await expect(
      NestFactory.create(OrdersCallerModule.forRoot(insecure), { logger: false, abortOnError: false }),
    ).rejects.toMatchObject({
      message: expect.stringContaining('ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT'),
    });
  });

  describe('with short-lived tokens', () => {
    let shortLivedSystem: OrdersSystem;
    let shortLived: RunningTokenServer;
    let api: RunningOrdersApi;

    beforeAll(async () => {
      shortLivedSystem = await startOrdersSystem({ tokenServer: { ttlSeconds: 3 } });
      ({ tokenServer: shortLived, ordersApi: api } = shortLivedSystem);
    });
    afterEach(() => shortLivedSystem.closeCallers());
    afterAll(() => shortLivedSystem.close());

    it('renews ahead of expiry: a 3 s token is reused for half its life, then replaced while still valid', async () => {
      const running = await shortLivedSystem.startCaller();
      const manager = running.app.get(AccessTokenManager);
      const first = await manager.getAccessToken('orders');
      expect((await fetch(`${running.url}/orders`)).status).toBe(200);
      expect(shortLived.tokenRequests()).toBe(1);
      await sleep(1_700);
      expect((await fetch(`${running.url}/orders`)).status).toBe(200);
      expect(shortLived.tokenRequests()).toBe(2);
      expect(first.expiresAt.getTime()).toBeGreaterThan(Date.now()); // renewed before the old one expired
      const tokens = api.requests.map((r) => r.authorization);
      expect(tokens[0]).toBe(`Bearer ${first.value}`);
      expect(tokens[1]).not.toBe(tokens[0]);
    });

    it('renews after expiry when the renewal buffer is zero', async () => {
      const running = await shortLivedSystem.startCaller({ ACCESS_TOKEN_REFRESH_BEFORE_EXPIRY_SECONDS: '0' });
      const before = shortLived.tokenRequests();
      expect((await fetch(`${running.url}/orders`)).status).toBe(200);
      await sleep(1_500);
      expect((await fetch(`${running.url}/orders`)).status).toBe(200);
      expect(shortLived.tokenRequests() - before).toBe(1);
      await sleep(1_700);
      expect((await fetch(`${running.url}/orders`)).status).toBe(200);
      expect(shortLived.tokenRequests() - before).toBe(2);
    });
  });

  describe('client authentication against the real token server', () => {
    const secret = 'p+s:w%r&d with spaces';
    let server: RunningTokenServer;

    beforeAll(async () => {
      server = await startTokenServer({
        clients: [
          {
            ...TEST_CLIENT,
            clientId: 'basic-client',
            clientSecret: secret,
            authMethod: 'client_secret_basic',
          },
          { ...TEST_CLIENT, clientId: 'post-client', clientSecret: secret, authMethod: 'client_secret_post' },
        ],
      });
    });
    afterAll(() => server.close());

    it.each([
      ['client_secret_basic', 'basic-client'],
      ['client_secret_post', 'post-client'],
    ])('gets a token with %s and a secret containing +:%& and spaces', async (authMethod, clientId) => {
      const manager = new AccessTokenManager({
        clients: {
          orders: {
            tokenEndpoint: server.tokenEndpoint,
            clientId,
            clientSecret: secret,
            authMethod: authMethod as 'client_secret_basic',
            scope: 'orders.read',
          },
        },
      });
      const token = await manager.getAccessToken('orders');
      expect(token.type).toBe('Bearer');
      expect(token.scope).toBe('orders.read');
      const claims = JSON.parse(Buffer.from(token.value.split('.')[1] ?? '', 'base64url').toString()) as {
        client_id: string;
      };
      expect(claims.client_id).toBe(clientId);
    });
  });
});
