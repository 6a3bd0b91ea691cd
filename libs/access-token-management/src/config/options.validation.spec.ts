import { describe, expect, it } from '@jest/globals';

import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import type { AccessTokenOptions, ClientCredentialsClientOptions } from './client-options.interface.js';
import { CLIENT_AUTH_METHODS } from './client-options.interface.js';
import {
  DEFAULT_AUTH_METHOD,
  DEFAULT_CACHE_KEY_PREFIX,
  DEFAULT_LIFETIME_SECONDS,
  DEFAULT_REFRESH_BEFORE_EXPIRY_SECONDS,
  DEFAULT_REQUEST_TIMEOUT_MS,
} from './defaults.js';
import { normalizeScope, validateAccessTokenOptions } from './options.validation.js';
import { isLoopbackHost, parseHttpUrl } from './url-rules.js';

const SECRET = 'S3cr3t-Value-Never-Print-Me';

function client(overrides: Partial<ClientCredentialsClientOptions> = {}): ClientCredentialsClientOptions {
  return {
    tokenEndpoint: 'https://login.example.com/oauth2/token',
    clientId: 'orders-caller',
    clientSecret: SECRET,
    ...overrides,
  };
}

function options(
  overrides: Partial<ClientCredentialsClientOptions> = {},
  module: Partial<AccessTokenOptions> = {},
): AccessTokenOptions {
  return { clients: { orders: client(overrides) }, ...module };
}

/** Runs `run`, asserts it threw an `ERR_CONFIG_INVALID` AccessTokenError, and returns that error. */
function configErrorOf(run: () => unknown): AccessTokenError {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(AccessTokenError);
  const error = thrown as AccessTokenError;
  expect(error.code).toBe(AccessTokenErrorCode.ConfigInvalid);
  expect(error.code).toBe('ERR_CONFIG_INVALID');
  expect(error.message).not.toContain(SECRET);
  return error;
}

function messageOf(input: AccessTokenOptions): string {
  return configErrorOf(() => validateAccessTokenOptions(input)).message;
}

describe('defaults', () => {
  it('has the documented values', () => {
    expect(DEFAULT_REFRESH_BEFORE_EXPIRY_SECONDS).toBe(60);
    expect(DEFAULT_LIFETIME_SECONDS).toBe(300);
    expect(DEFAULT_REQUEST_TIMEOUT_MS).toBe(10_000);
    expect(DEFAULT_AUTH_METHOD).toBe('client_secret_basic');
    expect(DEFAULT_CACHE_KEY_PREFIX).toBe('atm');
  });

  it('lists the shared secret, JWT assertion and mTLS methods as the supported auth methods', () => {
    expect([...CLIENT_AUTH_METHODS]).toEqual([
      'client_secret_basic',
      'client_secret_post',
      'client_secret_jwt',
      'private_key_jwt',
      'tls_client_auth',
      'self_signed_tls_client_auth',
    ]);
  });
});

