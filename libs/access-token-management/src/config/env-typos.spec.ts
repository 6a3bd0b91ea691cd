import { describe, expect, it } from '@jest/globals';
import { editDistance, misspeltVariableError, type EnvConvention } from './env-typos.js';

/** A convention as the loader builds it from its tables; `suffixes` stands for whatever the tables hold. */
function convention(suffixes: readonly string[]): EnvConvention {
  const clientPrefixes = new Map([['orders', 'ACCESS_TOKEN_ORDERS_']]);
  return {
    prefix: 'ACCESS_TOKEN_',
    moduleVariables: new Set(['ACCESS_TOKEN_CLIENTS', 'ACCESS_TOKEN_CACHE_URL']),
    clientSuffixes: suffixes,
    clientPrefixes,
    ownerOf: (key) => (key.startsWith('ACCESS_TOKEN_ORDERS_') ? 'orders' : undefined),
  };
}

describe('misspeltVariableError', () => {
  it('knows a suffix as soon as the tables hold it, with no list of its own', () => {
    const env = { ACCESS_TOKEN_CLIENTS: 'orders', ACCESS_TOKEN_ORDERS_PROXY_URL: 'http://proxy:3128' };
    expect(misspeltVariableError(env, convention(['CLIENT_ID']))?.message).toBe(
      "ACCESS_TOKEN_ORDERS_PROXY_URL is not a setting of client 'orders'",
    );
    expect(misspeltVariableError(env, convention(['CLIENT_ID', 'PROXY_URL']))).toBeUndefined();
    expect(
      misspeltVariableError(
        { ...env, ACCESS_TOKEN_ORDERS_PROXY_ULR: 'x' },
        convention(['CLIENT_ID', 'PROXY_URL']),
      )?.message,
    ).toBe(
      "ACCESS_TOKEN_ORDERS_PROXY_ULR is not a setting of client 'orders' (did you mean ACCESS_TOKEN_ORDERS_PROXY_URL?)",
    );
  });

  it('reports the first misspelt name in sorted order, whatever order the env has', () => {
    const env = { ACCESS_TOKEN_ORDERS_ZOPE: 'b', ACCESS_TOKEN_ORDERS_SCOPES: 'a' };
    expect(misspeltVariableError(env, convention(['SCOPE']))?.message).toMatch(
      /^ACCESS_TOKEN_ORDERS_SCOPES /,
    );
  });

  it('ignores variables outside ACCESS_TOKEN_', () => {
    expect(misspeltVariableError({ ACCESS_TOKEN: 'x', PATH: '/bin' }, convention([]))).toBeUndefined();
  });
});

describe('editDistance', () => {
  it.each([
    ['SCOPE', 'SCOPE', 0],
    ['SCOPES', 'SCOPE', 1],
    ['CLEINT_ID', 'CLIENT_ID', 1],
    ['CLIENTID', 'CLIENT_ID', 1],
    ['CACHE_TTL', 'CACHE_URL', 2],
    ['', 'ABC', 3],
  ])('%s -> %s is %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});
