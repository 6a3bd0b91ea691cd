import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { exportJWK, SignJWT } from 'jose';
import { AccessTokenManager } from 'nestjs-access-token-management';

import { MAX_TOKEN_LIFETIME_SECONDS } from '../../apps/orders-api/src/auth/access-token.verifier.js';
import { startOrdersApi, type RunningOrdersApi } from '../support/apps/start-orders-api.js';
import { startTokenServer, type RunningTokenServer } from '../support/apps/start-token-server.js';
import { sendJson, startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';

const AUDIENCE = 'http://localhost:3001';
const CLIENTS = [
  { clientId: 'orders-caller', clientSecret: 'caller-secret', scope: 'orders.read orders.write' },
  { clientId: 'reader', clientSecret: 'reader-secret', scope: 'orders.read' },
];

async function fetchToken(server: RunningTokenServer, clientId: string, scope: string): Promise<string> {
  const client = server.settings.clients.find((candidate) => candidate.clientId === clientId)!;
  const response = await fetch(server.tokenEndpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
  });
  if (response.status !== 200) throw new Error(`token request failed: ${response.status}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

function getOrders(api: RunningOrdersApi, token?: string, authorization = token && `Bearer ${token}`) {
  return fetch(`${api.url}/orders`, { headers: authorization ? { authorization } : {} });
}

function postOrder(api: RunningOrdersApi, token: string, body: unknown) {
  return fetch(`${api.url}/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('orders-api behind JWT access tokens', () => {
  let tokenServer: RunningTokenServer;
  let api: RunningOrdersApi;
  let readToken: string;
  let writeToken: string;

  beforeAll(async () => {
    tokenServer = await startTokenServer({ resource: AUDIENCE, clients: CLIENTS });
    api = await startOrdersApi({ issuer: tokenServer.url, audience: AUDIENCE });
    readToken = await fetchToken(tokenServer, 'reader', 'orders.read');
    writeToken = await fetchToken(tokenServer, 'orders-caller', 'orders.read orders.write');
  });

  afterAll(async () => {
    await api?.close();
    await tokenServer?.close();
  });

  beforeEach(() => {
    api.requests.length = 0;
  });

  it('lists the seeded orders to a token with orders.read', async () => {
    const response = await getOrders(api, readToken);

    expect(response.status).toBe(200);
    const orders = (await response.json()) as Array<Record<string, unknown>>;
    expect(orders.length).toBeGreaterThanOrEqual(2);
    expect(orders[0]).toEqual({
      id: '1',
      item: expect.any(String),
      quantity: expect.any(Number),
      createdAt: expect.any(String),
    });
    expect(api.requests).toEqual([{ method: 'GET', path: '/orders', authorization: `Bearer ${readToken}` }]);
  });

  it('creates an order with an orders.write token: 201 and the order with its id', async () => {
    const response = await postOrder(api, writeToken, { item: 'Milk frother', quantity: 1 });

    expect(response.status).toBe(201);
    const order = (await response.json()) as Record<string, unknown>;
    expect(order).toMatchObject({ item: 'Milk frother', quantity: 1, id: expect.any(String) });

    const list = (await (await getOrders(api, readToken)).json()) as Array<Record<string, unknown>>;
    expect(list).toContainEqual(order);
  });

  it.each([
    ['not an object', [1, 2]],
    ['no item', { quantity: 1 }],
    ['an empty item', { item: '  ', quantity: 1 }],
    ['a fractional quantity', { item: 'x', quantity: 1.5 }],
    ['a zero quantity', { item: 'x', quantity: 0 }],
    ['a quantity as text', { item: 'x', quantity: '2' }],
    ['an unknown property', { item: 'x', quantity: 1, price: 3 }],
  ])('answers 400 to a body with %s', async (_case, body) => {
    const response = await postOrder(api, writeToken, body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toEqual(expect.any(String));
  });

  it('answers 403 insufficient_scope to POST with a read-only token', async () => {
    const response = await postOrder(api, readToken, { item: 'Tamper', quantity: 1 });

    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer realm="orders-api", error="insufficient_scope", scope="orders.write"',
    );
    expect(await response.json()).toMatchObject({
      error: 'insufficient_scope',
      error_description: expect.any(String),
    });
  });

  it('answers 401 with a bare Bearer challenge when no token comes', async () => {
    const response = await getOrders(api);

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="orders-api"');
  });

  it('treats another authentication scheme like no token', async () => {
    const response = await getOrders(api, undefined, 'Basic b3JkZXJzOnNlY3JldA==');

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="orders-api"');
  });

  it('answers 400 invalid_request to a malformed Bearer credential', async () => {
    const response = await getOrders(api, undefined, 'Bearer a b');

    expect(response.status).toBe(400);
    expect(response.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="orders-api", error="invalid_request"/,
    );
  });

  it('answers 401 invalid_token to a garbage token, without echoing it', async () => {
    const response = await getOrders(api, 'garbage.token.value');

    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate')!;
    expect(challenge).toMatch(
      /^Bearer realm="orders-api", error="invalid_token", error_description="[^"]+"$/,
    );
    const body = await response.text();
    expect(JSON.parse(body)).toMatchObject({ error: 'invalid_token' });
    expect(body + challenge).not.toContain('garbage');
  });

  it('answers 401 invalid_token to a token of another token server (unknown issuer and key)', async () => {
    const otherServer = await startTokenServer({ resource: AUDIENCE, clients: CLIENTS });
    try {
      const foreignToken = await fetchToken(otherServer, 'reader', 'orders.read');
      const response = await getOrders(api, foreignToken);

      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    } finally {
      await otherServer.close();
    }
  });

  it('answers 401 invalid_token to a token for another audience', async () => {
    const otherApi = await startOrdersApi({ issuer: tokenServer.url, audience: 'http://inventory-api.test' });
    try {
      const response = await getOrders(otherApi, readToken);

      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(
        'Bearer realm="orders-api", error="invalid_token", error_description="the access token is not intended for this API"',
      );
    } finally {
      await otherApi.close();
    }
  });

  it('answers 401 invalid_token to an expired token', async () => {
    const shortLived = await startTokenServer({ resource: AUDIENCE, clients: CLIENTS, ttlSeconds: 1 });
    const shortApi = await startOrdersApi({ issuer: shortLived.url, audience: AUDIENCE });
    try {
      const token = await fetchToken(shortLived, 'reader', 'orders.read');
      expect((await getOrders(shortApi, token)).status).toBe(200);

      await new Promise((resolve) => setTimeout(resolve, 2100));
      const response = await getOrders(shortApi, token);

      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(
        /error="invalid_token", error_description="[^"]*expired/,
      );
    } finally {
      await shortApi.close();
      await shortLived.close();
    }
  });

  it('answers 503, not 401, while the signing keys cannot be fetched', async () => {
    const downServer = await startTokenServer({ resource: AUDIENCE, clients: CLIENTS });
    const token = await fetchToken(downServer, 'reader', 'orders.read');
    const orphanApi = await startOrdersApi({ issuer: downServer.url, audience: AUDIENCE });
    await downServer.close();
    try {
      const response = await getOrders(orphanApi, token);

      expect(response.status).toBe(503);
      expect(response.headers.get('www-authenticate')).toBeNull();
    } finally {
      await orphanApi.close();
    }
  });
});

