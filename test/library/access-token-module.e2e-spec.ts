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
  type AccessTokenOptions,
  type AccessTokenOptionsFactory,
} from 'nestjs-access-token-management';
import { firstValueFrom } from 'rxjs';
import { ACCESS_TOKEN_MODULE_OPTIONS } from '../../libs/access-token-management/src/nest/access-token.constants.js';
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

  /** An app module importing `root` and `forFeature(features)`, with the OrdersClient beside them. */
  const appWith = (root: unknown, features: Parameters<typeof AccessTokenModule.forFeature>[0]) => {
    @Module({
      imports: [root as never, AccessTokenModule.forFeature(features)],
      providers: [OrdersClient],
    })
    class AppModule {}
    return AppModule;
  };

  describe('forRoot / forRootAsync', () => {
    it('forRoot registers the manager; forFeature an authorizing HttpService per named client, none for others', async () => {
      const app = await boot(
        appWith(
          AccessTokenModule.forRoot({
            isGlobal: true,
            clients: { orders: client(), plain: { ...client(), baseURL: undefined }, unnamed: client() },
          }),
          ['orders'],
        ),
      );
      const orders = app.get(OrdersClient);
      expect(orders.http).toBeInstanceOf(HttpService);
      expect(orders.http.axiosRef.defaults.baseURL).toBe(api.url);
      expect(await orders.list()).toEqual([{ id: '1' }]);
      expect(api.requests.at(-1)?.headers.authorization).toMatch(/^Bearer tok_/);
      expect(app.get(AccessTokenManager).clientNames).toEqual(['orders', 'plain', 'unnamed']);
      expect(() => app.get(getHttpServiceToken('plain'))).toThrow();
      // A client with a baseURL that forFeature does not name gets no HttpService either.
      expect(() => app.get(getHttpServiceToken('unnamed'))).toThrow();
      await app.close();
    });

    it('gives every client an axios instance of its own', async () => {
      const app = await boot(
        appWith(
          AccessTokenModule.forRoot({ isGlobal: true, clients: { orders: client(), billing: client() } }),
          ['orders', 'billing'],
        ),
      );
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
      const root = AccessTokenModule.forRootAsync({
        isGlobal: true,
        imports: [EnvModule],
        inject: [ENV],
        useFactory: (source: typeof env) => accessTokenOptionsFromEnv(source),
      });
      const app = await boot(appWith(root, ['orders']));
      expect(await app.get(OrdersClient).list()).toEqual([{ id: '1' }]);
      await app.close();
    });

    it('forRootAsync takes useClass and useExisting, whose createAccessTokenOptions() builds the options', async () => {
      const clients = { orders: client() };
      @Injectable()
      class TokenOptions implements AccessTokenOptionsFactory {
        createAccessTokenOptions(): AccessTokenOptions {
          return { clients };
        }
      }
      @Module({ providers: [TokenOptions], exports: [TokenOptions] })
      class TokenOptionsModule {}

      for (const root of [
        AccessTokenModule.forRootAsync({ isGlobal: true, useClass: TokenOptions }),
        AccessTokenModule.forRootAsync({
          isGlobal: true,
          imports: [TokenOptionsModule],
          useExisting: TokenOptions,
        }),
      ]) {
        const app = await boot(appWith(root, ['orders']));
        expect(await app.get(OrdersClient).list()).toEqual([{ id: '1' }]);
        expect(app.get(AccessTokenManager).clientNames).toEqual(['orders']);
        await app.close();
      }
    });

    it('the options provider carries the validated options, and the manager uses them as they are', async () => {
      for (const root of [
        AccessTokenModule.forRoot({ clients: { orders: client() } }),
        AccessTokenModule.forRootAsync({ useFactory: () => ({ clients: { orders: client() } }) }),
      ]) {
        @Module({ imports: [root] })
        class AppModule {}
        const app = await boot(AppModule);
        const options = app.get(ACCESS_TOKEN_MODULE_OPTIONS);
        expect(options.clients).toBeInstanceOf(Map); // validated: defaults filled in
        expect(options.clients.get('orders').requestTimeoutMs).toEqual(expect.any(Number));
        // Validating again would have built another object: the manager was given these.
        expect(app.get(AccessTokenManager).options).toBe(options);
        await app.close();
      }
    });

    it('forRoot throws ERR_CONFIG_INVALID at import time for invalid options', () => {
      expect(() => AccessTokenModule.forRoot({ clients: { orders: { ...client(), clientId: '' } } })).toThrow(
        expect.objectContaining({
          code: 'ERR_CONFIG_INVALID',
          message: expect.stringContaining('clients.orders.clientId'),
        }),
      );
    });

    it('forRootAsync refuses to start with ERR_CONFIG_INVALID when its factory builds invalid options', async () => {
      @Module({
        imports: [
          AccessTokenModule.forRootAsync({
            useFactory: async () => ({ clients: { orders: { ...client(), clientId: '' } } }),
          }),
        ],
      })
      class AppModule {}
      await expect(boot(AppModule)).rejects.toMatchObject({
        code: 'ERR_CONFIG_INVALID',
        message: expect.stringContaining('clients.orders.clientId'),
      });
    });
  });

  describe('isGlobal', () => {
    it('isGlobal lets a feature module inject the manager and create its HttpService with forFeature', async () => {
      @Module({
        imports: [AccessTokenModule.forFeature(['orders'])],
        providers: [OrdersClient],
        exports: [OrdersClient],
      })
      class FeatureModule {}
      @Module({
        imports: [
          AccessTokenModule.forRoot({ isGlobal: true, clients: { orders: client() } }),
          FeatureModule,
        ],
      })
      class AppModule {}
      const app = await boot(AppModule);
      expect(app.get(OrdersClient).http).toBeInstanceOf(HttpService);
      await app.close();
    });

    it('a module that does not import forFeature cannot inject the HttpService, global manager or not', async () => {
      @Module({ providers: [OrdersClient], exports: [OrdersClient] })
      class IsolatedFeatureModule {}
      @Module({
        imports: [
          AccessTokenModule.forRoot({ isGlobal: true, clients: { orders: client() } }),
          IsolatedFeatureModule,
        ],
      })
      class LocalAppModule {}
      await expect(boot(LocalAppModule)).rejects.toThrow();
    });

    it('without isGlobal, forFeature refuses to start with ERR_CONFIG_INVALID saying to set it', async () => {
      const withoutGlobal = appWith(AccessTokenModule.forRoot({ clients: { orders: client() } }), ['orders']);
      await expect(boot(withoutGlobal)).rejects.toMatchObject({
        code: 'ERR_CONFIG_INVALID',
        clientName: 'orders',
        message: expect.stringContaining('isGlobal: true'),
      });
      // And with no AccessTokenModule.forRoot at all.
      @Module({ imports: [AccessTokenModule.forFeature(['orders'])] })
      class NoRootModule {}
      await expect(boot(NoRootModule)).rejects.toMatchObject({ code: 'ERR_CONFIG_INVALID' });
    });
  });

  describe('forFeature', () => {
    const headless = () => ({ ...client(), baseURL: undefined });
    const root = () =>
      AccessTokenModule.forRootAsync({
        isGlobal: true,
        useFactory: () => ({ clients: { orders: client(), headless: headless() } }),
      });

    it('refuses to start when a named client is not configured or has no baseURL, naming it', async () => {
      await expect(boot(appWith(root(), ['orders', 'billing']))).rejects.toMatchObject({
        code: 'ERR_CLIENT_NOT_FOUND',
        clientName: 'billing',
        message: expect.stringContaining("'billing'"),
      });
      await expect(boot(appWith(root(), ['orders', 'headless']))).rejects.toMatchObject({
        code: 'ERR_CONFIG_INVALID',
        clientName: 'headless',
        message: expect.stringMatching(/'headless'.*baseURL/),
      });
    });

    it("applies the axios settings given with a name to that client's HttpService", async () => {
      const app = await boot(
        appWith(root(), [{ name: 'orders', timeout: 4_321, headers: { 'x-caller': 'orders-caller' } }]),
      );
      const orders = app.get(OrdersClient);
      expect(orders.http.axiosRef.defaults.timeout).toBe(4_321);
      expect(orders.http.axiosRef.defaults.baseURL).toBe(api.url);
      expect(await orders.list()).toEqual([{ id: '1' }]);
      const sent = api.requests.at(-1)?.headers;
      expect(sent?.['x-caller']).toBe('orders-caller');
      expect(sent?.authorization).toMatch(/^Bearer tok_/);
      await app.close();
    });

    it("accepts the client's own baseURL and refuses another with ERR_CONFIG_INVALID", async () => {
      const same = await boot(appWith(root(), [{ name: 'orders', baseURL: api.url }]));
      expect(same.get(OrdersClient).http.axiosRef.defaults.baseURL).toBe(api.url);
      await same.close();

      await expect(
        boot(appWith(root(), [{ name: 'orders', baseURL: 'https://elsewhere.example.com' }])),
      ).rejects.toMatchObject({
        code: 'ERR_CONFIG_INVALID',
        clientName: 'orders',
        message: expect.stringContaining('baseURL other than the client'),
      });
    });

    it('refuses a name given twice or an entry without a name with ERR_CONFIG_INVALID, at import time', () => {
      expect(() => AccessTokenModule.forFeature(['orders', { name: 'orders', timeout: 1 }])).toThrow(
        expect.objectContaining({
          code: 'ERR_CONFIG_INVALID',
          message: expect.stringContaining("'orders' twice"),
        }),
      );
      for (const entry of ['', { timeout: 1 }, null]) {
        expect(() => AccessTokenModule.forFeature([entry as never])).toThrow(
          expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
        );
      }
    });
  });
});