describe('validateAccessTokenOptions', () => {
  describe('a valid configuration', () => {
    it('fills in every default', () => {
      const resolved = validateAccessTokenOptions(options());
      expect(resolved.refreshBeforeExpirySeconds).toBe(60);
      expect(resolved.defaultLifetimeSeconds).toBe(300);
      expect(resolved.cacheKeyPrefix).toBe('atm');
      expect(resolved.cache).toBeUndefined();
      expect(resolved.clients.get('orders')).toEqual({
        name: 'orders',
        tokenEndpoint: 'https://login.example.com/oauth2/token',
        issuer: undefined,
        clientId: 'orders-caller',
        clientSecret: SECRET,
        authMethod: 'client_secret_basic',
        scope: undefined,
        resource: undefined,
        parameters: {},
        baseURL: undefined,
        requestTimeoutMs: 10_000,
        allowInsecureHttp: false,
      });
    });

    it('keeps every given setting', () => {
      const cache = {} as AccessTokenOptions['cache'];
      const resolved = validateAccessTokenOptions(
        options(
          {
            authMethod: 'client_secret_post',
            scope: 'orders.write orders.read',
            resource: 'https://orders.example.com',
            parameters: { audience: 'orders' },
            baseURL: 'https://orders.example.com/api',
            requestTimeoutMs: 2_500,
          },
          {
            refreshBeforeExpirySeconds: 0,
            defaultLifetimeSeconds: 120,
            cacheKeyPrefix: 'svc:a',
            cache,
            allowPlaintextCache: true,
          },
        ),
      );
      expect(resolved).toMatchObject({
        refreshBeforeExpirySeconds: 0,
        defaultLifetimeSeconds: 120,
        cacheKeyPrefix: 'svc:a',
      });
      expect(resolved.cache).toBe(cache);
      expect(resolved.clients.get('orders')).toMatchObject({
        authMethod: 'client_secret_post',
        scope: 'orders.read orders.write',
        resource: 'https://orders.example.com',
        parameters: { audience: 'orders' },
        baseURL: 'https://orders.example.com/api',
        requestTimeoutMs: 2_500,
      });
    });

    it('accepts an issuer instead of a token endpoint', () => {
      const resolved = validateAccessTokenOptions(
        options({ tokenEndpoint: undefined, issuer: 'https://login.example.com/realms/a' }),
      );
      expect(resolved.clients.get('orders')).toMatchObject({
        tokenEndpoint: undefined,
        issuer: 'https://login.example.com/realms/a',
      });
    });

    it('validates every client and keeps them apart', () => {
      const resolved = validateAccessTokenOptions({
        clients: {
          orders: client(),
          'billing.v2_api-x': client({ clientId: 'billing', scope: 'billing' }),
        },
      });
      expect([...resolved.clients.keys()]).toEqual(['orders', 'billing.v2_api-x']);
      expect(resolved.clients.get('billing.v2_api-x')).toMatchObject({
        name: 'billing.v2_api-x',
        clientId: 'billing',
        scope: 'billing',
      });
    });

    it('freezes a copy of the extra parameters', () => {
      const parameters = { audience: 'orders' };
      const resolved = validateAccessTokenOptions(options({ parameters }));
      const stored = resolved.clients.get('orders')?.parameters;
      parameters.audience = 'changed';
      expect(stored).toEqual({ audience: 'orders' });
      expect(Object.isFrozen(stored)).toBe(true);
    });

    it('normalises the scope: sorted, deduplicated, single-spaced', () => {
      const resolved = validateAccessTokenOptions(options({ scope: '  b a   b  c ' }));
      expect(resolved.clients.get('orders')?.scope).toBe('a b c');
    });

    it('treats a blank scope as no scope', () => {
      const resolved = validateAccessTokenOptions(options({ scope: '   ' }));
      expect(resolved.clients.get('orders')?.scope).toBeUndefined();
    });

    it('accepts every character the RFC 6749 scope grammar allows', () => {
      const scope = "! #$%&'()*+,-./0123456789:;<=>?@ [ ] ^_`{|}~ api://orders/.default";
      expect(() => validateAccessTokenOptions(options({ scope }))).not.toThrow();
    });

    it.each(['http://localhost:4000/token', 'http://127.0.0.1:4000/token', 'http://[::1]:4000/token'])(
      'accepts plain http on the loopback host of %s',
      (tokenEndpoint) => {
        const resolved = validateAccessTokenOptions(options({ tokenEndpoint }));
        expect(resolved.clients.get('orders')?.tokenEndpoint).toBe(tokenEndpoint);
      },
    );

    it('accepts plain http for a loopback issuer too', () => {
      expect(() =>
        validateAccessTokenOptions(options({ tokenEndpoint: undefined, issuer: 'http://127.0.0.1:4000' })),
      ).not.toThrow();
    });

    it('accepts a URN as resource indicator', () => {
      const resolved = validateAccessTokenOptions(options({ resource: 'urn:example:orders' }));
      expect(resolved.clients.get('orders')?.resource).toBe('urn:example:orders');
    });

    it('accepts a refresh buffer of 0', () => {
      expect(
        validateAccessTokenOptions(options({}, { refreshBeforeExpirySeconds: 0 })).refreshBeforeExpirySeconds,
      ).toBe(0);
    });
  });

  describe('module options', () => {
    it.each([
      ['null', null],
      ['a string', 'orders'],
    ])('refuses %s as options', (_label, input) => {
      expect(messageOf(input as unknown as AccessTokenOptions)).toMatch(/^options /);
    });

    it.each([
      ['no clients map', {}],
      ['an empty clients map', { clients: {} }],
    ])('refuses %s, naming `clients`', (_label, input) => {
      expect(messageOf(input as AccessTokenOptions)).toBe('clients must name at least one client');
    });

    it.each(['orders api', '-orders', '.orders', 'orders/x', 'ördérs', ''])(
      'refuses the client name %j without echoing it',
      (name) => {
        const message = messageOf({ clients: { [name]: client() } });
        expect(message).toMatch(/^clients has an invalid client name/);
        if (name !== '') expect(message).not.toContain(name);
      },
    );

    it.each([
      ['refreshBeforeExpirySeconds', -1],
      ['refreshBeforeExpirySeconds', Number.NaN],
      ['refreshBeforeExpirySeconds', Number.POSITIVE_INFINITY],
      ['refreshBeforeExpirySeconds', '60'],
      ['defaultLifetimeSeconds', 0],
      ['defaultLifetimeSeconds', -300],
      ['defaultLifetimeSeconds', Number.NaN],
      ['defaultLifetimeSeconds', '300'],
    ])('refuses %s = %p, naming the option', (field, value) => {
      const message = messageOf(options({}, { [field]: value } as Partial<AccessTokenOptions>));
      expect(message.startsWith(`${field} must be a number`)).toBe(true);
    });

    it.each(['', 'a b', 'a/b', 'x'.repeat(65), 'prefix\n'])(
      'refuses the cache key prefix %j',
      (cacheKeyPrefix) => {
        expect(messageOf(options({}, { cacheKeyPrefix }))).toMatch(/^cacheKeyPrefix must be 1-64 characters/);
      },
    );

    // Clients at runtime: the bound of what is kept, and the resolver.
    it('caps what is kept at 10 000 by default', () => {
      expect(validateAccessTokenOptions(options()).maxCachedTokens).toBe(10_000);
      expect(validateAccessTokenOptions(options({}, { maxCachedTokens: 1 })).maxCachedTokens).toBe(1);
    });

    it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '100'])(
      'refuses maxCachedTokens = %p, naming the option',
      (maxCachedTokens) => {
        expect(messageOf(options({}, { maxCachedTokens } as Partial<AccessTokenOptions>))).toBe(
          'maxCachedTokens must be a whole number >= 1',
        );
      },
    );

    it.each([
      ['a string', 'tenants'],
      ['an object', {}],
    ])('refuses %s as clientResolver', (_label, resolver) => {
      expect(
        messageOf(options({}, { clientResolver: resolver } as unknown as Partial<AccessTokenOptions>)),
      ).toBe('clientResolver must be a function');
    });

    it('accepts no clients when a clientResolver can supply them', () => {
      const clientResolver = () => undefined;
      const resolved = validateAccessTokenOptions({ clients: {}, clientResolver });
      expect(resolved.clients.size).toBe(0);
      expect(resolved.clientResolver).toBe(clientResolver);
    });

    it('accepts a 64 character cache key prefix', () => {
      const cacheKeyPrefix = 'p'.repeat(64);
      expect(validateAccessTokenOptions(options({}, { cacheKeyPrefix })).cacheKeyPrefix).toBe(cacheKeyPrefix);
    });
  });

  describe('client settings', () => {
    it('reports the client the error concerns', () => {
      const error = configErrorOf(() => validateAccessTokenOptions(options({ clientId: '' })));
      expect(error.clientName).toBe('orders');
    });

    it('refuses a client without settings', () => {
      expect(messageOf({ clients: { orders: undefined as unknown as ClientCredentialsClientOptions } })).toBe(
        'clients.orders.clientId is missing: the client has no settings',
      );
    });

    it.each([undefined, '', '   '])('refuses the client id %j', (clientId) => {
      expect(messageOf(options({ clientId: clientId as string }))).toBe('clients.orders.clientId is missing');
    });

    it('refuses a client with neither token endpoint nor issuer', () => {
      expect(messageOf(options({ tokenEndpoint: undefined }))).toBe(
        'clients.orders.tokenEndpoint is missing (or set clients.orders.issuer for discovery)',
      );
    });

    it('refuses a client with both token endpoint and issuer', () => {
      expect(messageOf(options({ issuer: 'https://login.example.com' }))).toBe(
        'clients.orders.tokenEndpoint and clients.orders.issuer are both set: set one of them',
      );
    });

    describe.each(['tokenEndpoint', 'issuer'] as const)('%s', (field) => {
      const withUrl = (url: string) =>
        options(
          field === 'tokenEndpoint' ? { tokenEndpoint: url } : { tokenEndpoint: undefined, issuer: url },
        );

      it.each([
        '',
        'login.example.com/token',
        '/oauth2/token',
        'https//login.example.com',
        'ftp://login.example.com/token',
        'file:///etc/passwd',
        'https://',
      ])('refuses the malformed URL %j', (url) => {
        expect(messageOf(withUrl(url))).toBe(`clients.orders.${field} must be an absolute http(s) URL`);
      });

      it.each([
        'http://login.example.com/token',
        'http://10.0.0.5/token',
        'http://0.0.0.0:4000/token',
        'http://localhost.example.com/token',
        'http://127.0.0.1.nip.io/token',
        'http://[::2]/token',
      ])('refuses plain http on the non-loopback host of %s', (url) => {
        expect(messageOf(withUrl(url))).toBe(
          `clients.orders.${field} must use https (plain http is allowed only for loopback hosts)`,
        );
      });

      it.each([
        `https://orders-caller:${SECRET}@login.example.com/token`,
        `https://${SECRET}@login.example.com/token`,
      ])('refuses credentials in the URL without echoing them (%#)', (url) => {
        expect(messageOf(withUrl(url))).toBe(`clients.orders.${field} must not contain credentials`);
      });

      it.each(['https://login.example.com/token#frag', 'https://login.example.com/token#'])(
        'refuses the fragment in %s',
        (url) => {
          expect(messageOf(withUrl(url))).toBe(`clients.orders.${field} must not contain a fragment`);
        },
      );

      it('never echoes a secret pasted into it', () => {
        const message = messageOf(withUrl(SECRET));
        expect(message).toBe(`clients.orders.${field} must be an absolute http(s) URL`);
      });
    });

    it.each(['none', 'CLIENT_SECRET_BASIC', 'private_key_JWT', ''])(
      'refuses the auth method %j',
      (authMethod) => {
        expect(messageOf(options({ authMethod: authMethod as 'client_secret_post' }))).toBe(
          'clients.orders.authMethod is not a supported method (use one of: client_secret_basic, client_secret_post, client_secret_jwt, private_key_jwt, tls_client_auth, self_signed_tls_client_auth)',
        );
      },
    );

    it('never echoes a secret pasted into the auth method', () => {
      expect(messageOf(options({ authMethod: SECRET as 'client_secret_post' }))).toMatch(
        /^clients\.orders\.authMethod is not a supported method/,
      );
    });

    it.each([
      ['client_secret_basic', undefined],
      ['client_secret_basic', ''],
      ['client_secret_post', undefined],
    ] as const)('refuses %s without a secret', (authMethod, clientSecret) => {
      expect(messageOf(options({ authMethod, clientSecret }))).toBe(
        `clients.orders.clientSecret is missing (required by ${authMethod})`,
      );
    });

    it.each([
      ['a double quote', 'orders."read"'],
      ['a backslash', 'orders\\read'],
      ['a tab', 'orders.read\torders.write'],
      ['a newline', 'orders.read\norders.write'],
      ['a non-ASCII letter', 'bestellungen.lösen'],
      ['a non-string', 42],
      ['null', null],
    ])('refuses a scope with %s', (_label, scope) => {
      expect(messageOf(options({ scope: scope as string }))).toBe(
        'clients.orders.scope must be a space-separated list of scope tokens (RFC 6749 §3.3)',
      );
    });

    it('never echoes a secret-like scope', () => {
      expect(messageOf(options({ scope: `${SECRET}"` }))).not.toContain(SECRET);
    });

    it.each([
      ['relative', '/orders'],
      ['a host without scheme', 'orders.example.com'],
      ['empty', ''],
      ['an URL with a fragment', 'https://orders.example.com/#x'],
      ['an URL with an empty fragment', 'https://orders.example.com/#'],
      ['a URN with a fragment', 'urn:example:orders#x'],
    ])('refuses a resource that is %s', (_label, resource) => {
      expect(messageOf(options({ resource }))).toBe(
        'clients.orders.resource must be an absolute URI without a fragment (RFC 8707)',
      );
    });

    it.each(['/api', 'orders.example.com', 'ws://orders.example.com', ''])(
      'refuses the base URL %j',
      (baseURL) => {
        expect(messageOf(options({ baseURL }))).toBe(
          'clients.orders.baseURL must be an absolute http(s) URL',
        );
      },
    );

    it('refuses credentials in the base URL without echoing them', () => {
      expect(messageOf(options({ baseURL: `https://u:${SECRET}@orders.example.com` }))).toBe(
        'clients.orders.baseURL must not contain credentials',
      );
    });

    it.each(['grant_type', 'client_id', 'client_secret', 'scope', 'resource'])(
      'refuses the reserved extra parameter %s',
      (name) => {
        expect(messageOf(options({ parameters: { audience: 'orders', [name]: SECRET } }))).toBe(
          `clients.orders.parameters must not set '${name}' (it has a setting of its own)`,
        );
      },
    );

    it('refuses non-string parameter values', () => {
      expect(messageOf(options({ parameters: { tenant: 7 as unknown as string } }))).toBe(
        "clients.orders.parameters has a non-string value for 'tenant'",
      );
    });

    it.each([null, 'audience=x'])('refuses %p as parameters', (parameters) => {
      expect(messageOf(options({ parameters: parameters as unknown as Record<string, string> }))).toBe(
        'clients.orders.parameters must be a map of strings',
      );
    });

    it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, '1000'])(
      'refuses a request timeout of %p',
      (value) => {
        expect(messageOf(options({ requestTimeoutMs: value as number }))).toMatch(
          /^clients\.orders\.requestTimeoutMs must be a number > 0/,
        );
      },
    );

    it('refuses a request timeout longer than a timer can wait (it would fire at once)', () => {
      expect(messageOf(options({ requestTimeoutMs: 2 ** 31 }))).toMatch(
        /^clients\.orders\.requestTimeoutMs /,
      );
      expect(
        validateAccessTokenOptions(options({ requestTimeoutMs: 2 ** 31 - 1 })).clients.get('orders'),
      ).toMatchObject({ requestTimeoutMs: 2 ** 31 - 1 });
    });

    it('names the offending client among several', () => {
      const message = messageOf({
        clients: { orders: client(), billing: client({ tokenEndpoint: 'http://billing.example.com/token' }) },
      });
      expect(message).toMatch(/^clients\.billing\.tokenEndpoint /);
    });
  });

  it('uses the given setting namer in every message', () => {
    const nameOf = (field: string, clientName?: string) => `<${clientName ?? '*'}/${field}>`;
    const error = configErrorOf(() =>
      validateAccessTokenOptions(options({ tokenEndpoint: undefined }), nameOf),
    );
    expect(error.message).toBe('<orders/tokenEndpoint> is missing (or set <orders/issuer> for discovery)');
    expect(
      configErrorOf(() => validateAccessTokenOptions(options({}, { defaultLifetimeSeconds: 0 }), nameOf))
        .message,
    ).toBe('<*/defaultLifetimeSeconds> must be a number > 0');
  });
});

