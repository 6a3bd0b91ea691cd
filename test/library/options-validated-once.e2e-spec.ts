import { describe, expect, it } from '@jest/globals';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { generateKeyPairSync } from 'node:crypto';
import {
  AccessTokenManager,
  AccessTokenModule,
  accessTokenOptionsFromEnv,
} from 'nestjs-access-token-management';
import type { ResolvedAccessTokenOptions } from '../../libs/access-token-management/src/config/resolved-options.interface.js';

/** A private_key_jwt client with its own DPoP key: two keys to parse at start-up. */
function env() {
  const pem = (key: ReturnType<typeof generateKeyPairSync>['privateKey']) =>
    key.export({ type: 'pkcs8', format: 'pem' }) as string;
  return {
    ACCESS_TOKEN_CLIENTS: 'orders',
    ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT: 'https://login.example.com/token',
    ACCESS_TOKEN_ORDERS_CLIENT_ID: 'orders-caller',
    ACCESS_TOKEN_ORDERS_AUTH_METHOD: 'private_key_jwt',
    ACCESS_TOKEN_ORDERS_PRIVATE_KEY: pem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
    ACCESS_TOKEN_ORDERS_DPOP: 'true',
    ACCESS_TOKEN_ORDERS_DPOP_PRIVATE_KEY: pem(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey),
  };
}

/** A parse makes new KeyObjects: managers holding the same instances share one parse. */
function keysOf(options: ResolvedAccessTokenOptions) {
  const client = options.clients.get('orders');
  return [client?.clientAssertionKey?.key, client?.dpop?.key?.key];
}

const boot = (module: unknown) =>
  NestFactory.createApplicationContext(module as never, { logger: false, abortOnError: false });

describe('options from env are validated once per start-up', () => {
  it('managers built from them hold the KeyObjects the env loader parsed', async () => {
    const fromEnv = accessTokenOptionsFromEnv(env());
    const first = new AccessTokenManager(fromEnv);
    const second = new AccessTokenManager(fromEnv);
    const keys = keysOf(first.options);
    expect(keys.map((key) => key?.asymmetricKeyDetails?.namedCurve)).toEqual(['prime256v1', 'secp384r1']);
    expect(keysOf(second.options)[0]).toBe(keys[0]);
    expect(keysOf(second.options)[1]).toBe(keys[1]);
    await Promise.all([first.close(), second.close()]);
  });

  it('AccessTokenModule.forRootAsync and forRoot build their manager on those same KeyObjects', async () => {
    const fromEnv = accessTokenOptionsFromEnv(env());
    const direct = new AccessTokenManager(fromEnv);
    const keys = keysOf(direct.options);

    @Module({ imports: [AccessTokenModule.forRootAsync({ useFactory: () => fromEnv })] })
    class AsyncModule {}
    @Module({ imports: [AccessTokenModule.forRoot({ ...fromEnv, isGlobal: false })] })
    class SyncModule {}
    for (const module of [AsyncModule, SyncModule]) {
      const app = await boot(module);
      const fromModule = keysOf(app.get(AccessTokenManager).options);
      expect(fromModule[0]).toBe(keys[0]);
      expect(fromModule[1]).toBe(keys[1]);
      await app.close();
    }
    await direct.close();
  });
});
