import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import axios from 'axios';
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, exportJWK, SignJWT } from 'jose';
import {
  AccessTokenManager,
  attachAccessToken,
  TokenEndpointError,
  type ClientCredentialsClientOptions,
} from 'nestjs-access-token-management';

import type { RunningOrdersApi } from '../support/apps/start-orders-api.js';
import { startGlewlwyd, type RunningGlewlwyd } from '../support/glewlwyd-server.js';
import { startOrdersSystem, type OrdersSystem } from '../support/apps/start-orders-system.js';

const SCOPES = ['orders.read', 'orders.write'];
const SCOPE = SCOPES.join(' ');
/** startOrdersApi's audience: the resource the tokens are asked for. */
const RESOURCE = 'http://localhost:3001';
const SECRET = 'orders-caller-glewlwyd-secret';
const JWT_SECRET = 'a-shared-secret-of-at-least-32-characters!';
const CONCURRENT_CALLS = 50;

function publicJwk(key: KeyObject, kid: string) {
  return { ...(key.export({ format: 'jwk' }) as Record<string, unknown>), kid, use: 'sig' };
}

/**
 * glewlwyd 2.7.5 (Debian's package, a C OAuth 2.0 / OIDC server written independently of oidc-provider) as the
 * authorization server, and the real orders-api verifying its tokens. Each client authentication method is walked with
 * 50 concurrent calls, counted at the server: glewlwyd logs every token it issues and every client it refuses.
 */