describe('plain http (tokens and credentials in clear text)', () => {
  const remote = {
    tokenEndpoint: 'http://login.internal.example/token',
    issuer: 'http://login.internal.example',
    baseURL: 'http://orders.internal.example',
  } as const;
  const only = (field: keyof typeof remote) =>
    field === 'issuer' ? { tokenEndpoint: undefined, issuer: remote.issuer } : { [field]: remote[field] };

  it.each(['http://orders.internal.example', 'http://10.0.0.5:3001', 'http://[::2]/api'])(
    'refuses a base URL on the non-loopback %s: the API would get the token in clear text',
    (baseURL) => {
      expect(messageOf(options({ baseURL }))).toBe(
        'clients.orders.baseURL must use https (plain http is allowed only for loopback hosts)',
      );
    },
  );

  it.each([
    'http://localhost:3001',
    'http://127.0.0.1:3001/api',
    'http://[::1]:3001',
    'https://orders.example',
  ])('accepts the base URL %s', (baseURL) => {
    expect(validateAccessTokenOptions(options({ baseURL })).clients.get('orders')?.baseURL).toBe(baseURL);
  });

  it.each(['tokenEndpoint', 'issuer', 'baseURL'] as const)(
    'with allowInsecureHttp, accepts a non-loopback http %s for that client only',
    (field) => {
      const resolved = validateAccessTokenOptions({
        clients: { orders: client({ ...only(field), allowInsecureHttp: true }), billing: client() },
      });
      expect(resolved.clients.get('orders')).toMatchObject({ [field]: expect.stringMatching(/^http:/) });
      expect(resolved.clients.get('orders')?.allowInsecureHttp).toBe(true);
      expect(messageOf({ clients: { orders: client(), billing: client(only(field)) } })).toBe(
        `clients.billing.${field} must use https (plain http is allowed only for loopback hosts)`,
      );
    },
  );

  it('is off by default', () => {
    expect(validateAccessTokenOptions(options()).clients.get('orders')?.allowInsecureHttp).toBe(false);
  });

  it('names the client in the error of a bad request timeout', () => {
    expect(configErrorOf(() => validateAccessTokenOptions(options({ requestTimeoutMs: 0 }))).clientName).toBe(
      'orders',
    );
  });

  it('refuses a null auth method like null in any other setting, rather than take the default', () => {
    expect(messageOf(options({ authMethod: null as never }))).toMatch(
      /^clients\.orders\.authMethod is not a supported method/,
    );
  });

  it.each(['true', 1, null])('refuses allowInsecureHttp = %j', (value) => {
    expect(messageOf(options({ allowInsecureHttp: value as never }))).toBe(
      'clients.orders.allowInsecureHttp must be true or false',
    );
  });
});

