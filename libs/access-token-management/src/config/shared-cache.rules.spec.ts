import { describe, expect, it } from '@jest/globals';

import { AccessTokenError } from '../errors.js';
import type { AccessTokenOptions } from './client-options.interface.js';
import { accessTokenOptionsFromEnv, type EnvSource } from './env-options.loader.js';
import { validateAccessTokenOptions } from './options.validation.js';

const SECRET = 'S3cr3t-Redis-Password';
const KEY = Buffer.alloc(32, 7).toString('base64');

/** One client and an encryption key: only the store is left to name. */
function env(overrides: EnvSource = {}): EnvSource {
  return {
    ACCESS_TOKEN_CLIENTS: 'orders',
    ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT: 'https://login.example.com/oauth2/token',
    ACCESS_TOKEN_ORDERS_CLIENT_ID: 'orders-caller',
    ACCESS_TOKEN_ORDERS_CLIENT_SECRET: 'client-secret',
    ACCESS_TOKEN_CACHE_ENCRYPTION_KEY: KEY,
    ...overrides,
  };
}

const fromEnv = (overrides: EnvSource) =>
  validateAccessTokenOptions(accessTokenOptionsFromEnv(env(overrides)));

/** The message of the `ERR_CONFIG_INVALID` that `run` throws, checked to quote no password. */
function messageOf(run: () => unknown): string {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(AccessTokenError);
  expect((thrown as AccessTokenError).code).toBe('ERR_CONFIG_INVALID');
  const { message } = thrown as AccessTokenError;
  expect(message).not.toContain(SECRET);
  return message;
}

const envMessage = (overrides: EnvSource) => messageOf(() => fromEnv(overrides));

function inCode(overrides: Partial<AccessTokenOptions>): AccessTokenOptions {
  return {
    clients: {
      orders: { tokenEndpoint: 'https://login.example.com/token', clientId: 'c', clientSecret: 's' },
    },
    cacheEncryptionKey: KEY,
    ...overrides,
  };
}

