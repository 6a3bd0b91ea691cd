// The clients under test. Each factory returns { call(), close() }: call() does one GET /orders and resolves once a
// 2xx answer's body is read, or rejects. Each runs in a fresh child process (see worker.mjs).
import { existsSync } from 'node:fs';
import { URLSearchParams, fileURLToPath } from 'node:url';

/** The library, compiled by run.mjs from libs/access-token-management/src (tsc keeps Nest's decorator metadata). */
export const LIB_URL = new URL('./dist/lib/index.js', import.meta.url);
/**
 * Its Nest-free entry (`nestjs-access-token-management/core`), what a service without Nest imports; a build from
 * before it (`--lib=<commit>`) has only the main entry.
 */
const CORE_URL = new URL('./dist/lib/core.js', import.meta.url);
export const coreUrl = () => (existsSync(fileURLToPath(CORE_URL)) ? CORE_URL : LIB_URL);
const core = () => import(coreUrl().href);
export const LIB_PATH = fileURLToPath(LIB_URL);

export const CLIENTS = {
  ours: {
    label: 'OURS',
    tokens: true,
    what: 'named HttpService from AccessTokenModule.forFeature (Nest context)',
  },
  oursaxios: {
    label: 'OURS (axios)',
    tokens: true,
    what: 'the same library without Nest (its `/core` entry): `attachAccessToken` on a plain axios instance',
  },
  oursfetch: {
    label: 'OURS (fetch)',
    tokens: true,
    what: 'the same library as a fetch (its `/core` entry): `createAuthorizedFetch` (compare with FETCH)',
  },
  limit: { label: 'LIMIT', tokens: false, what: 'axios with a fixed Authorization header' },
  fetch: { label: 'FETCH', tokens: false, what: 'plain fetch with a fixed Authorization header' },
  controla: {
    label: 'A/A: FETCH 1',
    tokens: false,
    what: 'FETCH again, in a process of its own: the first of the A/A control pair (hot path only)',
  },
  controlb: {
    label: 'A/A: FETCH 2',
    tokens: false,
    what: "FETCH once more, paired slice by slice with A/A: FETCH 1 as the library's clients are with their baselines: how far two identical clients differ in the same run",
  },
  nestlimit: {
    label: 'NEST-LIMIT',
    tokens: false,
    what: "@nestjs/axios HttpService from HttpModule.register with a fixed header, in a Nest application context as OURS's (ours minus the library: what a Nest app pays anyway)",
  },
  handrolled: {
    label: 'HAND-ROLLED',
    tokens: true,
    what: 'axios interceptor, cached token + margin, no single flight',
  },
  badgateway: { label: 'BADGATEWAY', tokens: true, what: '@badgateway/oauth2-client OAuth2Fetch' },
  openid: {
    label: 'OPENID-CLIENT',
    tokens: true,
    what: 'openid-client clientCredentialsGrant + the same naive cache, axios',
  },
};

/**
 * The library's env convention for the bench client `bench`; `cacheUrl` (or `cacheClusterNodes`) and
 * `cacheEncryptionKey` set ACCESS_TOKEN_CACHE_URL (or _CLUSTER_NODES) and ACCESS_TOKEN_CACHE_ENCRYPTION_KEY (a shared
 * store, when the build has one).
 */
export function oursEnv(config) {
  const { tokenEndpoint, clientId, secret, scope, apiBase, refreshBeforeExpirySeconds } = config;
  const env = {
    ACCESS_TOKEN_CLIENTS: 'bench',
    ACCESS_TOKEN_BENCH_TOKEN_ENDPOINT: tokenEndpoint,
    ACCESS_TOKEN_BENCH_CLIENT_ID: clientId,
    ACCESS_TOKEN_BENCH_CLIENT_SECRET: secret,
    ACCESS_TOKEN_BENCH_SCOPE: scope,
    ACCESS_TOKEN_BENCH_BASE_URL: apiBase,
  };
  if (refreshBeforeExpirySeconds !== undefined) {
    env.ACCESS_TOKEN_REFRESH_BEFORE_EXPIRY_SECONDS = String(refreshBeforeExpirySeconds);
  }
  if (config.cacheUrl !== undefined) env.ACCESS_TOKEN_CACHE_URL = config.cacheUrl;
  if (config.cacheClusterNodes !== undefined) env.ACCESS_TOKEN_CACHE_CLUSTER_NODES = config.cacheClusterNodes;
  if (config.cacheEncryptionKey !== undefined)
    env.ACCESS_TOKEN_CACHE_ENCRYPTION_KEY = config.cacheEncryptionKey;
  return env;
}

