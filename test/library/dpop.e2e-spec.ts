import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import axios from 'axios';
import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, exportJWK, type JWK } from 'jose';
import { Keyv } from 'keyv';
import {
  AccessTokenManager,
  attachAccessToken,
  type AccessTokenOptions,
  type ClientCredentialsClientOptions,
} from 'nestjs-access-token-management';

import { startOrdersApi, type RunningOrdersApi } from '../support/apps/start-orders-api.js';
import {
  startTokenServer,
  TEST_CLIENT,
  type RunningTokenServer,
} from '../support/apps/start-token-server.js';
import { sendJson, startScriptedServer } from '../support/scripted-server.js';
import { ordersCallerEnv, startOrdersCaller } from '../support/apps/start-orders-caller.js';

const DPOP_CLIENT = {
  clientId: 'orders-caller-dpop',
  clientSecret: 'orders-caller-dpop-secret',
  scope: 'orders.read orders.write',
  dpopBoundAccessTokens: true,
};

/**
 * DPoP (RFC 9449) against the real oidc-provider (with and without nonces) and the real orders-api (with and without
 * nonces): DPoP-bound tokens, proofs on the token request and on every API call, one retry per `use_dpop_nonce`,
 * replay and misuse refused by the API, and the DPoP key in the cache key.
 */
