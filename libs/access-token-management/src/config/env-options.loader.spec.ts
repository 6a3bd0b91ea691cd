import { afterEach, describe, expect, it } from '@jest/globals';

import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import { accessTokenOptionsFromEnv, clientEnvPrefix, type EnvSource } from './env-options.loader.js';
import { AUTHENTICATION_SUFFIXES } from './env-convention.js';
import { validateAccessTokenOptions } from './options.validation.js';

const SECRET = 'S3cr3t-Value-Never-Print-Me';

/** One complete client, `orders`, and nothing module-wide. */
function ordersEnv(overrides: EnvSource = {}): EnvSource {
  return {
    ACCESS_TOKEN_CLIENTS: 'orders',
    ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT: 'https://login.example.com/oauth2/token',
    ACCESS_TOKEN_ORDERS_CLIENT_ID: 'orders-caller',
    ACCESS_TOKEN_ORDERS_CLIENT_SECRET: SECRET,
    ...overrides,
  };
}

/** Loads `env`, asserts an `ERR_CONFIG_INVALID` AccessTokenError that leaks no secret, and returns it. */
function configErrorOf(env: EnvSource): AccessTokenError {
  let thrown: unknown;
  try {
    accessTokenOptionsFromEnv(env);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(AccessTokenError);
  const error = thrown as AccessTokenError;
  expect(error.code).toBe(AccessTokenErrorCode.ConfigInvalid);
  expect(error.code).toBe('ERR_CONFIG_INVALID');
  expect(error.message).not.toContain(SECRET);
  // Messages speak env, never the option paths the loader maps to.
  expect(error.message).not.toMatch(/clients\.\w/);
  return error;
}

function messageOf(env: EnvSource): string {
  return configErrorOf(env).message;
}

describe('clientEnvPrefix', () => {
  it.each([
    ['orders', 'ACCESS_TOKEN_ORDERS_'],
    ['orders-api', 'ACCESS_TOKEN_ORDERS_API_'],
    ['orders.api', 'ACCESS_TOKEN_ORDERS_API_'],
    ['orders_api', 'ACCESS_TOKEN_ORDERS_API_'],
    ['Orders-Api', 'ACCESS_TOKEN_ORDERS_API_'],
    ['a.b-c_d', 'ACCESS_TOKEN_A_B_C_D_'],
    ['billing2', 'ACCESS_TOKEN_BILLING2_'],
    ['x--y..z', 'ACCESS_TOKEN_X__Y__Z_'],
  ])('maps %s to %s', (name, prefix) => {
    expect(clientEnvPrefix(name)).toBe(prefix);
  });
});

describe('accessTokenOptionsFromEnv', () => {
  describe('reading', () => {
    it('reads a minimal client and leaves unset settings undefined', () => {
      expect(accessTokenOptionsFromEnv(ordersEnv())).toEqual({
        clients: {
          orders: {
            tokenEndpoint: 'https://login.example.com/oauth2/token',
            issuer: undefined,
            clientId: 'orders-caller',
            clientSecret: SECRET,
            authMethod: undefined,
            scope: undefined,
            resource: undefined,
            parameters: undefined,
            baseURL: undefined,
            requestTimeoutMs: undefined,
          },
        },
        refreshBeforeExpirySeconds: undefined,
        defaultLifetimeSeconds: undefined,
        cacheKeyPrefix: undefined,
      });
    });

    it('reads every documented variable', () => {
      const options = accessTokenOptionsFromEnv({
        ACCESS_TOKEN_CLIENTS: 'orders',
        ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT: 'http://localhost:4000/token',
        ACCESS_TOKEN_ORDERS_CLIENT_ID: 'orders-caller',
        ACCESS_TOKEN_ORDERS_CLIENT_SECRET: SECRET,
        ACCESS_TOKEN_ORDERS_SCOPE: 'orders.read orders.write',
        ACCESS_TOKEN_ORDERS_RESOURCE: 'http://localhost:3001',
        ACCESS_TOKEN_ORDERS_AUTH_METHOD: 'client_secret_post',
        ACCESS_TOKEN_ORDERS_BASE_URL: 'http://localhost:3001',
        ACCESS_TOKEN_ORDERS_PARAMETERS: 'audience=orders',
        ACCESS_TOKEN_ORDERS_REQUEST_TIMEOUT_MS: '2500',
        ACCESS_TOKEN_REFRESH_BEFORE_EXPIRY_SECONDS: '30',
        ACCESS_TOKEN_DEFAULT_LIFETIME_SECONDS: '120',
        ACCESS_TOKEN_CACHE_KEY_PREFIX: 'orders-caller',
      });
      expect(options).toEqual({
        clients: {
          orders: {
            tokenEndpoint: 'http://localhost:4000/token',
            issuer: undefined,
            clientId: 'orders-caller',
            clientSecret: SECRET,
            authMethod: 'client_secret_post',
            scope: 'orders.read orders.write',
            resource: 'http://localhost:3001',
            parameters: { audience: 'orders' },
            baseURL: 'http://localhost:3001',
            requestTimeoutMs: 2500,
          },
        },
        refreshBeforeExpirySeconds: 30,
        defaultLifetimeSeconds: 120,
        cacheKeyPrefix: 'orders-caller',
      });
    });

    it('reads an issuer for discovery', () => {
      const options = accessTokenOptionsFromEnv(
        ordersEnv({
          ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT: undefined,
          ACCESS_TOKEN_ORDERS_ISSUER: 'https://login.example.com',
        }),
      );
      expect(options.clients.orders).toMatchObject({
        tokenEndpoint: undefined,
        issuer: 'https://login.example.com',
      });
    });

    it('reads several clients, trimming the names in the list', () => {
      const options = accessTokenOptionsFromEnv({
        ...ordersEnv({ ACCESS_TOKEN_CLIENTS: ' orders , billing-api ,, ' }),
        ACCESS_TOKEN_BILLING_API_TOKEN_ENDPOINT: 'https://billing.example.com/token',
        ACCESS_TOKEN_BILLING_API_CLIENT_ID: 'billing-caller',
        ACCESS_TOKEN_BILLING_API_CLIENT_SECRET: 'billing-secret',
      });
      expect(Object.keys(options.clients)).toEqual(['orders', 'billing-api']);
      expect(options.clients['billing-api']).toMatchObject({
        tokenEndpoint: 'https://billing.example.com/token',
        clientId: 'billing-caller',
      });
    });

    it('trims values', () => {
      const options = accessTokenOptionsFromEnv(
        ordersEnv({
          ACCESS_TOKEN_ORDERS_CLIENT_ID: '  orders-caller\t',
          ACCESS_TOKEN_ORDERS_SCOPE: ' orders.read ',
        }),
      );
      expect(options.clients.orders).toMatchObject({ clientId: 'orders-caller', scope: 'orders.read' });
    });

    it('treats empty and blank values as unset', () => {
      const options = accessTokenOptionsFromEnv(
        ordersEnv({
          ACCESS_TOKEN_ORDERS_ISSUER: '',
          ACCESS_TOKEN_ORDERS_SCOPE: '',
          ACCESS_TOKEN_ORDERS_RESOURCE: '   ',
          ACCESS_TOKEN_ORDERS_AUTH_METHOD: '',
          ACCESS_TOKEN_ORDERS_PARAMETERS: '',
          ACCESS_TOKEN_ORDERS_BASE_URL: '',
          ACCESS_TOKEN_ORDERS_REQUEST_TIMEOUT_MS: ' ',
          ACCESS_TOKEN_REFRESH_BEFORE_EXPIRY_SECONDS: '',
          ACCESS_TOKEN_DEFAULT_LIFETIME_SECONDS: '',
          ACCESS_TOKEN_CACHE_KEY_PREFIX: '',
          ACCESS_TOKEN_CACHE_URL: '',
        }),
      );
      expect(options).toEqual(accessTokenOptionsFromEnv(ordersEnv()));
    });

    it('leaves the defaults to validation: 60 s buffer, 300 s lifetime, 10 000 ms timeout, basic auth, prefix atm', () => {
      const resolved = validateAccessTokenOptions(accessTokenOptionsFromEnv(ordersEnv()));
      expect(resolved).toMatchObject({
        refreshBeforeExpirySeconds: 60,
        defaultLifetimeSeconds: 300,
        cacheKeyPrefix: 'atm',
      });
      expect(resolved.clients.get('orders')).toMatchObject({
        authMethod: 'client_secret_basic',
        requestTimeoutMs: 10_000,
        parameters: {},
      });
    });

    it('leaves scope normalisation to validation', () => {
      const options = accessTokenOptionsFromEnv(ordersEnv({ ACCESS_TOKEN_ORDERS_SCOPE: 'b  a b' }));
      expect(validateAccessTokenOptions(options).clients.get('orders')?.scope).toBe('a b');
    });

    it.each([
      ['0', 0],
      ['15', 15],
      ['1.5', 1.5],
      ['007', 7],
    ])('reads the number %j', (raw, value) => {
      const options = accessTokenOptionsFromEnv(
        ordersEnv({ ACCESS_TOKEN_REFRESH_BEFORE_EXPIRY_SECONDS: raw }),
      );
      expect(options.refreshBeforeExpirySeconds).toBe(value);
    });

    describe('process.env', () => {
      const keys = Object.keys(ordersEnv());
      afterEach(() => {
        for (const key of keys) delete process.env[key];
      });

      it('is read when no source is given', () => {
        Object.assign(process.env, ordersEnv());
        expect(accessTokenOptionsFromEnv().clients.orders?.clientId).toBe('orders-caller');
      });
    });
  });

  describe('extra parameters', () => {
    it('parses form-encoded pairs', () => {
      const options = accessTokenOptionsFromEnv(
        ordersEnv({ ACCESS_TOKEN_ORDERS_PARAMETERS: 'audience=x&tenant=y' }),
      );
      expect(options.clients.orders?.parameters).toEqual({ audience: 'x', tenant: 'y' });
    });

    it('decodes form encoding', () => {
      const options = accessTokenOptionsFromEnv(
        ordersEnv({
          ACCESS_TOKEN_ORDERS_PARAMETERS: 'audience=https%3A%2F%2Fapi.example.com&label=a+b&empty=',
        }),
      );
      expect(options.clients.orders?.parameters).toEqual({
        audience: 'https://api.example.com',
        label: 'a b',
        empty: '',
      });
    });

    it.each(['scope', 'client_id', 'client_secret', 'grant_type', 'resource'])(
      'refuses the reserved parameter %s, naming the variable',
      (name) => {
        const error = configErrorOf(
          ordersEnv({ ACCESS_TOKEN_ORDERS_PARAMETERS: `audience=x&${name}=${encodeURIComponent(SECRET)}` }),
        );
        expect(error.message).toBe(
          `ACCESS_TOKEN_ORDERS_PARAMETERS must not set '${name}' (it has a setting of its own)`,
        );
        expect(error.clientName).toBe('orders');
      },
    );

    it.each(['=x', `audience=x&=${SECRET}`])('refuses a pair without a name: %j', (raw) => {
      expect(messageOf(ordersEnv({ ACCESS_TOKEN_ORDERS_PARAMETERS: raw }))).toBe(
        'ACCESS_TOKEN_ORDERS_PARAMETERS must be form-encoded pairs, e.g. audience=api&tenant=a',
      );
    });
  });

  describe('errors name the variable', () => {
    it.each([
      ['unset', {}],
      ['empty', { ACCESS_TOKEN_CLIENTS: '' }],
      ['only commas and blanks', { ACCESS_TOKEN_CLIENTS: ' , ,' }],
    ])('ACCESS_TOKEN_CLIENTS %s', (_label, env) => {
      expect(messageOf({ ...ordersEnv({ ACCESS_TOKEN_CLIENTS: undefined }), ...env })).toBe(
        'ACCESS_TOKEN_CLIENTS is missing: list the client names, comma-separated (e.g. orders)',
      );
    });

    it('a listed client without any variable', () => {
      const error = configErrorOf(ordersEnv({ ACCESS_TOKEN_CLIENTS: 'orders,billing' }));
      expect(error.message).toBe(
        "ACCESS_TOKEN_CLIENTS names 'billing' but no ACCESS_TOKEN_BILLING_* variables are set",
      );
      expect(error.clientName).toBe('billing');
    });

    it('a listed client whose variables are all empty', () => {
      expect(
        messageOf({
          ACCESS_TOKEN_CLIENTS: 'orders',
          ACCESS_TOKEN_ORDERS_CLIENT_ID: '',
          ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT: ' ',
        }),
      ).toBe("ACCESS_TOKEN_CLIENTS names 'orders' but no ACCESS_TOKEN_ORDERS_* variables are set");
    });

    it("a listed client without variables, though a longer client's prefix starts with its own", () => {
      expect(
        messageOf({
          ACCESS_TOKEN_CLIENTS: 'orders,orders-api',
          ACCESS_TOKEN_ORDERS_API_TOKEN_ENDPOINT: 'https://login.example.com/token',
          ACCESS_TOKEN_ORDERS_API_CLIENT_ID: 'orders-api-caller',
          ACCESS_TOKEN_ORDERS_API_CLIENT_SECRET: SECRET,
        }),
      ).toBe("ACCESS_TOKEN_CLIENTS names 'orders' but no ACCESS_TOKEN_ORDERS_* variables are set");
    });

    it.each([
      ['default', 'ACCESS_TOKEN_DEFAULT_LIFETIME_SECONDS', '300'],
      ['refresh', 'ACCESS_TOKEN_REFRESH_BEFORE_EXPIRY_SECONDS', '60'],
      ['cache', 'ACCESS_TOKEN_CACHE_KEY_PREFIX', 'svc'],
    ])('a listed client %s without variables, though the module-wide %s is set', (name, variable, value) => {
      expect(messageOf({ ...ordersEnv({ ACCESS_TOKEN_CLIENTS: `orders,${name}` }), [variable]: value })).toBe(
        `ACCESS_TOKEN_CLIENTS names '${name}' but no ${clientEnvPrefix(name)}* variables are set`,
      );
    });

    it("still reads both clients when one client's prefix starts the other's", () => {
      const options = accessTokenOptionsFromEnv({
        ...ordersEnv({ ACCESS_TOKEN_CLIENTS: 'orders,orders-client' }),
        ACCESS_TOKEN_ORDERS_CLIENT_TOKEN_ENDPOINT: 'https://other.example.com/token',
        ACCESS_TOKEN_ORDERS_CLIENT_CLIENT_ID: 'other',
        ACCESS_TOKEN_ORDERS_CLIENT_CLIENT_SECRET: 'other-secret',
      });
      expect(options.clients.orders).toMatchObject({ clientId: 'orders-caller', clientSecret: SECRET });
      expect(options.clients['orders-client']).toMatchObject({
        clientId: 'other',
        clientSecret: 'other-secret',
      });
    });

    it('a client whose only variable is misspelt is reported by the misspelling', () => {
      expect(
        messageOf({ ACCESS_TOKEN_CLIENTS: 'orders', ACCESS_TOKEN_ORDERS_CLIENTID: 'orders-caller' }),
      ).toBe(
        "ACCESS_TOKEN_ORDERS_CLIENTID is not a setting of client 'orders' (did you mean ACCESS_TOKEN_ORDERS_CLIENT_ID?)",
      );
    });

    it.each([
      ['orders-api', 'orders.api'],
      ['orders-api', 'orders_api'],
      ['orders', 'ORDERS'],
      ['orders', 'orders'],
    ])('names %s and %s sharing one prefix', (first, second) => {
      expect(messageOf(ordersEnv({ ACCESS_TOKEN_CLIENTS: `${first},${second}` }))).toBe(
        `ACCESS_TOKEN_CLIENTS names '${first}' and '${second}', which share the prefix ${clientEnvPrefix(first)}`,
      );
    });

    it.each(['orders api', '-orders', 'orders/x', 'ördérs'])(
      'an invalid client name %j, without echoing it',
      (name) => {
        const message = messageOf(ordersEnv({ ACCESS_TOKEN_CLIENTS: `orders,${name}` }));
        expect(message).toBe(
          "ACCESS_TOKEN_CLIENTS has an invalid client name (use letters, digits, '.', '_' and '-')",
        );
        expect(message).not.toContain(name);
      },
    );

    it('a shared cache without an encryption key, unless plaintext is allowed explicitly', () => {
      expect(messageOf(ordersEnv({ ACCESS_TOKEN_CACHE_URL: 'redis://127.0.0.1:6379' }))).toContain(
        'ACCESS_TOKEN_CACHE_ENCRYPTION_KEY is missing',
      );
      expect(
        accessTokenOptionsFromEnv(
          ordersEnv({
            ACCESS_TOKEN_CACHE_URL: 'redis://127.0.0.1:6379',
            ACCESS_TOKEN_CACHE_ALLOW_PLAINTEXT: 'true',
          }),
        ).allowPlaintextCache,
      ).toBe(true);
    });

    it('a cache URL that is not redis, and an encryption key of the wrong size, without echoing them', () => {
      const url = messageOf(ordersEnv({ ACCESS_TOKEN_CACHE_URL: `http://${SECRET}.example` }));
      expect(url).toBe('ACCESS_TOKEN_CACHE_URL must be a redis:// or rediss:// URL');
      const shortKey = Buffer.alloc(16, 7).toString('base64');
      const key = messageOf(
        ordersEnv({
          ACCESS_TOKEN_CACHE_URL: 'redis://127.0.0.1:6379',
          ACCESS_TOKEN_CACHE_ENCRYPTION_KEY: shortKey,
        }),
      );
      expect(key).toContain('ACCESS_TOKEN_CACHE_ENCRYPTION_KEY must be 32 bytes');
      expect(key).not.toContain(shortKey);
    });

    it('reads the encryption keys, current first, comma-separated', () => {
      const current = Buffer.alloc(32, 1).toString('base64');
      const previous = Buffer.alloc(32, 2).toString('base64');
      const options = accessTokenOptionsFromEnv(
        ordersEnv({
          ACCESS_TOKEN_CACHE_URL: 'rediss://cache.internal:6380',
          ACCESS_TOKEN_CACHE_ENCRYPTION_KEY: `${current}, ${previous}`,
        }),
      );
      expect(options.cacheEncryptionKey).toEqual([current, previous]);
      expect(options.cacheUrl).toBe('rediss://cache.internal:6380');
    });

    it('a missing client id', () => {
      const error = configErrorOf(ordersEnv({ ACCESS_TOKEN_ORDERS_CLIENT_ID: undefined }));
      expect(error.message).toBe('ACCESS_TOKEN_ORDERS_CLIENT_ID is missing');
      expect(error.clientName).toBe('orders');
    });

    it('an empty client id', () => {
      expect(messageOf(ordersEnv({ ACCESS_TOKEN_ORDERS_CLIENT_ID: '' }))).toBe(
        'ACCESS_TOKEN_ORDERS_CLIENT_ID is missing',
      );
    });

    it('neither token endpoint nor issuer', () => {
      expect(messageOf(ordersEnv({ ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT: undefined }))).toBe(
        'ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT is missing (or set ACCESS_TOKEN_ORDERS_ISSUER for discovery)',
      );
    });

    it('both token endpoint and issuer', () => {
      expect(messageOf(ordersEnv({ ACCESS_TOKEN_ORDERS_ISSUER: 'https://login.example.com' }))).toBe(
        'ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT and ACCESS_TOKEN_ORDERS_ISSUER are both set: set one of them',
      );
    });

    it.each(['login.example.com/token', '/token', 'ftp://login.example.com/token', 'https://'])(
      'the malformed token endpoint %j',
      (url) => {
        expect(messageOf(ordersEnv({ ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT: url }))).toBe(
          'ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT must be an absolute http(s) URL',
        );
      },
    );

    it('a malformed issuer', () => {
      expect(
        messageOf(
          ordersEnv({ ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT: undefined, ACCESS_TOKEN_ORDERS_ISSUER: 'login' }),
        ),
      ).toBe('ACCESS_TOKEN_ORDERS_ISSUER must be an absolute http(s) URL');
    });

    it.each([
      'http://login.example.com/token',
      'http://192.168.1.10:4000/token',
      'http://localhost.example.com/token',
    ])('plain http on the non-loopback %s', (url) => {
      expect(messageOf(ordersEnv({ ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT: url }))).toBe(
        'ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT must use https (plain http is allowed only for loopback hosts)',
      );
    });

    it('plain http on a non-loopback issuer', () => {
      expect(
        messageOf(
          ordersEnv({
            ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT: undefined,
            ACCESS_TOKEN_ORDERS_ISSUER: 'http://login.example.com',
          }),
        ),
      ).toBe('ACCESS_TOKEN_ORDERS_ISSUER must use https (plain http is allowed only for loopback hosts)');
    });

    it('plain http on a non-loopback base URL: the API would get the token in clear text', () => {
      expect(messageOf(ordersEnv({ ACCESS_TOKEN_ORDERS_BASE_URL: 'http://orders.internal.example' }))).toBe(
        'ACCESS_TOKEN_ORDERS_BASE_URL must use https (plain http is allowed only for loopback hosts)',
      );
    });

    it('accepts plain http to non-loopback hosts with ACCESS_TOKEN_<NAME>_ALLOW_INSECURE_HTTP=true', () => {
      const options = accessTokenOptionsFromEnv(
        ordersEnv({
          ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT: 'http://login.internal.example/token',
          ACCESS_TOKEN_ORDERS_BASE_URL: 'http://orders.internal.example',
          ACCESS_TOKEN_ORDERS_ALLOW_INSECURE_HTTP: 'true',
        }),
      );
      expect(options.clients.orders).toMatchObject({
        tokenEndpoint: 'http://login.internal.example/token',
        baseURL: 'http://orders.internal.example',
        allowInsecureHttp: true,
      });
      const resolved = validateAccessTokenOptions(options);
      expect(resolved.clients.get('orders')?.allowInsecureHttp).toBe(true);
    });

    it('ACCESS_TOKEN_<NAME>_ALLOW_INSECURE_HTTP=false keeps the https rule', () => {
      expect(
        messageOf(
          ordersEnv({
            ACCESS_TOKEN_ORDERS_ISSUER: 'http://login.internal.example',
            ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT: undefined,
            ACCESS_TOKEN_ORDERS_ALLOW_INSECURE_HTTP: 'false',
          }),
        ),
      ).toBe('ACCESS_TOKEN_ORDERS_ISSUER must use https (plain http is allowed only for loopback hosts)');
    });

    it('ACCESS_TOKEN_<NAME>_ALLOW_INSECURE_HTTP that is not a boolean', () => {
      expect(messageOf(ordersEnv({ ACCESS_TOKEN_ORDERS_ALLOW_INSECURE_HTTP: 'yes' }))).toBe(
        'ACCESS_TOKEN_ORDERS_ALLOW_INSECURE_HTTP must be true or false',
      );
    });

    it.each(['http://localhost:4000/token', 'http://127.0.0.1:4000/token', 'http://[::1]:4000/token'])(
      'accepts plain http on the loopback %s',
      (url) => {
        const options = accessTokenOptionsFromEnv(ordersEnv({ ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT: url }));
        expect(options.clients.orders?.tokenEndpoint).toBe(url);
      },
    );

    it('credentials in the token endpoint, without echoing them', () => {
      expect(
        messageOf(
          ordersEnv({
            ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT: `https://orders-caller:${SECRET}@login.example.com/t`,
          }),
        ),
      ).toBe('ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT must not contain credentials');
    });

    it('a fragment in the token endpoint', () => {
      expect(
        messageOf(ordersEnv({ ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT: 'https://login.example.com/t#x' })),
      ).toBe('ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT must not contain a fragment');
    });

    it.each(['none', 'basic', 'Client_Secret_Post'])(
      'the unknown auth method client_secret_basic, client_secret_post, client_secret_jwt, private_key_jwt, tls_client_auth, self_signed_tls_client_auth',
      (method) => {
        expect(messageOf(ordersEnv({ ACCESS_TOKEN_ORDERS_AUTH_METHOD: method }))).toBe(
          'ACCESS_TOKEN_ORDERS_AUTH_METHOD is not a supported method (use one of: client_secret_basic, client_secret_post, client_secret_jwt, private_key_jwt, tls_client_auth, self_signed_tls_client_auth)',
        );
      },
    );

    it.each([undefined, '', '  '])('a missing secret (%j)', (secret) => {
      expect(messageOf(ordersEnv({ ACCESS_TOKEN_ORDERS_CLIENT_SECRET: secret }))).toBe(
        'ACCESS_TOKEN_ORDERS_CLIENT_SECRET is missing (required by client_secret_basic)',
      );
    });

    it('a missing secret for client_secret_post', () => {
      expect(
        messageOf(
          ordersEnv({
            ACCESS_TOKEN_ORDERS_CLIENT_SECRET: undefined,
            ACCESS_TOKEN_ORDERS_AUTH_METHOD: 'client_secret_post',
          }),
        ),
      ).toBe('ACCESS_TOKEN_ORDERS_CLIENT_SECRET is missing (required by client_secret_post)');
    });

    it.each(['orders."read"', 'orders\\read', 'orders.read\torders.write', 'bestellung.lösen'])(
      'the bad scope %j',
      (scope) => {
        expect(messageOf(ordersEnv({ ACCESS_TOKEN_ORDERS_SCOPE: scope }))).toBe(
          'ACCESS_TOKEN_ORDERS_SCOPE must be a space-separated list of scope tokens (RFC 6749 §3.3)',
        );
      },
    );

    it.each([
      '/orders',
      'orders.example.com',
      'https://orders.example.com/#section',
      'https://orders.example.com/#',
    ])('the bad resource %j', (resource) => {
      expect(messageOf(ordersEnv({ ACCESS_TOKEN_ORDERS_RESOURCE: resource }))).toBe(
        'ACCESS_TOKEN_ORDERS_RESOURCE must be an absolute URI without a fragment (RFC 8707)',
      );
    });

    it.each(['/api', 'orders.example.com'])('the bad base URL %j', (url) => {
      expect(messageOf(ordersEnv({ ACCESS_TOKEN_ORDERS_BASE_URL: url }))).toBe(
        'ACCESS_TOKEN_ORDERS_BASE_URL must be an absolute http(s) URL',
      );
    });

    it.each(['abc', '-5', '-0', '1e3', '0x10', '1,5', '60s', '.5', 'Infinity', 'NaN'])(
      'the malformed number ACCESS_TOKEN_REFRESH_BEFORE_EXPIRY_SECONDS=%s',
      (raw) => {
        expect(messageOf(ordersEnv({ ACCESS_TOKEN_REFRESH_BEFORE_EXPIRY_SECONDS: raw }))).toBe(
          'ACCESS_TOKEN_REFRESH_BEFORE_EXPIRY_SECONDS must be a non-negative number',
        );
      },
    );

    it('reads ACCESS_TOKEN_MAX_CACHED_TOKENS as maxCachedTokens', () => {
      expect(
        accessTokenOptionsFromEnv(ordersEnv({ ACCESS_TOKEN_MAX_CACHED_TOKENS: '250' })).maxCachedTokens,
      ).toBe(250);
    });

    it.each(['0', '1.5', 'many'])('the bound ACCESS_TOKEN_MAX_CACHED_TOKENS=%s', (raw) => {
      expect(messageOf(ordersEnv({ ACCESS_TOKEN_MAX_CACHED_TOKENS: raw }))).toMatch(
        /^ACCESS_TOKEN_MAX_CACHED_TOKENS must be a/,
      );
    });

    it.each(['abc', '-300'])('the malformed number ACCESS_TOKEN_DEFAULT_LIFETIME_SECONDS=%s', (raw) => {
      expect(messageOf(ordersEnv({ ACCESS_TOKEN_DEFAULT_LIFETIME_SECONDS: raw }))).toBe(
        'ACCESS_TOKEN_DEFAULT_LIFETIME_SECONDS must be a non-negative number',
      );
    });

    it('a zero default lifetime', () => {
      expect(messageOf(ordersEnv({ ACCESS_TOKEN_DEFAULT_LIFETIME_SECONDS: '0' }))).toBe(
        'ACCESS_TOKEN_DEFAULT_LIFETIME_SECONDS must be a number > 0',
      );
    });

    it.each(['ten', '-1'])('the malformed request timeout %s', (raw) => {
      expect(messageOf(ordersEnv({ ACCESS_TOKEN_ORDERS_REQUEST_TIMEOUT_MS: raw }))).toBe(
        'ACCESS_TOKEN_ORDERS_REQUEST_TIMEOUT_MS must be a non-negative number',
      );
    });

    it.each([
      ['ACCESS_TOKEN_ORDERS_REQUEST_TIMEOUT_MS', 'ten'],
      ['ACCESS_TOKEN_ORDERS_REQUEST_TIMEOUT_MS', '0'],
      ['ACCESS_TOKEN_ORDERS_PARAMETERS', '=x'],
    ])('%s=%j names the client, like every other setting of it', (variable, value) => {
      expect(configErrorOf(ordersEnv({ [variable]: value })).clientName).toBe('orders');
    });

    it('a zero request timeout', () => {
      expect(messageOf(ordersEnv({ ACCESS_TOKEN_ORDERS_REQUEST_TIMEOUT_MS: '0' }))).toBe(
        'ACCESS_TOKEN_ORDERS_REQUEST_TIMEOUT_MS must be a number > 0',
      );
    });

    it('a request timeout too long for a timer', () => {
      expect(messageOf(ordersEnv({ ACCESS_TOKEN_ORDERS_REQUEST_TIMEOUT_MS: '3000000000' }))).toMatch(
        /^ACCESS_TOKEN_ORDERS_REQUEST_TIMEOUT_MS must be a number > 0 and <= 2147483647$/,
      );
    });

    it('a bad cache key prefix', () => {
      expect(messageOf(ordersEnv({ ACCESS_TOKEN_CACHE_KEY_PREFIX: 'my service' }))).toBe(
        "ACCESS_TOKEN_CACHE_KEY_PREFIX must be 1-64 characters of letters, digits, '.', '_', ':' and '-'",
      );
    });

    it('names the variable of the second client', () => {
      expect(
        messageOf({
          ...ordersEnv({ ACCESS_TOKEN_CLIENTS: 'orders,billing.v2' }),
          ACCESS_TOKEN_BILLING_V2_TOKEN_ENDPOINT: 'https://billing.example.com/token',
          ACCESS_TOKEN_BILLING_V2_CLIENT_SECRET: 'x',
        }),
      ).toBe('ACCESS_TOKEN_BILLING_V2_CLIENT_ID is missing');
    });
  });

  describe('misspelt variables stop start-up', () => {
    it.each([
      ['ACCESS_TOKEN_ORDERS_SCOPES', 'ACCESS_TOKEN_ORDERS_SCOPE'],
      ['ACCESS_TOKEN_ORDERS_CLEINT_ID', 'ACCESS_TOKEN_ORDERS_CLIENT_ID'],
      ['ACCESS_TOKEN_ORDERS_CLIENT_SCERET', 'ACCESS_TOKEN_ORDERS_CLIENT_SECRET'],
      ['ACCESS_TOKEN_ORDERS_BASEURL', 'ACCESS_TOKEN_ORDERS_BASE_URL'],
      ['ACCESS_TOKEN_ORDERS_AUTH_METOD', 'ACCESS_TOKEN_ORDERS_AUTH_METHOD'],
      ['ACCESS_TOKEN_ORDERS_TLS_CA', 'ACCESS_TOKEN_ORDERS_TLS_CA_FILE'],
      ['ACCESS_TOKEN_ORDERS_REQUEST_TIMEOUT', 'ACCESS_TOKEN_ORDERS_REQUEST_TIMEOUT_MS'],
      ['ACCESS_TOKEN_ORDERS_PRIVATE_KEY_FLIE', 'ACCESS_TOKEN_ORDERS_PRIVATE_KEY_FILE'],
      ['ACCESS_TOKEN_ORDERS_ALLOW_INSECURE_HTTPS', 'ACCESS_TOKEN_ORDERS_ALLOW_INSECURE_HTTP'],
    ])('%s, naming the closest setting, never the value', (variable, suggestion) => {
      const error = configErrorOf(ordersEnv({ [variable]: SECRET }));
      expect(error.message).toBe(
        `${variable} is not a setting of client 'orders' (did you mean ${suggestion}?)`,
      );
      expect(error.clientName).toBe('orders');
    });

    it('an unknown name under a client prefix that is close to nothing', () => {
      expect(messageOf(ordersEnv({ ACCESS_TOKEN_ORDERS_COLOUR: 'blue' }))).toBe(
        "ACCESS_TOKEN_ORDERS_COLOUR is not a setting of client 'orders'",
      );
    });

    it("a variable of a listed client whose prefix starts another's is that client's, not a typo", () => {
      const env = {
        ...ordersEnv({ ACCESS_TOKEN_CLIENTS: 'orders,orders-api' }),
        ACCESS_TOKEN_ORDERS_API_TOKEN_ENDPOINT: 'https://login.example.com/token',
        ACCESS_TOKEN_ORDERS_API_CLIENT_ID: 'orders-api-caller',
        ACCESS_TOKEN_ORDERS_API_CLIENT_SECRET: SECRET,
        ACCESS_TOKEN_ORDERS_API_SCOPE: 'orders.read',
      };
      expect(accessTokenOptionsFromEnv(env).clients['orders-api']?.scope).toBe('orders.read');
      expect(messageOf({ ...env, ACCESS_TOKEN_ORDERS_API_SCOPES: 'orders.read' })).toBe(
        "ACCESS_TOKEN_ORDERS_API_SCOPES is not a setting of client 'orders-api' (did you mean ACCESS_TOKEN_ORDERS_API_SCOPE?)",
      );
    });

    it.each([
      ['default', 'ACCESS_TOKEN_DEFAULT_LIFETIME_SECONDS', '300'],
      ['refresh', 'ACCESS_TOKEN_REFRESH_AHEAD', 'false'],
      ['cache', 'ACCESS_TOKEN_CACHE_KEY_PREFIX', 'svc'],
    ])(
      'a module-wide variable under the prefix of a client named %s is not a typo',
      (name, variable, value) => {
        const env = {
          ...ordersEnv({ ACCESS_TOKEN_CLIENTS: `orders,${name}` }),
          [`${clientEnvPrefix(name)}TOKEN_ENDPOINT`]: 'https://login.example.com/token',
          [`${clientEnvPrefix(name)}CLIENT_ID`]: name,
          [`${clientEnvPrefix(name)}CLIENT_SECRET`]: SECRET,
          [variable]: value,
        };
        expect(Object.keys(accessTokenOptionsFromEnv(env).clients)).toEqual(['orders', name]);
      },
    );

    it("a misspelt module-wide variable under a client's prefix is named with the module-wide one", () => {
      expect(
        messageOf({
          ...ordersEnv({ ACCESS_TOKEN_CLIENTS: 'orders,default' }),
          ACCESS_TOKEN_DEFAULT_CLIENT_ID: 'd',
          ACCESS_TOKEN_DEFAULT_LIFETIME_SECOND: '300',
        }),
      ).toBe(
        "ACCESS_TOKEN_DEFAULT_LIFETIME_SECOND is not a setting of client 'default' (did you mean ACCESS_TOKEN_DEFAULT_LIFETIME_SECONDS?)",
      );
    });

    it.each([
      ['ACCESS_TOKEN_REFRESH_BEFOR_EXPIRY_SECONDS', 'ACCESS_TOKEN_REFRESH_BEFORE_EXPIRY_SECONDS'],
      ['ACCESS_TOKEN_EXPIRY_SAFETY_MARIGN_SECONDS', 'ACCESS_TOKEN_EXPIRY_SAFETY_MARGIN_SECONDS'],
      ['ACCESS_TOKEN_CACHE_URLS', 'ACCESS_TOKEN_CACHE_URL'],
      ['ACCESS_TOKEN_CLIENT', 'ACCESS_TOKEN_CLIENTS'],
    ])('the module-wide near-miss %s', (variable, suggestion) => {
      expect(messageOf(ordersEnv({ [variable]: SECRET }))).toBe(
        `${variable} is not a known setting (did you mean ${suggestion}?)`,
      );
    });

    it("a near-miss of a client's prefix names the client's setting", () => {
      const error = configErrorOf(ordersEnv({ ACCESS_TOKEN_ORDER_SCOPE: 'orders.read' }));
      expect(error.message).toBe(
        'ACCESS_TOKEN_ORDER_SCOPE is not a known setting (did you mean ACCESS_TOKEN_ORDERS_SCOPE?)',
      );
      expect(error.clientName).toBe('orders');
    });

    it.each([
      ['ACCESS_TOKEN_SECRET', 'a JWT signing secret of the app'],
      ['ACCESS_TOKEN_EXPIRES_IN', '15m'],
      ['ACCESS_TOKEN_CACHE_TTL', '60'],
      ['ACCESS_TOKEN_BILLING_CLIENT_ID', 'a client this service does not list'],
      ['ACCESS_TOKEN_ORDERS_SCOPES', ''],
      ['ACCESS_TOKEN_ORDERS_SCOPES', '   '],
    ])('leaves alone %s = %j (far from any setting, or unset)', (variable, value) => {
      expect(() => accessTokenOptionsFromEnv(ordersEnv({ [variable]: value }))).not.toThrow();
    });

    it.each(AUTHENTICATION_SUFFIXES)(
      'knows the key material and authentication setting %s from its table',
      (suffix) => {
        let message = '';
        try {
          accessTokenOptionsFromEnv(ordersEnv({ [`ACCESS_TOKEN_ORDERS_${suffix}`]: '/nonexistent/file' }));
        } catch (error) {
          message = (error as Error).message;
        }
        expect(message).not.toMatch(/is not a (known )?setting/);
      },
    );
  });

  describe('a secret pasted into the wrong variable never appears in the message', () => {
    it.each([
      ['ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT', SECRET],
      ['ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT', `https://${SECRET}.example.com#${SECRET}`],
      ['ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT', `http://${SECRET}.example.com/token`],
      ['ACCESS_TOKEN_ORDERS_AUTH_METHOD', SECRET],
      ['ACCESS_TOKEN_ORDERS_SCOPE', `"${SECRET}"`],
      ['ACCESS_TOKEN_ORDERS_RESOURCE', SECRET],
      ['ACCESS_TOKEN_ORDERS_RESOURCE', `https://api.example.com/#${SECRET}`],
      ['ACCESS_TOKEN_ORDERS_BASE_URL', SECRET],
      ['ACCESS_TOKEN_ORDERS_BASE_URL', `https://u:${SECRET}@api.example.com`],
      ['ACCESS_TOKEN_ORDERS_PARAMETERS', `client_secret=${SECRET}`],
      ['ACCESS_TOKEN_ORDERS_PARAMETERS', `=${SECRET}`],
      ['ACCESS_TOKEN_ORDERS_REQUEST_TIMEOUT_MS', SECRET],
      ['ACCESS_TOKEN_REFRESH_BEFORE_EXPIRY_SECONDS', SECRET],
      ['ACCESS_TOKEN_DEFAULT_LIFETIME_SECONDS', SECRET],
      ['ACCESS_TOKEN_CACHE_KEY_PREFIX', `${SECRET}!`],
      ['ACCESS_TOKEN_CACHE_URL', SECRET],
      ['ACCESS_TOKEN_CACHE_ENCRYPTION_KEY', SECRET],
      ['ACCESS_TOKEN_CLIENTS', `orders,${SECRET}!`],
    ])('%s = %j', (variable, value) => {
      const message = messageOf(ordersEnv({ [variable]: value }));
      expect(message).not.toContain(SECRET);
      expect(message).toContain(variable);
    });

    it('ACCESS_TOKEN_ORDERS_ISSUER', () => {
      const message = messageOf(
        ordersEnv({ ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT: undefined, ACCESS_TOKEN_ORDERS_ISSUER: SECRET }),
      );
      expect(message).toBe('ACCESS_TOKEN_ORDERS_ISSUER must be an absolute http(s) URL');
    });
  });
});