/**
 * Tokens signed with the very key the API trusts, but with claims no honest token server issues: what a leaked or
 * misconfigured signer produces. The keys are published by a scripted JWKS endpoint, so the test chooses every claim.
 */
describe('orders-api refuses well-signed tokens with impossible times', () => {
  const ISSUER = 'https://login.example.test';
  const signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let jwks: ScriptedServer;
  let api: RunningOrdersApi;

  beforeAll(async () => {
    const publicJwk = { ...(await exportJWK(signingKey.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    jwks = await startScriptedServer(sendJson(200, { keys: [publicJwk] }));
    api = await startOrdersApi({ issuer: ISSUER, audience: AUDIENCE, jwksUri: `${jwks.url}/jwks` });
  });

  afterAll(async () => {
    await api?.close();
    await jwks?.close();
  });

  /** An RFC 9068 token for the orders-api issued at `iat` (seconds from now) and living `lifetime` seconds. */
  function token(iat: number, lifetime: number): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ client_id: 'orders-caller', scope: 'orders.read' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('orders-caller')
      .setJti(randomUUID())
      .setIssuedAt(now + iat)
      .setExpirationTime(now + iat + lifetime)
      .sign(signingKey.privateKey);
  }

  it('accepts an ordinary token, one issued a few seconds ahead of its clock (skew), one living a day', async () => {
    expect((await getOrders(api, await token(0, 300))).status).toBe(200);
    expect((await getOrders(api, await token(3, 300))).status).toBe(200);
    expect((await getOrders(api, await token(0, MAX_TOKEN_LIFETIME_SECONDS))).status).toBe(200);
  });

  it('answers 401 invalid_token to a token issued a year in the future', async () => {
    const response = await getOrders(api, await token(365 * 86_400, 300));

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(
      /error="invalid_token", error_description="the access token was issued in the future \(iat\)"/,
    );
  });

  it('answers 401 invalid_token to a token that lives a year', async () => {
    const response = await getOrders(api, await token(0, 365 * 86_400));

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(
      /error="invalid_token", error_description="the access token lives longer than this API accepts/,
    );
  });
});

/**
 * DPoP proofs (RFC 9449) made by hand with the key a real DPoP-bound token is bound to, to play the attacker: a proof
 * for another host name, replays, a flood of proofs.
 */
describe('orders-api checks DPoP proofs against its own URL and never forgets a proof too early', () => {
  const DPOP_CLIENT = {
    clientId: 'orders-caller-dpop',
    clientSecret: 'orders-caller-dpop-secret',
    scope: 'orders.read orders.write',
    dpopBoundAccessTokens: true,
  };
  const proofKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let tokenServer: RunningTokenServer;
  let manager: AccessTokenManager;
  let boundToken: string;
  const apis: RunningOrdersApi[] = [];

  beforeAll(async () => {
    tokenServer = await startTokenServer({ resource: AUDIENCE, clients: [DPOP_CLIENT] });
    manager = new AccessTokenManager({
      clients: {
        orders: {
          tokenEndpoint: tokenServer.tokenEndpoint,
          clientId: DPOP_CLIENT.clientId,
          clientSecret: DPOP_CLIENT.clientSecret,
          dpop: true,
          dpopPrivateKey: await exportJWK(proofKey.privateKey),
        },
      },
    });
    boundToken = (await manager.getAccessToken('orders')).value;
  });

  afterAll(async () => {
    await manager?.close();
    await Promise.all(apis.map((api) => api.close()));
    await tokenServer?.close();
  });

  async function dpopApi(overrides: Parameters<typeof startOrdersApi>[0] = {}): Promise<RunningOrdersApi> {
    const api = await startOrdersApi({ issuer: tokenServer.url, audience: AUDIENCE, ...overrides });
    apis.push(api);
    return api;
  }

  async function proof(htu: string, htm = 'GET'): Promise<string> {
    return new SignJWT({
      htm,
      htu,
      ath: createHash('sha256').update(boundToken).digest('base64url'),
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(proofKey.publicKey) })
      .setJti(randomUUID())
      .setIssuedAt()
      .sign(proofKey.privateKey);
  }

  /** GET /orders with a DPoP proof, and the Host header of the caller's choice (fetch cannot set it). */
  function getWithProof(
    api: RunningOrdersApi,
    dpop: string,
    host = new URL(api.url).host,
  ): Promise<{ status: number; challenge?: string; retryAfter?: string }> {
    return new Promise((resolve, reject) => {
      const call = httpRequest(
        `${api.url}/orders`,
        { headers: { host, authorization: `DPoP ${boundToken}`, dpop } },
        (response) => {
          response.resume();
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              ...(response.headers['www-authenticate'] !== undefined
                ? { challenge: response.headers['www-authenticate'] }
                : {}),
              ...(response.headers['retry-after'] !== undefined
                ? { retryAfter: response.headers['retry-after'] }
                : {}),
            }),
          );
        },
      );
      call.on('error', reject);
      call.end();
    });
  }

  it('accepts a proof for its own URL, whatever Host header the request carries', async () => {
    const api = await dpopApi();
    expect((await getWithProof(api, await proof(`${api.url}/orders`))).status).toBe(200);
    expect((await getWithProof(api, await proof(`${api.url}/orders`), 'evil.example')).status).toBe(200);
  });

  it('answers 401 invalid_dpop_proof to a proof made for another host name, sent with that Host header', async () => {
    const api = await dpopApi();
    const response = await getWithProof(api, await proof('http://evil.example/orders'), 'evil.example');

    expect(response.status).toBe(401);
    expect(response.challenge).toMatch(/^DPoP .*error="invalid_dpop_proof".*another URL \(htu\)/);
  });

  it('with its replay cache full, refuses new proofs (503 + Retry-After) instead of forgetting valid ones', async () => {
    const api = await dpopApi({ dpopReplayCacheSize: 2 });
    const [first, second, third] = await Promise.all([1, 2, 3].map(() => proof(`${api.url}/orders`)));
    expect((await getWithProof(api, first!)).status).toBe(200);
    expect((await getWithProof(api, second!)).status).toBe(200);

    const overflow = await getWithProof(api, third!);
    expect(overflow.status).toBe(503);
    expect(Number(overflow.retryAfter)).toBeGreaterThan(0);

    // Both remembered proofs are still within their 60 s: replaying either is refused.
    for (const replayed of [first!, second!]) {
      const response = await getWithProof(api, replayed);
      expect(response.status).toBe(401);
      expect(response.challenge).toMatch(/error="invalid_dpop_proof".*already used/);
    }
  });
});
