import { describe, expect, it } from '@jest/globals';

import { tokenCacheKey, type CacheKeyParts } from './cache-key.js';

const SECRET = 'S3cr3t-Value-Never-Print-Me';

const base: CacheKeyParts = {
  prefix: 'atm',
  clientName: 'orders',
  authorizationServer: 'https://login.example.com/oauth2/token',
  clientId: 'orders-caller',
  scope: 'orders.read orders.write',
  resource: 'https://orders.example.com',
  parameters: { audience: 'orders', tenant: 'a' },
};

function key(overrides: Partial<CacheKeyParts> = {}): string {
  return tokenCacheKey({ ...base, ...overrides });
}

describe('tokenCacheKey', () => {
  it('is `<prefix>:<client name>:<hash>`', () => {
    expect(key()).toMatch(/^atm:orders:[A-Za-z0-9_-]{43}$/);
  });

  it('is equal for equal parts', () => {
    expect(key()).toBe(key());
    expect(tokenCacheKey({ ...base, parameters: { ...base.parameters } })).toBe(key());
  });

  it('does not depend on the order of the extra parameters', () => {
    expect(key({ parameters: { tenant: 'a', audience: 'orders' } })).toBe(key());
  });

  it('treats absent and empty extra parameters alike', () => {
    expect(key({ parameters: {} })).toBe(tokenCacheKey({ ...base, parameters: Object.freeze({}) }));
  });

  it.each<[string, Partial<CacheKeyParts>]>([
    ['prefix', { prefix: 'other' }],
    ['client name', { clientName: 'billing' }],
    ['token endpoint', { authorizationServer: 'https://login.example.com/oauth2/v2/token' }],
    ['authorization server host', { authorizationServer: 'https://login.example.org/oauth2/token' }],
    ['client id', { clientId: 'billing-caller' }],
    ['scope', { scope: 'orders.read' }],
    ['absent scope', { scope: undefined }],
    ['resource', { resource: 'https://billing.example.com' }],
    ['absent resource', { resource: undefined }],
    ['parameter value', { parameters: { audience: 'orders', tenant: 'b' } }],
    ['parameter name', { parameters: { audience: 'orders', tenantx: 'a' } }],
    ['extra parameter', { parameters: { audience: 'orders', tenant: 'a', region: 'eu' } }],
    ['missing parameter', { parameters: { audience: 'orders' } }],
    ['no parameters', { parameters: {} }],
  ])('differs when the %s differs', (_label, overrides) => {
    expect(key(overrides)).not.toBe(key());
  });

  it('gives every variant its own key', () => {
    const variants: Partial<CacheKeyParts>[] = [
      {},
      { authorizationServer: 'https://b.example.com/token' },
      { clientId: 'b' },
      { scope: 'b' },
      { resource: 'urn:b' },
      { parameters: { b: 'b' } },
      { prefix: 'b' },
    ];
    expect(new Set(variants.map((v) => key(v))).size).toBe(variants.length);
  });

  describe('no collision by concatenation', () => {
    it.each<[string, Partial<CacheKeyParts>, Partial<CacheKeyParts>]>([
      ['scope + resource', { scope: 'a', resource: 'bc' }, { scope: 'ab', resource: 'c' }],
      [
        'server + client id',
        { authorizationServer: 'https://a/x', clientId: 'y' },
        { authorizationServer: 'https://a/', clientId: 'xy' },
      ],
      ['client id + scope', { clientId: 'ab', scope: 'c' }, { clientId: 'a', scope: 'bc' }],
      ['scope moved to resource', { scope: 'x', resource: undefined }, { scope: undefined, resource: 'x' }],
      [
        'resource moved to a parameter',
        { resource: 'x', parameters: {} },
        { resource: undefined, parameters: { x: '' } },
      ],
      ['parameter name + value', { parameters: { ab: 'c' } }, { parameters: { a: 'bc' } }],
      ['parameter pairs', { parameters: { a: 'b', c: 'd' } }, { parameters: { a: 'b;c', d: '' } }],
      ['separator characters', { scope: '1:a;', resource: 'b' }, { scope: '1:a', resource: ';b' }],
      ['length-prefix look-alike', { scope: 'a', resource: 'b' }, { scope: 'a;1:b', resource: undefined }],
    ])('%s', (_label, first, second) => {
      expect(key(first)).not.toBe(key(second));
    });

    it('keeps a prefix containing ":" apart from the client name (names cannot contain ":")', () => {
      const k = key({ prefix: 'svc:orders', clientName: 'x' });
      expect(k).not.toBe(key({ prefix: 'svc', clientName: 'orders' }));
      expect(k.split(':').slice(0, -1)).toEqual(['svc', 'orders', 'x']);
    });

    it('counts bytes, not UTF-16 units, in the length prefix', () => {
      expect(key({ scope: 'é', resource: 'x' })).not.toBe(key({ scope: 'e', resource: 'x' }));
      expect(key({ scope: 'ü', resource: undefined })).not.toBe(key({ scope: undefined, resource: 'ü' }));
    });
  });

  it('does not contain the client id, scope, resource or parameter values in the clear', () => {
    const k = key({
      clientId: 'visible-client-id',
      scope: 'visible.scope',
      parameters: { tenant: 'visible-tenant' },
    });
    expect(k).not.toContain('visible');
  });

  it('does not contain the client secret, even when the secret is sent as a parameter value', () => {
    const k = key({ parameters: { assertion: SECRET } });
    expect(k).not.toContain(SECRET);
    expect(k.startsWith('atm:orders:')).toBe(true);
  });

  it('ignores any property outside its parts (a secret passed along does not change or enter the key)', () => {
    const withSecret = { ...base, clientSecret: SECRET } as CacheKeyParts;
    expect(tokenCacheKey(withSecret)).toBe(key());
    expect(tokenCacheKey(withSecret)).not.toContain(SECRET);
  });

  it('is stable across runs (a shared store is read by other processes)', () => {
    expect(
      tokenCacheKey({
        prefix: 'atm',
        clientName: 'orders',
        authorizationServer: 'https://as/token',
        clientId: 'c',
        parameters: {},
      }),
    ).toBe(
      tokenCacheKey({
        prefix: 'atm',
        clientName: 'orders',
        authorizationServer: 'https://as/token',
        clientId: 'c',
        scope: undefined,
        resource: undefined,
        parameters: {},
      }),
    );
  });
});
