import { describe, expect, it } from '@jest/globals';

import { assertValidTokenServerSettings, tokenServerSettingsFromEnv } from './token-server.config.js';

const SECRET = 'orders-caller-dev-secret';

describe('tokenServerSettingsFromEnv', () => {
  it('applies the documented defaults when only the secret is set', () => {
    expect(tokenServerSettingsFromEnv({ TOKEN_SERVER_CLIENT_SECRET: SECRET })).toEqual({
      port: 4000,
      host: '127.0.0.1',
      issuer: 'http://localhost:4000',
      ttlSeconds: 300,
      resource: 'http://localhost:3001',
      clients: [
        {
          clientId: 'orders-caller',
          clientSecret: SECRET,
          scope: 'orders.read orders.write',
          authMethod: 'client_secret_basic',
        },
      ],
    });
  });

  it('reads every variable, deriving the default issuer from the port', () => {
    const settings = tokenServerSettingsFromEnv({
      TOKEN_SERVER_PORT: '4100',
      TOKEN_TTL_SECONDS: '60',
      ORDERS_API_URL: 'https://orders.example.com',
      TOKEN_SERVER_CLIENT_ID: 'billing',
      TOKEN_SERVER_CLIENT_SECRET: 'a+b:c%d&e',
      TOKEN_SERVER_CLIENT_SCOPE: '  orders.read  ',
      TOKEN_SERVER_CLIENT_AUTH_METHOD: 'client_secret_post',
    });
    expect(settings).toMatchObject({ port: 4100, issuer: 'http://localhost:4100', ttlSeconds: 60 });
    expect(settings.resource).toBe('https://orders.example.com');
    expect(settings.clients).toEqual([
      {
        clientId: 'billing',
        clientSecret: 'a+b:c%d&e',
        scope: 'orders.read',
        authMethod: 'client_secret_post',
      },
    ]);
  });

  it('follows the ports: the issuer from TOKEN_SERVER_PORT, the resource from ORDERS_API_PORT', () => {
    expect(
      tokenServerSettingsFromEnv({
        TOKEN_SERVER_CLIENT_SECRET: SECRET,
        TOKEN_SERVER_PORT: '4100',
        ORDERS_API_PORT: '3101',
      }),
    ).toMatchObject({ issuer: 'http://localhost:4100', resource: 'http://localhost:3101' });
  });

  it.each(['0.0.0.0', '::', 'token-server.internal', '10.0.0.7'])(
    'listens on TOKEN_SERVER_HOST=%s',
    (host) => {
      expect(
        tokenServerSettingsFromEnv({ TOKEN_SERVER_CLIENT_SECRET: SECRET, TOKEN_SERVER_HOST: host }).host,
      ).toBe(host);
    },
  );

  it('drops a trailing slash from the issuer (oidc-provider appends its routes)', () => {
    const settings = tokenServerSettingsFromEnv({
      TOKEN_SERVER_CLIENT_SECRET: SECRET,
      TOKEN_SERVER_ISSUER: 'http://127.0.0.1:4000/',
    });
    expect(settings.issuer).toBe('http://127.0.0.1:4000');
  });

  it('treats blank values as unset', () => {
    expect(
      tokenServerSettingsFromEnv({
        TOKEN_SERVER_CLIENT_SECRET: SECRET,
        TOKEN_SERVER_PORT: '',
        TOKEN_TTL_SECONDS: ' ',
      }),
    ).toMatchObject({ port: 4000, ttlSeconds: 300 });
  });

  it.each([
    [{ TOKEN_SERVER_CLIENT_SECRET: undefined }, 'TOKEN_SERVER_CLIENT_SECRET'],
    [{ TOKEN_SERVER_CLIENT_SECRET: '  ' }, 'TOKEN_SERVER_CLIENT_SECRET'],
    [{ TOKEN_SERVER_PORT: '40a0' }, 'TOKEN_SERVER_PORT'],
    [{ TOKEN_SERVER_PORT: '70000' }, 'TOKEN_SERVER_PORT'],
    [{ TOKEN_SERVER_HOST: 'http://0.0.0.0' }, 'TOKEN_SERVER_HOST'],
    [{ TOKEN_SERVER_HOST: '0.0.0.0:4000' }, 'TOKEN_SERVER_HOST'],
    [{ ORDERS_API_PORT: 'x' }, 'ORDERS_API_PORT'],
    [{ TOKEN_SERVER_ISSUER: 'localhost:4000' }, 'TOKEN_SERVER_ISSUER'],
    [{ TOKEN_SERVER_ISSUER: 'http://localhost:4000/?x=1' }, 'TOKEN_SERVER_ISSUER'],
    [{ TOKEN_TTL_SECONDS: '0' }, 'TOKEN_TTL_SECONDS'],
    [{ TOKEN_TTL_SECONDS: '1.5' }, 'TOKEN_TTL_SECONDS'],
    [{ ORDERS_API_URL: 'orders-api' }, 'ORDERS_API_URL'],
    [{ ORDERS_API_URL: 'http://localhost:3001/#x' }, 'ORDERS_API_URL'],
    [{ TOKEN_SERVER_CLIENT_ID: 'orders caller' }, 'TOKEN_SERVER_CLIENT_ID'],
    [{ TOKEN_SERVER_CLIENT_SCOPE: 'orders.read orders.delete' }, 'TOKEN_SERVER_CLIENT_SCOPE'],
    [{ TOKEN_SERVER_CLIENT_AUTH_METHOD: 'private_key_jwt' }, 'TOKEN_SERVER_CLIENT_AUTH_METHOD'],
  ])('rejects %j with an error naming %s', (env, name) => {
    expect(() => tokenServerSettingsFromEnv({ TOKEN_SERVER_CLIENT_SECRET: SECRET, ...env })).toThrow(name);
  });

  it('never puts the secret in the error', () => {
    const secret = 'very-secret-\u0007-value';
    let message = '';
    try {
      tokenServerSettingsFromEnv({ TOKEN_SERVER_CLIENT_SECRET: secret });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('TOKEN_SERVER_CLIENT_SECRET');
    expect(message).not.toContain('very-secret');
  });
});

describe('assertValidTokenServerSettings', () => {
  const valid = tokenServerSettingsFromEnv({ TOKEN_SERVER_CLIENT_SECRET: SECRET });

  it('accepts settings read from env', () => {
    expect(() => assertValidTokenServerSettings(valid)).not.toThrow();
  });

  it('rejects duplicate client ids and empty client lists', () => {
    expect(() =>
      assertValidTokenServerSettings({ ...valid, clients: [...valid.clients, ...valid.clients] }),
    ).toThrow('clients[1].clientId is a duplicate');
    expect(() => assertValidTokenServerSettings({ ...valid, clients: [] })).toThrow('clients');
  });
});
