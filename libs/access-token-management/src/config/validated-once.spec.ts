import { describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';

import { AccessTokenError } from '../errors.js';
import type { ClientCredentialsClientOptions } from './client-options.interface.js';
import { accessTokenOptionsFromEnv } from './env-options.loader.js';
import { resolveAccessTokenOptions, validateAccessTokenOptions } from './options.validation.js';
import { recallOptions } from './validation-memo.js';

const assertionKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
  type: 'pkcs8',
  format: 'pem',
}) as string;
const dpopKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });

/** A private_key_jwt client with its own DPoP key: two keys to parse. */
const env = {
  ACCESS_TOKEN_CLIENTS: 'orders',
  ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT: 'https://login.example.com/token',
  ACCESS_TOKEN_ORDERS_CLIENT_ID: 'orders-caller',
  ACCESS_TOKEN_ORDERS_AUTH_METHOD: 'private_key_jwt',
  ACCESS_TOKEN_ORDERS_PRIVATE_KEY: assertionKey,
  ACCESS_TOKEN_ORDERS_DPOP: 'true',
  ACCESS_TOKEN_ORDERS_DPOP_PRIVATE_KEY: JSON.stringify(dpopKey),
  ACCESS_TOKEN_REFRESH_BEFORE_EXPIRY_SECONDS: '30',
};

/** The KeyObjects of a resolved client: each parse makes new ones, so the same instances mean one parse. */
function keysOf(options: ReturnType<typeof resolveAccessTokenOptions>) {
  const client = options.clients.get('orders');
  return [client?.clientAssertionKey?.key, client?.dpop?.key?.key];
}

describe('options are validated once', () => {
  it('the env loader returns options that carry their validated form', () => {
    const fromEnv = accessTokenOptionsFromEnv(env);
    const validated = recallOptions(fromEnv);
    expect(validated).toBeDefined();
    expect(resolveAccessTokenOptions(fromEnv)).toBe(validated);
    expect(resolveAccessTokenOptions(fromEnv)).toBe(validated);
    expect(validated?.refreshBeforeExpirySeconds).toBe(30);
  });

  it('parses keys once: every consumer of the env options gets the KeyObjects the loader made', () => {
    const fromEnv = accessTokenOptionsFromEnv(env);
    const loaded = keysOf(resolveAccessTokenOptions(fromEnv));
    expect(loaded.every((key) => key !== undefined)).toBe(true);
    expect(keysOf(resolveAccessTokenOptions(fromEnv))).toEqual(loaded);
    // What forRoot does with `{ isGlobal, ...options }`: a new module object, the same client objects.
    const { ...spread } = fromEnv;
    const fromSpread = resolveAccessTokenOptions(spread);
    expect(keysOf(fromSpread)[0]).toBe(loaded[0]);
    expect(keysOf(fromSpread)[1]).toBe(loaded[1]);
    // A fresh load parses afresh: the identity above is not a cache across loads.
    expect(keysOf(resolveAccessTokenOptions(accessTokenOptionsFromEnv(env)))[0]).not.toBe(loaded[0]);
  });

  it('validates options given in code once, and returns a validated result as it is', () => {
    const options = {
      clients: {
        orders: { tokenEndpoint: 'https://login.example.com/token', clientId: 'c', clientSecret: 's' },
      },
    };
    const resolved = validateAccessTokenOptions(options);
    expect(resolveAccessTokenOptions(options)).toBe(resolved);
    expect(resolveAccessTokenOptions(resolved)).toBe(resolved);
  });

  it('validates anew what changed since, naming the option the code set', () => {
    const fromEnv = accessTokenOptionsFromEnv(env);
    const before = resolveAccessTokenOptions(fromEnv);
    const orders = fromEnv.clients.orders as ClientCredentialsClientOptions;
    orders.scope = 'orders.read';
    const after = resolveAccessTokenOptions(fromEnv);
    expect(after).not.toBe(before);
    expect(after.clients.get('orders')?.scope).toBe('orders.read');
    // The client changed, so its keys were parsed again from what it now holds.
    expect(keysOf(after)[0]).not.toBe(keysOf(before)[0]);

    fromEnv.refreshJitter = 2;
    expect(() => resolveAccessTokenOptions(fromEnv)).toThrow(
      new AccessTokenError('ERR_CONFIG_INVALID', 'refreshJitter must be a number >= 0 and <= 1'),
    );
    orders.scope = 'orders."read"';
    delete fromEnv.refreshJitter;
    expect(() => resolveAccessTokenOptions(fromEnv)).toThrow(/^clients\.orders\.scope must be/);
  });

  it('sees a change deep inside a client, such as a JWK member or a parameter', () => {
    const options = {
      clients: {
        orders: {
          tokenEndpoint: 'https://login.example.com/token',
          clientId: 'c',
          clientSecret: 's',
          parameters: { audience: 'orders' },
          dpop: true,
          dpopPrivateKey: { ...dpopKey },
        },
      },
    };
    const before = resolveAccessTokenOptions(options);
    options.clients.orders.parameters.audience = 'billing';
    const after = resolveAccessTokenOptions(options);
    expect(after.clients.get('orders')?.parameters).toEqual({ audience: 'billing' });
    options.clients.orders.dpopPrivateKey.d = 'AAAA';
    expect(() => resolveAccessTokenOptions(options)).toThrow(
      'clients.orders.dpopPrivateKey is not a usable private JWK',
    );
    expect(before.clients.get('orders')?.parameters).toEqual({ audience: 'orders' });
  });

  it('sees a change in options given as class instances, not only plain objects', () => {
    class OrdersClient {
      tokenEndpoint = 'https://login.example.com/token';
      clientId = 'orders-caller';
      clientSecret = 's';
      scope = 'orders.read';
    }
    const orders = new OrdersClient();
    const options = { clients: { orders } };
    expect(resolveAccessTokenOptions(options).clients.get('orders')?.scope).toBe('orders.read');
    orders.scope = 'orders.write';
    expect(resolveAccessTokenOptions(options).clients.get('orders')?.scope).toBe('orders.write');
  });
});