describe('DPoP sender-constrained tokens', () => {
  const assertionKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let tokenServer: RunningTokenServer;
  let nonceTokenServer: RunningTokenServer;
  let api: RunningOrdersApi;
  let nonceApi: RunningOrdersApi;
  const managers: AccessTokenManager[] = [];

  beforeAll(async () => {
    [tokenServer, nonceTokenServer] = await Promise.all([
      startTokenServer({ clients: [{ ...TEST_CLIENT }, DPOP_CLIENT] }),
      startTokenServer({
        clients: [
          DPOP_CLIENT,
          {
            clientId: 'orders-caller-dpop-jwt',
            scope: DPOP_CLIENT.scope,
            authMethod: 'private_key_jwt',
            jwks: { keys: [assertionKey.publicKey.export({ format: 'jwk' })] },
            dpopBoundAccessTokens: true,
          },
        ],
        dpopRequireNonce: true,
      }),
    ]);
    [api, nonceApi] = await Promise.all([
      startOrdersApi({ issuer: tokenServer.url }),
      startOrdersApi({ issuer: tokenServer.url, dpopNonce: true }),
    ]);
  });

  afterAll(async () => {
    await Promise.all(managers.map((manager) => manager.close()));
    await Promise.all([api?.close(), nonceApi?.close()]);
    await Promise.all([tokenServer?.close(), nonceTokenServer?.close()]);
  });

  function manager(
    client: Partial<ClientCredentialsClientOptions> = {},
    options: Partial<AccessTokenOptions> = {},
  ): AccessTokenManager {
    const created = new AccessTokenManager({
      clients: {
        orders: {
          tokenEndpoint: tokenServer.tokenEndpoint,
          clientId: DPOP_CLIENT.clientId,
          clientSecret: DPOP_CLIENT.clientSecret,
          scope: DPOP_CLIENT.scope,
          dpop: true,
          baseURL: api.url,
          ...client,
        },
      },
      ...options,
    });
    managers.push(created);
    return created;
  }

  function ordersClient(tokens: AccessTokenManager, baseURL = api.url) {
    const http = axios.create({ baseURL });
    attachAccessToken(http, tokens, 'orders', { origin: baseURL });
    return http;
  }

  it('gets a DPoP-bound token and calls the API with a fresh proof each time; cached; renewed', async () => {
    const tokens = manager();
    const before = tokenServer.tokenRequests();
    const proofsBefore = tokenServer.dpopProofs.length;
    api.requests.length = 0;

    const token = await tokens.getAccessToken('orders');
    expect(token.type).toBe('DPoP');
    const tokenProof = tokenServer.dpopProofs[proofsBefore]!;
    const proofKey = decodeProtectedHeader(tokenProof).jwk as JWK;
    expect(decodeProtectedHeader(tokenProof)).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256' });
    expect(decodeJwt(tokenProof)).toMatchObject({ htm: 'POST', htu: tokenServer.tokenEndpoint });
    expect(decodeJwt(token.value).cnf).toEqual({ jkt: await calculateJwkThumbprint(proofKey) });

    const http = ordersClient(tokens);
    expect((await http.get('/orders?page=1')).status).toBe(200);
    expect((await http.post('/orders', { item: 'Kettle', quantity: 1 })).status).toBe(201);
    expect(tokenServer.tokenRequests()).toBe(before + 1);
    const [get, post] = api.requests;
    expect(get?.authorization).toBe(`DPoP ${token.value}`);
    const getProof = decodeJwt(get!.dpop!);
    expect(getProof).toMatchObject({ htm: 'GET', htu: `${api.url}/orders`, ath: expect.any(String) });
    expect(decodeProtectedHeader(get!.dpop!).jwk).toEqual(proofKey);
    expect(decodeJwt(post!.dpop!)).toMatchObject({ htm: 'POST', htu: `${api.url}/orders` });
    expect(decodeJwt(post!.dpop!).jti).not.toBe(getProof.jti);

    const renewed = await tokens.getAccessToken('orders', { forceRenewal: true });
    expect(renewed.value).not.toBe(token.value);
    expect(tokenServer.tokenRequests()).toBe(before + 2);
    expect((await http.get('/orders')).status).toBe(200);
    expect(api.requests.at(-1)?.authorization).toBe(`DPoP ${renewed.value}`);
  });

  it('token endpoint demands a nonce: exactly one retry, with the nonce and a fresh jti', async () => {
    const tokens = manager({ tokenEndpoint: nonceTokenServer.tokenEndpoint });
    const before = nonceTokenServer.dpopProofs.length;

    const token = await tokens.getAccessToken('orders');
    expect(token.type).toBe('DPoP');
    const proofs = nonceTokenServer.dpopProofs.slice(before).map((proof) => decodeJwt(proof!));
    expect(proofs).toHaveLength(2);
    expect(proofs[0]?.nonce).toBeUndefined();
    expect(proofs[1]?.nonce).toEqual(expect.any(String));
    expect(proofs[1]?.jti).not.toBe(proofs[0]?.jti);

    // The nonce is kept: the next token request needs no retry.
    await tokens.getAccessToken('orders', { forceRenewal: true });
    expect(nonceTokenServer.dpopProofs.length - before).toBe(3);
  });

  it('token endpoint nonce with private_key_jwt: the retry carries a fresh client assertion too', async () => {
    const tokens = manager({
      tokenEndpoint: nonceTokenServer.tokenEndpoint,
      clientId: 'orders-caller-dpop-jwt',
      clientSecret: undefined,
      authMethod: 'private_key_jwt',
      privateKey: assertionKey.privateKey.export({ format: 'jwk' }),
    });
    const before = nonceTokenServer.clientAssertions.length;
    expect((await tokens.getAccessToken('orders')).type).toBe('DPoP');
    const assertions = nonceTokenServer.clientAssertions
      .slice(before)
      .map((assertion) => decodeJwt(assertion));
    expect(assertions).toHaveLength(2);
    expect(assertions[0]?.jti).not.toBe(assertions[1]?.jti);
  });

  it('API demands a nonce: exactly one retry with the nonce and a fresh jti; later calls carry it', async () => {
    const tokens = manager({ baseURL: nonceApi.url });
    const http = ordersClient(tokens, nonceApi.url);
    nonceApi.requests.length = 0;

    expect((await http.get('/orders')).status).toBe(200);
    expect(nonceApi.requests).toHaveLength(2);
    const [first, retry] = nonceApi.requests.map((request) => decodeJwt(request.dpop!));
    expect(first?.nonce).toBeUndefined();
    expect(retry?.nonce).toEqual(expect.any(String));
    expect(retry?.jti).not.toBe(first?.jti);

    expect((await http.post('/orders', { item: 'Scale', quantity: 1 })).status).toBe(201);
    expect(nonceApi.requests).toHaveLength(3);
    expect(decodeJwt(nonceApi.requests[2]!.dpop!).nonce).toBe(retry?.nonce);
  });

  it('orders-api refuses a replayed proof, a DPoP-bound token sent as Bearer, and a proof of another key', async () => {
    const tokens = manager();
    api.requests.length = 0;
    expect((await ordersClient(tokens).get('/orders')).status).toBe(200);
    const { authorization, dpop } = api.requests[0]!;
    const call = (headers: Record<string, string>) =>
      axios.get(`${api.url}/orders`, { headers, validateStatus: () => true });

    const replayed = await call({ authorization: authorization!, dpop: dpop! });
    expect(replayed.status).toBe(401);
    expect(replayed.headers['www-authenticate']).toMatch(/^DPoP .*error="invalid_dpop_proof"/);

    const asBearer = await call({ authorization: authorization!.replace(/^DPoP/, 'Bearer') });
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers['www-authenticate']).toMatch(/^Bearer .*error="invalid_token"/);

    const stranger = manager();
    await stranger.getAccessToken('orders');
    api.requests.length = 0;
    await ordersClient(stranger).get('/orders');
    const foreignProof = api.requests[0]!.dpop!;
    const otherKey = await call({ authorization: authorization!, dpop: foreignProof });
    expect(otherKey.status).toBe(401);
    expect(otherKey.headers['www-authenticate']).toMatch(/error="invalid_dpop_proof"/);
  });

  it('refuses a Bearer token when DPoP was asked for: ERR_TOKEN_RESPONSE_INVALID', async () => {
    const endpoint = await startScriptedServer(
      sendJson(200, { access_token: 'plain', token_type: 'Bearer', expires_in: 300 }),
    );
    try {
      const tokens = manager({ tokenEndpoint: `${endpoint.url}/token` });
      await expect(tokens.getAccessToken('orders')).rejects.toMatchObject({
        code: 'ERR_TOKEN_RESPONSE_INVALID',
        message: expect.stringContaining('Bearer token though DPoP was requested'),
      });
      expect(endpoint.requests[0]?.headers.dpop).toEqual(expect.any(String));
    } finally {
      await endpoint.close();
    }
  });

  it('never serves a token bound to one DPoP key to a manager with another key, even in a shared cache', async () => {
    const store = new Keyv();
    const given = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const jwk = await exportJWK(given);
    const shared = { cache: store, allowPlaintextCache: true };
    const first = manager({ dpopPrivateKey: jwk }, shared);
    const sameKey = manager({ dpopPrivateKey: jwk }, shared);
    const generatedKey = manager({}, shared);

    const token = await first.getAccessToken('orders');
    expect(decodeJwt(token.value).cnf).toEqual({ jkt: await calculateJwkThumbprint(jwk) });
    expect((await sameKey.getAccessToken('orders')).value).toBe(token.value);
    expect((await generatedKey.getAccessToken('orders')).value).not.toBe(token.value);
  });

  it('the sample orders-caller does it from .env settings (ACCESS_TOKEN_ORDERS_DPOP=true)', async () => {
    const caller = await startOrdersCaller(
      ordersCallerEnv(tokenServer.tokenEndpoint, api.url, {
        ACCESS_TOKEN_ORDERS_CLIENT_ID: DPOP_CLIENT.clientId,
        ACCESS_TOKEN_ORDERS_CLIENT_SECRET: DPOP_CLIENT.clientSecret,
        ACCESS_TOKEN_ORDERS_DPOP: 'true',
      }),
    );
    try {
      api.requests.length = 0;
      expect((await fetch(`${caller.url}/orders`)).status).toBe(200);
      expect(api.requests[0]?.authorization).toMatch(/^DPoP /);
      expect(api.requests[0]?.dpop).toEqual(expect.any(String));
    } finally {
      await caller.close();
    }
  });
});
