import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import axios from 'axios';
import { generateKeyPairSync } from 'node:crypto';
import { Agent } from 'node:https';
import { decodeJwt, exportJWK } from 'jose';
import { Agent as UndiciAgent, fetch as undiciFetch } from 'undici';
import {
  AccessTokenManager,
  attachAccessToken,
  type ClientCredentialsClientOptions,
} from 'nestjs-access-token-management';

import { startOrdersApi, type RunningOrdersApi } from '../support/apps/start-orders-api.js';
import { certificateJwks } from '../../apps/token-server/src/sample-clients.config.js';
import {
  startTokenServer,
  TEST_CLIENT,
  type RunningTokenServer,
} from '../support/apps/start-token-server.js';
import { ordersCallerEnv, startOrdersCaller } from '../support/apps/start-orders-caller.js';
import { createTestPki, type TestCredential, type TestPki } from '../support/test-pki.js';

const SCOPE = 'orders.read orders.write';

/**
 * RFC 8705 against the real oidc-provider over TLS and the real orders-api over TLS: `tls_client_auth` (a certificate
 * of the test CA with a registered subject), `self_signed_tls_client_auth` (a registered self-signed certificate),
 * tokens bound to the certificate (`cnf["x5t#S256"]`) and presented to the API over the same certificate. The token
 * server asks for client certificates only on its `mtls_endpoint_aliases` port, so a client that ignored the alias
 * would fail. Every key and certificate is made by the test.
 */
