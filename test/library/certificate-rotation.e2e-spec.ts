import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import axios from 'axios';
import { decodeJwt } from 'jose';
import { AccessTokenManager, attachAccessToken, createAuthorizedFetch } from 'nestjs-access-token-management';

import { certificateJwks } from '../../apps/token-server/src/sample-clients.config.js';
import type { TokenServerClient } from '../../apps/token-server/src/token-server.config.js';
import { startOrdersApi, type RunningOrdersApi } from '../support/apps/start-orders-api.js';
import { startTokenServer, type RunningTokenServer } from '../support/apps/start-token-server.js';
import { SecretVolume } from '../support/secret-volume.js';
import { createTestPki, type TestCredential, type TestPki } from '../support/test-pki.js';

const SCOPE = 'orders.read orders.write';
const CLIENT_ID = 'orders-caller-rotating-certificate';

/**
 * A client certificate rotated in its files (cert-manager renewing it into a secret volume), against the real
 * oidc-provider over TLS (`self_signed_tls_client_auth`, certificate-bound tokens) and the real orders-api over TLS,
 * which checks that the token's `cnf["x5t#S256"]` is the certificate of the connection (RFC 8705 §3).
 */
describe('mTLS certificate rotation', () => {
  let pki: TestPki;
  let before: TestCredential;
  let after: TestCredential;
  let tokenServer: RunningTokenServer;
  let api: RunningOrdersApi;
  let volume: SecretVolume;
  let tokens: AccessTokenManager;
  /** The server's registration: both certificates while the rotation runs, as an operator would do it. */
  let registration: TokenServerClient;

  beforeAll(async () => {
    pki = await createTestPki();
    [before, after] = await Promise.all([pki.selfSigned(CLIENT_ID), pki.selfSigned(CLIENT_ID)]);
    registration = {
      clientId: CLIENT_ID,
      scope: SCOPE,
      authMethod: 'self_signed_tls_client_auth',
      jwks: certificateJwks(before.cert, 'first certificate'),
      certificateBoundAccessTokens: true,
    };
    tokenServer = await startTokenServer({
      tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.ca.cert, mtlsEndpointAlias: true },
      registry: { find: (clientId) => (clientId === CLIENT_ID ? registration : undefined) },
    });
    api = await startOrdersApi({
      issuer: tokenServer.url,
      tls: { cert: pki.server.cert, key: pki.server.key },
      tokenServerCa: pki.ca.cert,
    });
    volume = await SecretVolume.create({ 'tls.crt': before.cert, 'tls.key': before.key });
    tokens = new AccessTokenManager({
      clients: {
        orders: {
          issuer: tokenServer.url,
          clientId: CLIENT_ID,
          authMethod: 'self_signed_tls_client_auth',
          tlsCertificateFile: volume.path('tls.crt'),
          tlsKeyFile: volume.path('tls.key'),
          tlsCa: pki.ca.cert,
          scope: SCOPE,
          baseURL: api.url,
        },
      },
    });
  });

  afterAll(async () => {
    await tokens?.close();
    await api?.close();
    await tokenServer?.close();
    await volume?.remove();
    await pki?.remove();
  });

  it('the next token request and the next API connection present the new certificate; the old token is not sent with it', async () => {
    const http = axios.create({ baseURL: api.url });
    attachAccessToken(http, tokens, 'orders');
    // The fetch client follows the same files: its connections present the certificate the client holds now.
    const fetchOrders = createAuthorizedFetch(tokens, 'orders');
    const first = await tokens.getAccessToken('orders');
    expect(decodeJwt(first.value)).toMatchObject({ cnf: { 'x5t#S256': before.thumbprint } });
    expect((await http.get('/orders')).status).toBe(200);
    expect(api.requests.at(-1)).toMatchObject({
      authorization: `Bearer ${first.value}`,
      clientCertificate: before.thumbprint,
    });
    expect((await fetchOrders('/orders')).status).toBe(200);
    expect(api.requests.at(-1)).toMatchObject({ clientCertificate: before.thumbprint });

    // cert-manager renews: the server learns the new certificate, then the files change (one atomic swap).
    registration = {
      ...registration,
      jwks: {
        keys: [
          ...certificateJwks(before.cert, 'first certificate').keys,
          ...certificateJwks(after.cert, 'second certificate').keys,
        ],
      },
    };
    await volume.update({ 'tls.crt': after.cert, 'tls.key': after.key });

    // Until a token request, nothing is re-read: the cached token and its certificate stay in use.
    expect((await http.get('/orders')).status).toBe(200);
    expect(api.requests.at(-1)).toMatchObject({ clientCertificate: before.thumbprint });

    const requestsBefore = tokenServer.tokenRequests();
    const renewed = await tokens.getAccessToken('orders', { forceRenewal: true });
    expect(tokenServer.tokenRequests() - requestsBefore).toBe(1);
    expect(decodeJwt(renewed.value)).toMatchObject({ cnf: { 'x5t#S256': after.thumbprint } });

    // The cache key followed the certificate: calls now get the new token, never the one bound to the old certificate.
    expect((await tokens.getAccessToken('orders')).value).toBe(renewed.value);
    expect((await http.get('/orders')).status).toBe(200);
    expect(api.requests.at(-1)).toMatchObject({
      authorization: `Bearer ${renewed.value}`,
      clientCertificate: after.thumbprint,
    });
    expect((await fetchOrders('/orders')).status).toBe(200);
    expect(api.requests.at(-1)).toMatchObject({
      authorization: `Bearer ${renewed.value}`,
      clientCertificate: after.thumbprint,
    });
    expect(tokenServer.tokenRequests() - requestsBefore).toBe(1);
  });
});