describe('naming the Redis of a fleet', () => {
  it('reads Redis Cluster seed nodes from ACCESS_TOKEN_CACHE_CLUSTER_NODES', () => {
    const resolved = fromEnv({
      ACCESS_TOKEN_CACHE_CLUSTER_NODES: ` redis://:${SECRET}@10.0.0.1:7000, redis://:${SECRET}@10.0.0.2:7001 ,`,
    });
    expect(resolved.cacheClusterNodes).toEqual([
      `redis://:${SECRET}@10.0.0.1:7000`,
      `redis://:${SECRET}@10.0.0.2:7001`,
    ]);
    expect(resolved.cacheUrl).toBeUndefined();
  });

  it('reads the sentinels, the master name and the passwords', () => {
    const resolved = fromEnv({
      ACCESS_TOKEN_CACHE_SENTINELS: 'sentinel-1.internal:26379, 10.0.0.2:26380,[::1]:26381',
      ACCESS_TOKEN_CACHE_SENTINEL_MASTER: 'mymaster',
      ACCESS_TOKEN_CACHE_PASSWORD: SECRET,
      ACCESS_TOKEN_CACHE_SENTINEL_PASSWORD: `${SECRET}-sentinel`,
    });
    expect(resolved.cacheSentinels).toEqual([
      { host: 'sentinel-1.internal', port: 26379 },
      { host: '10.0.0.2', port: 26380 },
      { host: '::1', port: 26381 },
    ]);
    expect(resolved).toMatchObject({
      cacheSentinelMaster: 'mymaster',
      cachePassword: SECRET,
      cacheSentinelPassword: `${SECRET}-sentinel`,
    });
  });

  it('takes the same settings in code, as arrays or comma-separated strings', () => {
    const cluster = validateAccessTokenOptions(
      inCode({ cacheClusterNodes: ['redis://127.0.0.1:7000', 'redis://127.0.0.1:7001'] }),
    );
    expect(cluster.cacheClusterNodes).toEqual(['redis://127.0.0.1:7000', 'redis://127.0.0.1:7001']);
    const sentinel = validateAccessTokenOptions(
      inCode({ cacheSentinels: '127.0.0.1:26379,127.0.0.1:26380', cacheSentinelMaster: 'mymaster' }),
    );
    expect(sentinel.cacheSentinels).toEqual([
      { host: '127.0.0.1', port: 26379 },
      { host: '127.0.0.1', port: 26380 },
    ]);
  });

  it.each([
    [
      {
        ACCESS_TOKEN_CACHE_URL: 'redis://127.0.0.1:6379',
        ACCESS_TOKEN_CACHE_CLUSTER_NODES: 'redis://127.0.0.1:7000',
      },
      'ACCESS_TOKEN_CACHE_URL and ACCESS_TOKEN_CACHE_CLUSTER_NODES are both set: set one of them',
    ],
    [
      {
        ACCESS_TOKEN_CACHE_CLUSTER_NODES: 'redis://127.0.0.1:7000',
        ACCESS_TOKEN_CACHE_SENTINELS: '127.0.0.1:26379',
        ACCESS_TOKEN_CACHE_SENTINEL_MASTER: 'mymaster',
      },
      'ACCESS_TOKEN_CACHE_CLUSTER_NODES and ACCESS_TOKEN_CACHE_SENTINELS are both set: set one of them',
    ],
    [
      {
        ACCESS_TOKEN_CACHE_URL: `redis://:${SECRET}@127.0.0.1:6379`,
        ACCESS_TOKEN_CACHE_CLUSTER_NODES: `redis://:${SECRET}@127.0.0.1:7000`,
        ACCESS_TOKEN_CACHE_SENTINELS: '127.0.0.1:26379',
        ACCESS_TOKEN_CACHE_SENTINEL_MASTER: 'mymaster',
      },
      'ACCESS_TOKEN_CACHE_URL, ACCESS_TOKEN_CACHE_CLUSTER_NODES and ACCESS_TOKEN_CACHE_SENTINELS are all set: set one of them',
    ],
  ])('refuses more than one Redis at start-up, naming the variables (%#)', (overrides, message) => {
    expect(envMessage(overrides)).toBe(message);
  });

  it('names the options when they came from code, a cache object included', () => {
    expect(
      messageOf(() =>
        validateAccessTokenOptions(
          inCode({ cacheClusterNodes: 'redis://127.0.0.1:7000', cache: {} as AccessTokenOptions['cache'] }),
        ),
      ),
    ).toBe('cacheClusterNodes and cache are both set: set one of them');
  });

  it.each([
    [
      { ACCESS_TOKEN_CACHE_SENTINELS: '127.0.0.1:26379' },
      'ACCESS_TOKEN_CACHE_SENTINEL_MASTER is missing (required with ACCESS_TOKEN_CACHE_SENTINELS)',
    ],
    [
      { ACCESS_TOKEN_CACHE_URL: 'redis://127.0.0.1:6379', ACCESS_TOKEN_CACHE_SENTINEL_MASTER: 'mymaster' },
      'ACCESS_TOKEN_CACHE_SENTINEL_MASTER is only used with ACCESS_TOKEN_CACHE_SENTINELS',
    ],
    [
      { ACCESS_TOKEN_CACHE_CLUSTER_NODES: 'redis://127.0.0.1:7000', ACCESS_TOKEN_CACHE_PASSWORD: SECRET },
      'ACCESS_TOKEN_CACHE_PASSWORD is only used with ACCESS_TOKEN_CACHE_SENTINELS (the URL forms carry their credentials in the URL)',
    ],
    [
      { ACCESS_TOKEN_CACHE_SENTINEL_PASSWORD: SECRET },
      'ACCESS_TOKEN_CACHE_SENTINEL_PASSWORD is only used with ACCESS_TOKEN_CACHE_SENTINELS',
    ],
  ])("keeps Sentinel's settings to Sentinel (%#)", (overrides, message) => {
    expect(envMessage(overrides)).toBe(message);
  });

  it.each([
    ['ACCESS_TOKEN_CACHE_CLUSTER_NODES', { ACCESS_TOKEN_CACHE_CLUSTER_NODES: 'redis://127.0.0.1:7000' }],
    [
      'ACCESS_TOKEN_CACHE_SENTINELS',
      { ACCESS_TOKEN_CACHE_SENTINELS: '127.0.0.1:26379', ACCESS_TOKEN_CACHE_SENTINEL_MASTER: 'mymaster' },
    ],
  ])('encrypts at rest with %s as with a single node', (_name, overrides) => {
    expect(envMessage({ ...overrides, ACCESS_TOKEN_CACHE_ENCRYPTION_KEY: undefined })).toBe(
      'ACCESS_TOKEN_CACHE_ENCRYPTION_KEY is missing: a shared token cache must be encrypted ' +
        '(or set ACCESS_TOKEN_CACHE_ALLOW_PLAINTEXT=true to store tokens in plaintext)',
    );
    const plaintext = fromEnv({
      ...overrides,
      ACCESS_TOKEN_CACHE_ENCRYPTION_KEY: undefined,
      ACCESS_TOKEN_CACHE_ALLOW_PLAINTEXT: 'true',
    });
    expect(plaintext.cacheEncryptionKeys).toEqual([]);
  });

  it.each([
    [`http://:${SECRET}@127.0.0.1:7000`, 'must list redis:// or rediss:// URLs'],
    [`redis://:${SECRET}@127.0.0.1:7000,${SECRET}`, 'must list redis:// or rediss:// URLs (entry 2 is not)'],
    [`redis://:${SECRET}@127.0.0.1:7000/2`, 'must not select a database: Redis Cluster has database 0 only'],
    [
      `redis://:${SECRET}@127.0.0.1:7000,rediss://:${SECRET}@127.0.0.1:7001`,
      'must give every node the same scheme (redis or rediss) and credentials',
    ],
    [
      `redis://:${SECRET}@127.0.0.1:7000,redis://:other@127.0.0.1:7001`,
      'must give every node the same scheme (redis or rediss) and credentials',
    ],
    [' , ', 'must list one or more redis:// or rediss:// URLs, comma-separated'],
  ])('refuses the cluster nodes %j without quoting them', (nodes, problem) => {
    expect(envMessage({ ACCESS_TOKEN_CACHE_CLUSTER_NODES: nodes })).toBe(
      `ACCESS_TOKEN_CACHE_CLUSTER_NODES ${problem}`,
    );
  });

  it.each([
    [SECRET, 'must list host:port pairs, ports 1-65535'],
    ['127.0.0.1:26379,127.0.0.1', 'must list host:port pairs, ports 1-65535 (entry 2 is not)'],
    ['127.0.0.1:0', 'must list host:port pairs, ports 1-65535'],
    ['127.0.0.1:65536', 'must list host:port pairs, ports 1-65535'],
    [`redis://127.0.0.1:26379`, 'must list host:port pairs, ports 1-65535'],
  ])('refuses the sentinels %j', (sentinels, problem) => {
    expect(
      envMessage({ ACCESS_TOKEN_CACHE_SENTINELS: sentinels, ACCESS_TOKEN_CACHE_SENTINEL_MASTER: 'mymaster' }),
    ).toBe(`ACCESS_TOKEN_CACHE_SENTINELS ${problem}`);
  });

  it('refuses an empty list given in code', () => {
    expect(messageOf(() => validateAccessTokenOptions(inCode({ cacheClusterNodes: [] })))).toBe(
      'cacheClusterNodes must list one or more redis:// or rediss:// URLs, comma-separated',
    );
    expect(
      messageOf(() => validateAccessTokenOptions(inCode({ cacheSentinels: [], cacheSentinelMaster: 'm' }))),
    ).toBe('cacheSentinels must list one or more host:port pairs, comma-separated');
  });

  it('refuses a master name with spaces, and empty passwords in code', () => {
    expect(
      envMessage({
        ACCESS_TOKEN_CACHE_SENTINELS: '127.0.0.1:26379',
        ACCESS_TOKEN_CACHE_SENTINEL_MASTER: 'my master',
      }),
    ).toMatch(/^ACCESS_TOKEN_CACHE_SENTINEL_MASTER must be the name the sentinels monitor/);
    expect(
      messageOf(() =>
        validateAccessTokenOptions(
          inCode({ cacheSentinels: '127.0.0.1:26379', cacheSentinelMaster: 'm', cachePassword: '' }),
        ),
      ),
    ).toBe('cachePassword must be a non-empty string');
  });
});
