import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import axios from 'axios';
import { generateKeyPairSync } from 'node:crypto';
import { exportJWK } from 'jose';
import {
  AccessTokenManager,
  attachAccessToken,
  type ClientCredentialsClientOptions,
} from 'nestjs-access-token-management';

import { startOrdersApi, type RunningOrdersApi } from '../support/apps/start-orders-api.js';
import {
  startTokenServer,
  TEST_CLIENT,
  type RunningTokenServer,
} from '../support/apps/start-token-server.js';

const SCOPE = TEST_CLIENT.scope;
const JWT_SECRET = 'a-shared-secret-of-at-least-32-characters!';
const CONCURRENT_CALLS = 50;

/**
 * The same walk as against glewlwyd, against the other server, oidc-provider (the token-server app): per client
 * authentication method, 50 concurrent API calls, the token requests counted at the server.
 */
describe('oidc-provider as the authorization server: 50 concurrent calls per method', () => {
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let tokenServer: RunningTokenServer;
  let nonceServer: RunningTokenServer;
  let api: RunningOrdersApi;
  let nonceApi: RunningOrdersApi;
  const managers: AccessTokenManager[] = [];

  beforeAll(async () => {
    const jwks = { keys: [{ ...(key.publicKey.export({ format: 'jwk' }) as object), kid: 'ec-1' }] };
    const dpopClient = { ...TEST_CLIENT, clientId: 'orders-caller-dpop', dpopBoundAccessTokens: true };
    [tokenServer, nonceServer] = await Promise.all([
      startTokenServer({
        clients: [
          { ...TEST_CLIENT },
          { ...TEST_CLIENT, clientId: 'orders-caller-post', authMethod: 'client_secret_post' },
          {
            clientId: 'orders-caller-hs',
            clientSecret: JWT_SECRET,
            scope: SCOPE,
            authMethod: 'client_secret_jwt',
          },
          { clientId: 'orders-caller-jwt', scope: SCOPE, authMethod: 'private_key_jwt', jwks },
          dpopClient,
        ],
      }),
      startTokenServer({ clients: [dpopClient], dpopRequireNonce: true }),
    ]);
    [api, nonceApi] = await Promise.all([
      startOrdersApi({ issuer: tokenServer.url }),
      startOrdersApi({ issuer: nonceServer.url }),
    ]);
  });

  afterEach(async () => {
    await Promise.all(managers.splice(0).map((manager) => manager.close()));
  });

  afterAll(async () => {
    await Promise.all([api?.close(), nonceApi?.close()]);
    await Promise.all([tokenServer?.close(), nonceServer?.close()]);
  });

  const methods: Array<[string, number, () => Promise<Partial<ClientCredentialsClientOptions>>]> = [
    ['client_secret_basic', 1, async () => ({ clientSecret: TEST_CLIENT.clientSecret })],
    [
      'client_secret_post',
      1,
      async () => ({
        clientId: 'orders-caller-post',
        clientSecret: TEST_CLIENT.clientSecret,
        authMethod: 'client_secret_post',
      }),
    ],
    [
      'client_secret_jwt',
      1,
      async () => ({
        clientId: 'orders-caller-hs',
        clientSecret: JWT_SECRET,
        authMethod: 'client_secret_jwt',
      }),
    ],
    [
      'private_key_jwt',
      1,
      async () => ({
        clientId: 'orders-caller-jwt',
        authMethod: 'private_key_jwt',
        privateKey: { ...(await exportJWK(key.privateKey)), kid: 'ec-1' },
      }),
    ],
    [
      'DPoP',
      1,
      async () => ({ clientId: 'orders-caller-dpop', clientSecret: TEST_CLIENT.clientSecret, dpop: true }),
    ],
    // The first proof has no nonce yet: the server answers use_dpop_nonce, the retry carries it.
    [
      'DPoP with mandatory nonces',
      2,
      async () => ({ clientId: 'orders-caller-dpop', clientSecret: TEST_CLIENT.clientSecret, dpop: true }),
    ],
  ];

  it.each(methods)(
    '%s (discovery): %d token request(s) at the server for 50 concurrent calls',
    async (name, expected, settings) => {
      const [server, target] = name.endsWith('nonces') ? [nonceServer, nonceApi] : [tokenServer, api];
      const tokens = new AccessTokenManager({
        clients: {
          orders: {
            issuer: server.url,
            clientId: TEST_CLIENT.clientId,
            scope: SCOPE,
            baseURL: target.url,
            ...(await settings()),
          },
        },
      });
      managers.push(tokens);
      const before = server.tokenRequests();
      const http = axios.create({ baseURL: target.url });
      attachAccessToken(http, tokens, 'orders');
      const responses = await Promise.all(
        Array.from({ length: CONCURRENT_CALLS }, () => http.get('/orders', { validateStatus: () => true })),
      );
      expect(responses.map((response) => response.status)).toEqual(Array(CONCURRENT_CALLS).fill(200));
      expect(server.tokenRequests() - before).toBe(expected);
    },
  );
});