describe('normalizeScope', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['   ', undefined],
    ['a', 'a'],
    ['b a', 'a b'],
    ['a a a', 'a'],
    ['  c  b   a  ', 'a b c'],
    ['orders.write orders.read orders.write', 'orders.read orders.write'],
    ['B a A b', 'A B a b'],
  ])('normalises %j to %j', (input, expected) => {
    expect(normalizeScope(input)).toBe(expected);
  });

  it('gives one spelling for every ordering of a scope set', () => {
    expect(normalizeScope('x y z')).toBe(normalizeScope('z  x y x'));
  });
});

describe('url rules', () => {
  it.each(['localhost', '127.0.0.1', '127.10.20.30', '[::1]', '::1'])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each([
    'example.com',
    'localhost.example.com',
    // Resolved by the system resolver, which does not promise a loopback address for *.localhost.
    'app.localhost',
    '10.0.0.1',
    '0.0.0.0',
    '128.0.0.1',
    '127.0.0.1.nip.io',
    '[::2]',
  ])('%s is not loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });

  it('parses absolute http(s) URLs only', () => {
    expect(parseHttpUrl('https://a.example/x')?.href).toBe('https://a.example/x');
    expect(parseHttpUrl('http://a.example')?.href).toBe('http://a.example/');
    expect(parseHttpUrl('ftp://a.example')).toBeUndefined();
    expect(parseHttpUrl('a.example')).toBeUndefined();
    expect(parseHttpUrl('')).toBeUndefined();
  });
});