/**
 * Whether this build of the library takes a shared (Redis) store through ACCESS_TOKEN_CACHE_URL: the env loader
 * either accepts the variable or refuses it ("not supported by this version").
 */
export async function probeSharedStore(env) {
  const lib = await import(LIB_URL.href);
  try {
    lib.accessTokenOptionsFromEnv(env);
    // A build from before Redis Cluster support does not read ACCESS_TOKEN_CACHE_CLUSTER_NODES at all.
    const cluster = lib.accessTokenOptionsFromEnv({
      ...env,
      ACCESS_TOKEN_CACHE_URL: undefined,
      ACCESS_TOKEN_CACHE_CLUSTER_NODES: 'redis://127.0.0.1:7000',
    });
    return { sharedStore: true, clusterStore: cluster.cacheClusterNodes !== undefined };
  } catch (error) {
    return { sharedStore: false, reason: String(error?.message ?? error) };
  }
}

async function ours(config) {
  await import('reflect-metadata');
  const { Module } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  const { firstValueFrom } = await import('rxjs');
  const lib = await import(LIB_URL.href);
  const options = lib.accessTokenOptionsFromEnv(oursEnv(config));

  class BenchModule {}
  // Since the redesign the HttpService comes from forFeature; older builds (--lib=<commit>) made one per baseURL.
  const imports = lib.AccessTokenModule.forFeature
    ? [
        lib.AccessTokenModule.forRoot({ ...options, isGlobal: true }),
        lib.AccessTokenModule.forFeature(['bench']),
      ]
    : [lib.AccessTokenModule.forRoot(options)];
  Module({ imports })(BenchModule);
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: false });
  const http = app.get(lib.getHttpServiceToken('bench'));
  const manager = app.get(lib.AccessTokenManager);
  return {
    manager,
    http,
    async call() {
      await firstValueFrom(http.get('/orders'));
    },
    close: () => app.close(),
  };
}

async function oursAxios(config) {
  const { default: axios } = await import('axios');
  const lib = await core();
  const manager = new lib.AccessTokenManager(lib.accessTokenOptionsFromEnv(oursEnv(config)));
  const instance = axios.create({ baseURL: config.apiBase });
  lib.attachAccessToken(instance, manager, 'bench');
  return {
    manager,
    async call() {
      await instance.get('/orders');
    },
    // close() since the redesign; onModuleDestroy() in older builds (--lib=<commit>).
    close: async () => (manager.close ? manager.close() : manager.onModuleDestroy?.()),
  };
}

async function oursFetch(config) {
  const lib = await core();
  const manager = new lib.AccessTokenManager(lib.accessTokenOptionsFromEnv(oursEnv(config)));
  const authorizedFetch = lib.createAuthorizedFetch(manager, 'bench');
  const url = `${config.apiBase}/orders`;
  return {
    manager,
    async call() {
      const response = await authorizedFetch(url);
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`HTTP ${response.status}`);
      }
      await response.json();
    },
    close: () => manager.close(),
  };
}

async function limit({ apiBase, staticToken }) {
  const { default: axios } = await import('axios');
  const instance = axios.create({ baseURL: apiBase, headers: { Authorization: `Bearer ${staticToken}` } });
  return {
    async call() {
      await instance.get('/orders');
    },
    close: async () => undefined,
  };
}

async function nestLimit({ apiBase, staticToken }) {
  await import('reflect-metadata');
  const { Module } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  const { HttpModule, HttpService } = await import('@nestjs/axios');
  const { firstValueFrom } = await import('rxjs');
  // The same kind of process as OURS: a Nest application context whose HttpService a module registered.
  class BenchModule {}
  Module({
    imports: [HttpModule.register({ baseURL: apiBase, headers: { Authorization: `Bearer ${staticToken}` } })],
  })(BenchModule);
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: false });
  const http = app.get(HttpService);
  return {
    async call() {
      await firstValueFrom(http.get('/orders'));
    },
    close: () => app.close(),
  };
}