describe('mTLS client authentication and certificate-bound tokens (RFC 8705)', () => {
  let pki: TestPki;
  let caClient: TestCredential;
  let selfSigned: TestCredential;
  let tokenServer: RunningTokenServer;
  let api: RunningOrdersApi;
  const managers: AccessTokenManager[] = [];
  const assertionKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  beforeAll(async () => {
    pki = await createTestPki();
    [caClient, selfSigned] = await Promise.all([
      pki.client('orders-caller-mtls'),
      pki.selfSigned('orders-caller-self-signed'),
    ]);
    tokenServer = await startTokenServer({
      tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.ca.cert, mtlsEndpointAlias: true },
      clients: [
        { ...TEST_CLIENT },
        {
          clientId: 'orders-caller-mtls',
          scope: SCOPE,
          authMethod: 'tls_client_auth',
          tlsClientAuthSubjectDn: 'CN=orders-caller-mtls',
          certificateBoundAccessTokens: true,
        },
        {
          clientId: 'orders-caller-self-signed',
          scope: SCOPE,
          authMethod: 'self_signed_tls_client_auth',
          jwks: certificateJwks(selfSigned.cert, 'self-signed certificate'),
          certificateBoundAccessTokens: true,
        },
        {
          clientId: 'orders-caller-jwt-bound',
          scope: SCOPE,
          authMethod: 'private_key_jwt',
          jwks: { keys: [{ ...assertionKey.publicKey.export({ format: 'jwk' }), kid: 'ec-1' }] },
          certificateBoundAccessTokens: true,
        },
      ],
    });
    api = await startOrdersApi({
      issuer: tokenServer.url,
      tls: { cert: pki.server.cert, key: pki.server.key },
      tokenServerCa: pki.ca.cert,
    });
  });

  afterAll(async () => {
    await Promise.all(managers.map((manager) => manager.close()));
    await api?.close();
    await tokenServer?.close();
    await pki?.remove();
  });

  function manager(client: Partial<ClientCredentialsClientOptions>): AccessTokenManager {
    const created = new AccessTokenManager({
      clients: {
        orders: {
          issuer: tokenServer.url,
          clientId: 'orders-caller-mtls',
          authMethod: 'tls_client_auth',
          tlsCertificate: caClient.cert,
          tlsKey: caClient.key,
          tlsCa: pki.ca.cert,
          scope: SCOPE,
          baseURL: api.url,
          ...client,
        },
      },
    });
    managers.push(created);
    return created;
  }

  function ordersClient(tokens: AccessTokenManager) {
    const http = axios.create({ baseURL: api.url });
    attachAccessToken(http, tokens, 'orders');
    return http;
  }

  it.each([
    ['tls_client_auth', 'orders-caller-mtls', () => caClient],
    ['self_signed_tls_client_auth', 'orders-caller-self-signed', () => selfSigned],
  ] as const)(
    '%s: bound token obtained over the mTLS alias, accepted by the API, cached, renewed',
    async (method, clientId, credential) => {
      const { cert, key, thumbprint } = credential();
      const tokens = manager({ clientId, authMethod: method, tlsCertificate: cert, tlsKey: key });
      const before = tokenServer.tokenRequests();

      const token = await tokens.getAccessToken('orders');
      expect(token.type).toBe('Bearer');
      expect(decodeJwt(token.value)).toMatchObject({ client_id: clientId, cnf: { 'x5t#S256': thumbprint } });

      const http = ordersClient(tokens);
      expect((await http.get('/orders')).status).toBe(200);
      expect((await http.post('/orders', { item: 'Grinder', quantity: 1 })).status).toBe(201);
      expect((await tokens.getAccessToken('orders')).value).toBe(token.value);
      expect(tokenServer.tokenRequests()).toBe(before + 1);

      const renewed = await tokens.getAccessToken('orders', { forceRenewal: true });
      expect(renewed.value).not.toBe(token.value);
      expect(tokenServer.tokenRequests()).toBe(before + 2);
      expect((await http.get('/orders')).status).toBe(200);
      expect(api.requests.at(-1)?.authorization).toBe(`Bearer ${renewed.value}`);
    },
  );

  it('uses the mtls_endpoint_aliases token endpoint: the main one never asks for a certificate', async () => {
    const dispatcher = new UndiciAgent({ connect: { ca: pki.ca.cert } });
    const metadata = (await (
      await undiciFetch(`${tokenServer.url}/.well-known/openid-configuration`, { dispatcher })
    ).json()) as { mtls_endpoint_aliases?: { token_endpoint?: string } };
    expect(metadata.mtls_endpoint_aliases?.token_endpoint).toBe(tokenServer.mtlsTokenEndpoint);
    await dispatcher.close();

    // Without discovery there is no alias: the main token endpoint gets no certificate and refuses the client.
    const tokens = manager({ issuer: undefined, tokenEndpoint: tokenServer.tokenEndpoint });
    await expect(tokens.getAccessToken('orders')).rejects.toMatchObject({
      code: 'ERR_TOKEN_ENDPOINT_ERROR',
      error: 'invalid_client',
    });
  });

  it('private_key_jwt with a certificate-bound token: the assertion aud is the mTLS alias it is sent to', async () => {
    const before = tokenServer.clientAssertions.length;
    const token = await manager({
      clientId: 'orders-caller-jwt-bound',
      authMethod: 'private_key_jwt',
      privateKey: { ...(await exportJWK(assertionKey.privateKey)), kid: 'ec-1' },
    }).getAccessToken('orders');
    expect(decodeJwt(token.value)).toMatchObject({ cnf: { 'x5t#S256': caClient.thumbprint } });
    const [assertion] = tokenServer.clientAssertions.slice(before);
    expect(decodeJwt(assertion!).aud).toBe(tokenServer.mtlsTokenEndpoint);
  });

  it('refuses a certificate of the CA with another subject: ERR_TOKEN_ENDPOINT_ERROR invalid_client', async () => {
    const intruder = await pki.client('intruder');
    const tokens = manager({ tlsCertificate: intruder.cert, tlsKey: intruder.key });
    await expect(tokens.getAccessToken('orders')).rejects.toMatchObject({
      code: 'ERR_TOKEN_ENDPOINT_ERROR',
      error: 'invalid_client',
      status: 401,
    });
  });

  it('refuses an unregistered self-signed certificate: ERR_TOKEN_ENDPOINT_ERROR invalid_client', async () => {
    const other = await pki.selfSigned('orders-caller-self-signed');
    const tokens = manager({
      clientId: 'orders-caller-self-signed',
      authMethod: 'self_signed_tls_client_auth',
      tlsCertificate: other.cert,
      tlsKey: other.key,
    });
    await expect(tokens.getAccessToken('orders')).rejects.toMatchObject({
      code: 'ERR_TOKEN_ENDPOINT_ERROR',
      error: 'invalid_client',
    });
  });

  it('orders-api refuses a certificate-bound token without its certificate, or with another one', async () => {
    const token = await manager({}).getAccessToken('orders');
    const other = await pki.client('orders-caller-mtls');
    const call = (agent: Agent) =>
      axios.get(`${api.url}/orders`, {
        httpsAgent: agent,
        headers: { authorization: `Bearer ${token.value}` },
        validateStatus: () => true,
      });

    const withoutCertificate = await call(new Agent({ ca: pki.ca.cert }));
    expect(withoutCertificate.status).toBe(401);
    expect(withoutCertificate.headers['www-authenticate']).toMatch(/error="invalid_token"/);

    const otherCertificate = await call(new Agent({ ca: pki.ca.cert, cert: other.cert, key: other.key }));
    expect(otherCertificate.status).toBe(401);

    const ownCertificate = await call(new Agent({ ca: pki.ca.cert, cert: caClient.cert, key: caClient.key }));
    expect(ownCertificate.status).toBe(200);
  });

  it('the sample orders-caller does it from .env settings (certificate, key and CA files)', async () => {
    const caller = await startOrdersCaller(
      ordersCallerEnv('', api.url, {
        ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT: undefined,
        ACCESS_TOKEN_ORDERS_ISSUER: tokenServer.url,
        ACCESS_TOKEN_ORDERS_CLIENT_ID: 'orders-caller-mtls',
        ACCESS_TOKEN_ORDERS_CLIENT_SECRET: undefined,
        ACCESS_TOKEN_ORDERS_AUTH_METHOD: 'tls_client_auth',
        ACCESS_TOKEN_ORDERS_TLS_CERT_FILE: caClient.certFile,
        ACCESS_TOKEN_ORDERS_TLS_KEY_FILE: caClient.keyFile,
        ACCESS_TOKEN_ORDERS_TLS_CA_FILE: pki.ca.certFile,
      }),
    );
    try {
      const response = await fetch(`${caller.url}/orders`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as unknown[]).length).toBeGreaterThanOrEqual(2);
    } finally {
      await caller.close();
    }
  });
});
