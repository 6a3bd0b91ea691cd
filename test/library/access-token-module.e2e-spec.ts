import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HttpService } from '@nestjs/axios';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  AccessTokenManager,
  AccessTokenModule,
  accessTokenOptionsFromEnv,
  getHttpServiceToken,
  InjectHttpService,
} from 'nestjs-access-token-management';
import { firstValueFrom } from 'rxjs';
import { sendJson, startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { issueTokens } from '../support/token-responses.js';

@Injectable()
class OrdersClient {
  constructor(@InjectHttpService('orders') readonly http: HttpService) {}

  async list(): Promise<unknown> {
    return (await firstValueFrom(this.http.get('/orders'))).data;
  }
}

describe('AccessTokenModule', () => {
  let tokenEndpoint: ScriptedServer;
  let api: ScriptedServer;

  beforeAll(async () => {
    tokenEndpoint = await startScriptedServer(issueTokens());
    api = await startScriptedServer(sendJson(200, [{ id: '1' }]));
  });
  afterAll(() => Promise.all([tokenEndpoint.close(), api.close()]));

  const client = () => ({
    tokenEndpoint: `${tokenEndpoint.url}/token`,
    clientId: 'orders-caller',
    clientSecret: 'secret',
    baseURL: api.url,
  });

  const boot = (module: unknown) =>
    NestFactory.createApplicationContext(module as never, { logger: false, abortOnError: false });

  it('forRoot registers the manager and an authorizing HttpService per client with a baseURL', async () => {
    @Module({
      imports: [
        AccessTokenModule.forRoot({
          clients: { orders: client(), plain: { ...client(), baseURL: undefined } },
        }),
      ],
      providers: [OrdersClient],
    })
    class AppModule {}
    const app = await boot(AppModule);
    const orders = app.get(OrdersClient);
    expect(orders.http).toBeInstanceOf(HttpService);
    expect(orders.http.axiosRef.defaults.baseURL).toBe(api.url);
    expect(await orders.list()).toEqual([{ id: '1' }]);
    expect(api.requests.at(-1)?.headers.authorization).toMatch(/^Bearer tok_/);
    expect(app.get(AccessTokenManager).clientNames).toEqual(['orders', 'plain']);
    expect(() => app.get(getHttpServiceToken('plain'))).toThrow();
    await app.close();
  });

  it('gives every client an axios instance of its own', async () => {
    @Module({
      imports: [AccessTokenModule.forRoot({ clients: { orders: client(), billing: client() } })],
    })
    class AppModule {}
    const app = await boot(AppModule);
    const orders = app.get<HttpService>(getHttpServiceToken('orders'));
    const billing = app.get<HttpService>(getHttpServiceToken('billing'));
    expect(orders.axiosRef).not.toBe(billing.axiosRef);
    await app.close();
  });

  it('forRootAsync builds the options from env through a factory with injected dependencies', async () => {
    const env = {
      ACCESS_TOKEN_CLIENTS: 'orders',
      ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT: `${tokenEndpoint.url}/token`,
      ACCESS_TOKEN_ORDERS_CLIENT_ID: 'orders-caller',
      ACCESS_TOKEN_ORDERS_CLIENT_SECRET: 'secret',
      ACCESS_TOKEN_ORDERS_BASE_URL: api.url,
    };
    const ENV = 'ENV';
    @Module({ providers: [{ provide: ENV, useValue: env }], exports: [ENV] })
    class EnvModule {}
    @Module({
      imports: [
        AccessTokenModule.forRootAsync({
          imports: [EnvModule],
          inject: [ENV],
          useFactory: (source: typeof env) => accessTokenOptionsFromEnv(source),
          clientNames: ['orders'],
        }),
      ],
      providers: [OrdersClient],
    })
    class AppModule {}
    const app = await boot(AppModule);
    expect(await app.get(OrdersClient).list()).toEqual([{ id: '1' }]);
    await app.close();
  });

  it('isGlobal makes the named HttpService injectable from any module', async () => {
    @Module({ providers: [OrdersClient], exports: [OrdersClient] })
    class FeatureModule {}
    @Module({
      imports: [AccessTokenModule.forRoot({ isGlobal: true, clients: { orders: client() } }), FeatureModule],
    })
    class AppModule {}
    const app = await boot(AppModule);
    expect(app.get(OrdersClient).http).toBeInstanceOf(HttpService);
    await app.close();

    // The control: without isGlobal the feature module cannot see the provider.
    @Module({ providers: [OrdersClient], exports: [OrdersClient] })
    class IsolatedFeatureModule {}
    @Module({
      imports: [AccessTokenModule.forRoot({ clients: { orders: client() } }), IsolatedFeatureModule],
    })
    class LocalAppModule {}
    await expect(boot(LocalAppModule)).rejects.toThrow();
  });

  it('forRoot throws ERR_CONFIG_INVALID at import time for invalid options', () => {
    expect(() => AccessTokenModule.forRoot({ clients: { orders: { ...client(), clientId: '' } } })).toThrow(
      expect.objectContaining({
        code: 'ERR_CONFIG_INVALID',
        message: expect.stringContaining('clients.orders.clientId'),
      }),
    );
  });

  it('forRootAsync refuses to start when a named client is not configured or has no baseURL', async () => {
    const make = (clientNames: string[]) => {
      @Module({
        imports: [
          AccessTokenModule.forRootAsync({
            useFactory: () => ({
              clients: { orders: client(), headless: { ...client(), baseURL: undefined } },
            }),
            clientNames,
          }),
        ],
      })
      class AppModule {}
      return AppModule;
    };
    await expect(boot(make(['billing']))).rejects.toMatchObject({ code: 'ERR_CLIENT_NOT_FOUND' });
    await expect(boot(make(['headless']))).rejects.toMatchObject({
      code: 'ERR_CONFIG_INVALID',
      message: expect.stringContaining('baseURL'),
    });
  });
});