describe('glewlwyd as the authorization server', () => {
  const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rsaKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let glewlwyd: RunningGlewlwyd;
  /** One orders system (orders-api, orders-callers on demand) per glewlwyd plugin, trusting that plugin's issuer. */
  const systems: Record<string, OrdersSystem<undefined>> = {};
  const apis: Record<string, RunningOrdersApi> = {};
  let dir: string;
  const managers: AccessTokenManager[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atm-interop-'));
    glewlwyd = await startGlewlwyd();
    for (const plugin of [
      { name: 'oidc' },
      { name: 'short', accessTokenSeconds: 6 },
      { name: 'dpop-nonce', dpopNonce: true },
    ]) {
      await glewlwyd.addPlugin({ ...plugin, scopes: SCOPES, resources: [RESOURCE] });
    }
    await glewlwyd.addClient({
      clientId: 'orders-caller',
      clientSecret: SECRET,
      authMethods: ['client_secret_basic', 'client_secret_post'],
      scopes: SCOPES,
    });
    await glewlwyd.addClient({
      clientId: 'orders-caller-hs',
      clientSecret: JWT_SECRET,
      authMethods: ['client_secret_jwt'],
      scopes: SCOPES,
    });
    await glewlwyd.addClient({
      clientId: 'orders-caller-jwt',
      authMethods: ['private_key_jwt'],
      scopes: SCOPES,
      jwks: { keys: [publicJwk(ecKey.publicKey, 'ec-1'), publicJwk(rsaKey.publicKey, 'rsa-1')] },
    });
    for (const plugin of ['oidc', 'short', 'dpop-nonce']) {
      systems[plugin] = await startOrdersSystem({ issuer: glewlwyd.issuer(plugin) });
      apis[plugin] = systems[plugin].ordersApi;
    }
  });

  afterEach(async () => {
    await Promise.all(managers.splice(0).map((manager) => manager.close()));
  });

  afterAll(async () => {
    await Promise.all(Object.values(systems).map((system) => system.close()));
    await glewlwyd?.close();
    await rm(dir, { recursive: true, force: true });
  });

  function manager(client: Partial<ClientCredentialsClientOptions>, plugin = 'oidc'): AccessTokenManager {
    const created = new AccessTokenManager({
      clients: {
        orders: {
          issuer: glewlwyd.issuer(plugin),
          clientId: 'orders-caller',
          scope: SCOPE,
          resource: RESOURCE,
          baseURL: apis[plugin]!.url,
          ...client,
        },
      },
    });
    managers.push(created);
    return created;
  }

  /** 50 concurrent API calls through the interceptors: all accepted by orders-api, one token issued by glewlwyd. */
  async function concurrentCalls(tokens: AccessTokenManager, clientId: string, plugin = 'oidc') {
    const api = apis[plugin]!;
    const [issuedBefore, refusedBefore] = [glewlwyd.tokensIssued(clientId), glewlwyd.refusals(clientId)];
    const http = axios.create({ baseURL: api.url });
    attachAccessToken(http, tokens, 'orders');
    const responses = await Promise.all(
      Array.from({ length: CONCURRENT_CALLS }, () => http.get('/orders', { validateStatus: () => true })),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(CONCURRENT_CALLS).fill(200));
    expect(glewlwyd.tokensIssued(clientId) - issuedBefore).toBe(1);
    expect(glewlwyd.refusals(clientId) - refusedBefore).toBe(0);
    return api.requests.slice(-CONCURRENT_CALLS);
  }

  it.each([
    ['client_secret_basic (an id with "-", discovery)', 'client_secret_basic', 'issuer'],
    ['client_secret_basic (token endpoint configured)', 'client_secret_basic', 'token_endpoint'],
    ['client_secret_post (discovery)', 'client_secret_post', 'issuer'],
  ] as const)('%s: one token request for 50 concurrent calls', async (_name, authMethod, configuredBy) => {
    const tokens = manager({
      authMethod,
      clientSecret: SECRET,
      ...(configuredBy === 'token_endpoint'
        ? { issuer: undefined, tokenEndpoint: glewlwyd.tokenEndpoint('oidc') }
        : {}),
    });
    const requests = await concurrentCalls(tokens, 'orders-caller');
    expect(new Set(requests.map((request) => request.authorization)).size).toBe(1);
  });

  it('client_secret_jwt (discovery, default audience = the token endpoint): one token request for 50 concurrent calls', async () => {
    const tokens = manager({
      clientId: 'orders-caller-hs',
      authMethod: 'client_secret_jwt',
      clientSecret: JWT_SECRET,
    });
    await concurrentCalls(tokens, 'orders-caller-hs');
  });

  it('private_key_jwt (EC JWK with its kid, discovery): one token request for 50 concurrent calls', async () => {
    const tokens = manager({
      clientId: 'orders-caller-jwt',
      authMethod: 'private_key_jwt',
      privateKey: { ...(await exportJWK(ecKey.privateKey)), kid: 'ec-1' },
    });
    await concurrentCalls(tokens, 'orders-caller-jwt');
  });

  it('private_key_jwt (RSA PEM with PRIVATE_KEY_KID, through the orders-caller): one token request for 50 concurrent calls', async () => {
    const keyFile = join(dir, 'rsa.pem');
    await writeFile(keyFile, rsaKey.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    // The system's env names glewlwyd's issuer, the orders-api as resource and base URL; the client is this test's.
    const caller = await systems.oidc!.startCaller({
      ACCESS_TOKEN_ORDERS_CLIENT_ID: 'orders-caller-jwt',
      ACCESS_TOKEN_ORDERS_AUTH_METHOD: 'private_key_jwt',
      ACCESS_TOKEN_ORDERS_PRIVATE_KEY_FILE: keyFile,
      ACCESS_TOKEN_ORDERS_PRIVATE_KEY_KID: 'rsa-1',
      ACCESS_TOKEN_ORDERS_CLIENT_ASSERTION_ALG: 'PS256',
      ACCESS_TOKEN_ORDERS_SCOPE: SCOPE,
    });
    try {
      const before = glewlwyd.tokensIssued('orders-caller-jwt');
      const responses = await Promise.all(
        Array.from({ length: CONCURRENT_CALLS }, () => fetch(`${caller.url}/orders`)),
      );
      expect(responses.map((response) => response.status)).toEqual(Array(CONCURRENT_CALLS).fill(200));
      expect(glewlwyd.tokensIssued('orders-caller-jwt') - before).toBe(1);
    } finally {
      await caller.close();
    }
  });

  it("the orders-caller's named HttpService through the whole chain: GET and POST with glewlwyd's tokens", async () => {
    const api = apis.oidc!;
    const caller = await systems.oidc!.startCaller({
      ACCESS_TOKEN_ORDERS_CLIENT_ID: 'orders-caller',
      ACCESS_TOKEN_ORDERS_CLIENT_SECRET: SECRET,
      ACCESS_TOKEN_ORDERS_SCOPE: SCOPE,
    });
    try {
      const before = glewlwyd.tokensIssued('orders-caller');
      const listed = await Promise.all(
        Array.from({ length: CONCURRENT_CALLS }, () => fetch(`${caller.url}/orders`)),
      );
      expect(listed.map((response) => response.status)).toEqual(Array(CONCURRENT_CALLS).fill(200));
      const created = await fetch(`${caller.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ item: 'Filter', quantity: 2 }),
      });
      expect(created.status).toBe(201);
      expect(glewlwyd.tokensIssued('orders-caller') - before).toBe(1);
      const token = api.requests.at(-1)?.authorization?.replace(/^Bearer /, '') ?? '';
      expect(decodeJwt(token)).toMatchObject({
        iss: glewlwyd.issuer('oidc'),
        aud: RESOURCE,
        client_id: 'orders-caller',
        scope: SCOPE,
      });
    } finally {
      await caller.close();
    }
  });

  it('DPoP with mandatory nonces: the nonce round trip, then one DPoP-bound token for 50 concurrent calls', async () => {
    // The plugin does demand nonces: a proof without one is answered with use_dpop_nonce.
    const proofKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const proof = await new SignJWT({ htm: 'POST', htu: glewlwyd.tokenEndpoint('dpop-nonce') })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(proofKey.publicKey) })
      .setIssuedAt()
      .setJti(randomUUID())
      .sign(proofKey.privateKey);
    const refused = await fetch(glewlwyd.tokenEndpoint('dpop-nonce'), {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`orders-caller:${SECRET}`).toString('base64')}`,
        dpop: proof,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: SCOPE }),
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'use_dpop_nonce' });
    expect(refused.headers.get('dpop-nonce')).toEqual(expect.any(String));

    const tokens = manager({ clientSecret: SECRET, dpop: true }, 'dpop-nonce');
    const requests = await concurrentCalls(tokens, 'orders-caller', 'dpop-nonce');
    const token = (await tokens.getAccessToken('orders')).value;
    expect(requests.every((request) => request.authorization === `DPoP ${token}`)).toBe(true);
    expect(requests.every((request) => typeof request.dpop === 'string')).toBe(true);
    expect(decodeJwt(token).cnf).toMatchObject({ jkt: expect.any(String) });
  });

  it('short-lived tokens (6 s) are renewed ahead of expiry while calls keep succeeding', async () => {
    const tokens = manager({ clientSecret: SECRET }, 'short');
    const api = apis.short!;
    const http = axios.create({ baseURL: api.url });
    attachAccessToken(http, tokens, 'orders');
    const before = glewlwyd.tokensIssued('orders-caller', 'short');
    const seen = new Set<string>();
    const statuses: number[] = [];
    // Each token lives 6 s and is renewed 3 s before it expires: three tokens within ~10 s of calls.
    for (let i = 0; i < 100 && seen.size < 3; i++) {
      const response = await http.get('/orders', { validateStatus: () => true });
      statuses.push(response.status);
      seen.add(api.requests.at(-1)?.authorization ?? '');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(seen.size).toBe(3);
    expect(statuses.every((status) => status === 200)).toBe(true);
    // One token request per token used (a background renewal may be in flight as the loop ends).
    const issued = glewlwyd.tokensIssued('orders-caller', 'short') - before;
    expect(issued).toBeGreaterThanOrEqual(3);
    expect(issued).toBeLessThanOrEqual(4);
  }, 60_000);

  it('without the glewlwyd binary, the suite stops with the command that installs it (never a skip)', async () => {
    const configured = process.env.GLEWLWYD_BIN;
    process.env.GLEWLWYD_BIN = join(dir, 'no-such-glewlwyd');
    try {
      await expect(startGlewlwyd()).rejects.toThrow('apt-get install -y glewlwyd sqlite3');
    } finally {
      if (configured === undefined) delete process.env.GLEWLWYD_BIN;
      else process.env.GLEWLWYD_BIN = configured;
    }
  });

  describe('errors', () => {
    it('a wrong secret: ERR_TOKEN_ENDPOINT_ERROR with status 403 and a hint at the credentials, not a content-type', async () => {
      const tokens = manager({ clientSecret: 'not-the-secret' });
      const refusedBefore = glewlwyd.refusals('orders-caller');
      const error = await tokens.getAccessToken('orders').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TokenEndpointError);
      expect(error).toMatchObject({ code: 'ERR_TOKEN_ENDPOINT_ERROR', status: 403, error: undefined });
      expect((error as Error).message).toMatch(/check the client id, its secret, key or certificate/);
      expect((error as Error).message).not.toMatch(/content-type/i);
      expect((error as Error).message).not.toContain('not-the-secret');
      expect(glewlwyd.refusals('orders-caller') - refusedBefore).toBe(1);
    });

    it('an assertion addressed to the issuer, which glewlwyd refuses: the audience setting is the fix', async () => {
      const tokens = manager({
        clientId: 'orders-caller-hs',
        authMethod: 'client_secret_jwt',
        clientSecret: JWT_SECRET,
        clientAssertionAudience: 'issuer',
      });
      await expect(tokens.getAccessToken('orders')).rejects.toMatchObject({
        code: 'ERR_TOKEN_ENDPOINT_ERROR',
        status: 403,
      });
    });

    it('a non-standard error code (scope_invalid) is kept as given', async () => {
      const tokens = manager({ clientSecret: SECRET, scope: 'orders.delete' });
      await expect(tokens.getAccessToken('orders')).rejects.toMatchObject({
        code: 'ERR_TOKEN_ENDPOINT_ERROR',
        error: 'scope_invalid',
        status: 400,
      });
    });
  });
});
