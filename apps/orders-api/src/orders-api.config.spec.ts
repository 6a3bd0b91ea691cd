import { describe, expect, it } from '@jest/globals';

import { jwksUriOf, ordersApiSettingsFromEnv, publicUrlOf } from './orders-api.config.js';

describe('ordersApiSettingsFromEnv', () => {
  it('applies the documented defaults', () => {
    expect(ordersApiSettingsFromEnv({})).toEqual({
      port: 3001,
      host: '127.0.0.1',
      issuer: 'http://localhost:4000',
      audience: 'http://localhost:3001',
    });
  });

  it('follows the ports: the issuer from TOKEN_SERVER_PORT, its own URL from ORDERS_API_PORT', () => {
    expect(ordersApiSettingsFromEnv({ TOKEN_SERVER_PORT: '4100', ORDERS_API_PORT: '3101' })).toMatchObject({
      port: 3101,
      issuer: 'http://localhost:4100',
      audience: 'http://localhost:3101',
    });
  });

  it('reads every variable', () => {
    expect(
      ordersApiSettingsFromEnv({
        ORDERS_API_PORT: '3101',
        TOKEN_SERVER_ISSUER: 'https://login.example.com/',
        ORDERS_API_URL: 'https://orders.example.com',
        ORDERS_API_JWKS_URI: 'https://login.example.com/keys',
        ORDERS_API_HOST: '0.0.0.0',
      }),
    ).toEqual({
      port: 3101,
      host: '0.0.0.0',
      issuer: 'https://login.example.com',
      audience: 'https://orders.example.com',
      jwksUri: 'https://login.example.com/keys',
    });
  });

  it.each([
    [{ ORDERS_API_PORT: 'x' }, 'ORDERS_API_PORT'],
    [{ ORDERS_API_PORT: '0' }, 'ORDERS_API_PORT'],
    [{ TOKEN_SERVER_PORT: '-1' }, 'TOKEN_SERVER_PORT'],
    [{ ORDERS_API_HOST: 'every interface' }, 'ORDERS_API_HOST'],
    [{ TOKEN_SERVER_ISSUER: 'localhost' }, 'TOKEN_SERVER_ISSUER'],
    [{ ORDERS_API_URL: 'ftp://orders' }, 'ORDERS_API_URL'],
    [{ ORDERS_API_JWKS_URI: '/jwks' }, 'ORDERS_API_JWKS_URI'],
    [{ ORDERS_API_DPOP_REPLAY_CACHE_SIZE: '0' }, 'ORDERS_API_DPOP_REPLAY_CACHE_SIZE'],
  ])('rejects %j with an error naming %s', (env, name) => {
    expect(() => ordersApiSettingsFromEnv(env)).toThrow(name);
  });
});

describe('jwksUriOf', () => {
  it("defaults to oidc-provider's /jwks route under the issuer", () => {
    expect(jwksUriOf({ issuer: 'http://localhost:4000' })).toBe('http://localhost:4000/jwks');
  });

  it('prefers an explicit JWKS URI', () => {
    expect(jwksUriOf({ issuer: 'http://a', jwksUri: 'http://b/keys' })).toBe('http://b/keys');
  });
});

describe('publicUrlOf (the URL DPoP proofs must name)', () => {
  it.each([
    [{ audience: 'http://localhost:3001' }, '/orders?x=1', 'http://localhost:3001/orders?x=1'],
    [{ audience: 'https://example.com/orders-api/' }, '/orders', 'https://example.com/orders-api/orders'],
    [
      { audience: 'http://aud', publicUrl: 'https://127.0.0.1:8443' },
      '/orders',
      'https://127.0.0.1:8443/orders',
    ],
  ])('%j + %s -> %s', (settings, path, url) => {
    expect(publicUrlOf(settings, path)).toBe(url);
  });
});

describe('ordersApiSettingsFromEnv: TLS and DPoP', () => {
  const files: Record<string, string> = { 'api.crt': 'CERT', 'api.key': 'KEY', 'ca.crt': 'CA' };
  const readFile = (path: string) => {
    if (!(path in files)) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
    return files[path] as string;
  };

  it('reads the TLS files, the token server CA and the DPoP nonce switch', () => {
    expect(
      ordersApiSettingsFromEnv(
        {
          ORDERS_API_TLS_CERT_FILE: 'api.crt',
          ORDERS_API_TLS_KEY_FILE: 'api.key',
          ORDERS_API_TOKEN_SERVER_CA_FILE: 'ca.crt',
          ORDERS_API_DPOP_NONCE: 'true',
          ORDERS_API_DPOP_REPLAY_CACHE_SIZE: '5000',
        },
        readFile,
      ),
    ).toMatchObject({
      tls: { cert: 'CERT', key: 'KEY' },
      tokenServerCa: 'CA',
      dpopNonce: true,
      dpopReplayCacheSize: 5000,
    });
  });

  it.each([
    [
      { ORDERS_API_TLS_CERT_FILE: 'api.crt' },
      'ORDERS_API_TLS_CERT_FILE and ORDERS_API_TLS_KEY_FILE must be set together',
    ],
    [
      { ORDERS_API_TLS_CERT_FILE: 'x.crt', ORDERS_API_TLS_KEY_FILE: 'api.key' },
      'ORDERS_API_TLS_CERT_FILE names a file that cannot be read (ENOENT)',
    ],
  ])('refuses %j', (env, message) => {
    expect(() => ordersApiSettingsFromEnv(env, readFile)).toThrow(message);
  });
});