async function plainFetch({ apiBase, staticToken }) {
  const url = `${apiBase}/orders`;
  const headers = { Authorization: `Bearer ${staticToken}` };
  return {
    async call() {
      const response = await globalThis.fetch(url, { headers });
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`HTTP ${response.status}`);
      }
      await response.json();
    },
    close: async () => undefined,
  };
}

/**
 * The cache blog posts write: one variable, a margin before expiry, no single flight (every call that finds no fresh
 * token fetches one). The margin is the library's default rule (60 s, at most half the lifetime), so the comparison
 * is about the rest of what a library does, not about the margin.
 */
function naiveTokenCache(fetchToken) {
  let token;
  let renewAt = 0;
  return async () => {
    if (token !== undefined && Date.now() < renewAt) return token;
    const response = await fetchToken();
    const lifetimeMs = Number(response.expires_in ?? 300) * 1000;
    token = response.access_token;
    renewAt = Date.now() + lifetimeMs - Math.min(60_000, lifetimeMs / 2);
    return token;
  };
}

async function axiosWithNaiveCache(apiBase, fetchToken) {
  const { default: axios } = await import('axios');
  const getToken = naiveTokenCache(fetchToken);
  const instance = axios.create({ baseURL: apiBase });
  instance.interceptors.request.use(async (config) => {
    config.headers.Authorization = `Bearer ${await getToken()}`;
    return config;
  });
  return {
    async call() {
      await instance.get('/orders');
    },
    close: async () => undefined,
  };
}

async function handRolled({ apiBase, tokenEndpoint, clientId, secret, scope }) {
  const { default: axios } = await import('axios');
  return axiosWithNaiveCache(apiBase, async () => {
    const body = new URLSearchParams({ grant_type: 'client_credentials', scope });
    const { data } = await axios.post(tokenEndpoint, body, {
      auth: { username: clientId, password: secret },
    });
    return data;
  });
}

async function openid({ apiBase, tokenEndpoint, issuer, clientId, secret, scope }) {
  const oidc = await import('openid-client');
  const configuration = new oidc.Configuration({ issuer, token_endpoint: tokenEndpoint }, clientId, secret);
  oidc.allowInsecureRequests(configuration);
  return axiosWithNaiveCache(apiBase, () => oidc.clientCredentialsGrant(configuration, { scope }));
}

async function badgateway({ apiBase, tokenEndpoint, clientId, secret, scope }) {
  const { OAuth2Client, OAuth2Fetch } = await import('@badgateway/oauth2-client');
  const client = new OAuth2Client({
    server: new URL(tokenEndpoint).origin,
    tokenEndpoint,
    clientId,
    clientSecret: secret,
    authenticationMethod: 'client_secret_basic',
  });
  const wrapper = new OAuth2Fetch({
    client,
    getNewToken: () => client.clientCredentials({ scope: scope.split(' ') }),
  });
  const url = `${apiBase}/orders`;
  return {
    async call() {
      const response = await wrapper.fetch(url);
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`HTTP ${response.status}`);
      }
      await response.json();
    },
    close: async () => undefined,
  };
}

const FACTORIES = {
  ours,
  oursaxios: oursAxios,
  oursfetch: oursFetch,
  limit,
  nestlimit: nestLimit,
  fetch: plainFetch,
  controla: plainFetch,
  controlb: plainFetch,
  handrolled: handRolled,
  badgateway,
  openid,
};

export function createClient(kind, config) {
  const factory = FACTORIES[kind];
  if (!factory) throw new Error(`unknown client ${kind}`);
  return factory(config);
}

/** A short, secret-free description of a failed call. */
export function failureCode(error) {
  if (error?.code && /^ERR_/.test(error.code) && !error.response) return error.code;
  const status = error?.response?.status ?? /HTTP (\d+)/.exec(error?.message ?? '')?.[1];
  if (status) return `HTTP ${status}`;
  return String(error?.name ?? 'Error');
}
