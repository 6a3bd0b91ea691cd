import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import axios, { type AxiosAdapter, type AxiosInstance } from 'axios';
import { decodeJwt } from 'jose';
import {
  AccessTokenManager,
  attachAccessToken,
  type ClientCredentialsClientOptions,
} from 'nestjs-access-token-management';
import {
  sendJson,
  startScriptedServer,
  type ScriptedHandler,
  type ScriptedServer,
} from '../support/scripted-server.js';
import { createTestPki, type TestCredential, type TestPki } from '../support/test-pki.js';
import { issueTokens } from '../support/token-responses.js';

const redirectTo =
  (location: string, status = 307): ScriptedHandler =>
  (_request, response) => {
    response.writeHead(status, { location });
    response.end();
  };

/** Answers each path of `routes` with its handler, anything else with 404. */
const routes =
  (table: Record<string, ScriptedHandler>): ScriptedHandler =>
  (request, response) =>
    (table[request.url] ?? sendJson(404, {}))(request, response);

/**
 * Where the credentials of a request go, whatever the user put around the interceptor: its own request interceptors
 * in any order, the fetch adapter, redirects, a client certificate. Each test counts what each server received.
 */
describe('credentials reach the client origin only', () => {
  let tokenEndpoint: ScriptedServer;
  let api: ScriptedServer;
  let other: ScriptedServer;
  const managers: AccessTokenManager[] = [];

  beforeAll(async () => {
    [tokenEndpoint, api, other] = await Promise.all([
      startScriptedServer(),
      startScriptedServer(),
      startScriptedServer(),
    ]);
  });
  afterAll(async () => {
    await Promise.all(managers.map((manager) => manager.close()));
    await Promise.all([tokenEndpoint.close(), api.close(), other.close()]);
  });
  afterEach(() => {
    for (const server of [tokenEndpoint, api, other]) server.requests.length = 0;
  });

  function manager(client: Partial<ClientCredentialsClientOptions> = {}): AccessTokenManager {
    tokenEndpoint.handle(issueTokens(client.dpop ? { token_type: 'DPoP' } : {}));
    const created = new AccessTokenManager({
      clients: {
        orders: {
          tokenEndpoint: `${tokenEndpoint.url}/token`,
          clientId: 'orders-caller',
          clientSecret: 'orders-secret',
          baseURL: api.url,
          ...client,
        },
      },
    });
    managers.push(created);
    return created;
  }

  const credentialsSentTo = (server: ScriptedServer) =>
    server.requests.map(({ headers }) => ({ authorization: headers.authorization, dpop: headers.dpop }));
  const none = { authorization: undefined, dpop: undefined };
  const carried = { authorization: expect.stringMatching(/^DPoP /), dpop: expect.any(String) };

  describe('the origin is decided at dispatch, whatever the interceptor order', () => {
    /** An instance whose own interceptor, registered before attachAccessToken, rewrites the request. */
    function rewrittenBefore(
      baseURL: string,
      rewrite: (config: { baseURL?: string; url?: string }) => void,
      client: Partial<ClientCredentialsClientOptions> = {},
    ): AxiosInstance {
      const http = axios.create({ baseURL });
      http.interceptors.request.use((config) => {
        rewrite(config);
        return config;
      });
      attachAccessToken(http, manager(client), 'orders', { origin: api.url });
      return http;
    }

    it('an earlier interceptor that moves baseURL to another origin: sent there without a token', async () => {
      const http = rewrittenBefore(api.url, (config) => (config.baseURL = other.url));
      await http.get('/orders');
      expect(other.requests).toHaveLength(1);
      expect(other.requests[0]?.headers.authorization).toBeUndefined();
      expect(api.requests).toHaveLength(0);
      expect(tokenEndpoint.requests).toHaveLength(0);
    });

    it('an earlier interceptor that makes the url absolute to another origin: no token either', async () => {
      const http = rewrittenBefore(api.url, (config) => (config.url = `${other.url}/steal`));
      await http.get('/orders');
      expect(other.requests.map((r) => [r.url, r.headers.authorization])).toEqual([['/steal', undefined]]);
      expect(tokenEndpoint.requests).toHaveLength(0);
    });

    it('an earlier interceptor that moves the request to the client origin: it gets the token', async () => {
      const http = rewrittenBefore(other.url, (config) => (config.baseURL = api.url));
      await http.get('/orders');
      expect(other.requests).toHaveLength(0);
      expect(api.requests[0]?.headers.authorization).toMatch(/^Bearer tok_/);
    });

    it('the DPoP proof is made for the URL actually sent, after every interceptor', async () => {
      const http = rewrittenBefore(api.url, (config) => (config.url = '/orders/rewritten'), { dpop: true });
      await http.get('/orders');
      expect(decodeJwt(String(api.requests[0]?.headers.dpop)).htu).toBe(`${api.url}/orders/rewritten`);
    });
  });

  describe.each(['http', 'fetch'] as const)('redirects never carry credentials (%s adapter)', (adapter) => {
    const client = (options: Partial<ClientCredentialsClientOptions> = {}) => {
      const http = axios.create({ baseURL: api.url, adapter });
      attachAccessToken(http, manager(options), 'orders');
      return http;
    };

    it('same-origin 302 and 307: Authorization and DPoP on the first request only', async () => {
      api.handle(
        routes({ '/a': redirectTo('/b', 302), '/b': redirectTo('/c', 307), '/c': sendJson(200, { c: 1 }) }),
      );
      expect((await client({ dpop: true }).get('/a')).data).toEqual({ c: 1 });
      expect(api.requests.map((r) => r.url)).toEqual(['/a', '/b', '/c']);
      expect(credentialsSentTo(api)).toEqual([carried, none, none]);
    });

    it('cross-origin 307: the other origin gets neither the token nor the DPoP proof', async () => {
      api.handle(redirectTo(`${other.url}/landing`));
      other.handle(sendJson(200, { other: true }));
      const response = await client({ dpop: true }).post('/orders', { item: 'x' });
      expect(response.data).toEqual({ other: true });
      expect(credentialsSentTo(api)).toEqual([carried]);
      expect(credentialsSentTo(other)).toEqual([none]);
      expect(other.requests[0]).toMatchObject({ method: 'POST', body: '{"item":"x"}' }); // 307 keeps the body
    });

    it('303 after a POST: followed as a GET without the body, and without the token', async () => {
      api.handle(routes({ '/orders': redirectTo('/orders/7', 303), '/orders/7': sendJson(200, { id: 7 }) }));
      expect((await client().post('/orders', { item: 'x' })).data).toEqual({ id: 7 });
      const [post, get] = api.requests;
      expect(post).toMatchObject({
        method: 'POST',
        headers: { authorization: expect.stringMatching(/^Bearer /) },
      });
      expect(get).toMatchObject({ method: 'GET', body: '' });
      expect(get?.headers.authorization).toBeUndefined();
      expect(get?.headers['content-type']).toBeUndefined();
    });

    it('a redirect back to the client origin after another one carries no token either', async () => {
      api.handle(routes({ '/a': redirectTo(`${other.url}/b`), '/c': sendJson(200, { back: true }) }));
      other.handle(redirectTo(`${api.url}/c`, 302));
      expect((await client().get('/a')).data).toEqual({ back: true });
      expect(credentialsSentTo(api).map((sent) => sent.authorization)).toEqual([
        expect.stringMatching(/^Bearer /),
        undefined,
      ]);
      expect(credentialsSentTo(other)).toEqual([none]);
    });

    it('with maxRedirects: 0 the redirect is handed to the caller, not followed', async () => {
      api.handle(redirectTo(`${other.url}/landing`));
      const http = client();
      await expect(http.get('/a', { maxRedirects: 0 })).rejects.toMatchObject({ response: { status: 307 } });
      expect(other.requests).toHaveLength(0);
    });
  });

  describe('adapters that cannot keep the promise are refused before anything is sent', () => {
    it('a custom adapter function: ERR_CONFIG_INVALID, no token fetched, the adapter never called', async () => {
      let called = 0;
      const custom: AxiosAdapter = async (config) => {
        called += 1;
        return { data: {}, status: 200, statusText: 'OK', headers: {}, config };
      };
      const http = axios.create({ baseURL: api.url, adapter: custom });
      attachAccessToken(http, manager(), 'orders');
      await expect(http.get('/orders')).rejects.toMatchObject({
        code: 'ERR_CONFIG_INVALID',
        message: expect.stringContaining('this request uses a custom adapter'),
      });
      expect(called).toBe(0);
      expect(tokenEndpoint.requests).toHaveLength(0);
      // A request that carries no token may use any adapter.
      await http.get(`${other.url}/public`);
      expect(called).toBe(1);
    });
  });
});

/**
 * RFC 8705 client certificates on redirects: two https servers of the test CA that ask every client for a certificate
 * and record the one presented. The certificate goes to the client's origin only.
 */
describe('the mTLS client certificate is presented to the client origin only', () => {
  let pki: TestPki;
  let clientCredential: TestCredential;
  let tokenEndpoint: ScriptedServer;
  let api: ScriptedServer;
  let other: ScriptedServer;
  let tokens: AccessTokenManager;

  beforeAll(async () => {
    pki = await createTestPki();
    clientCredential = await pki.client('orders-caller-mtls');
    [tokenEndpoint, api, other] = await Promise.all([
      startScriptedServer(issueTokens()),
      startScriptedServer(sendJson(200, {}), { tls: pki.server }),
      startScriptedServer(sendJson(200, { other: true }), { tls: pki.server }),
    ]);
    tokens = new AccessTokenManager({
      clients: {
        orders: {
          tokenEndpoint: `${tokenEndpoint.url}/token`,
          clientId: 'orders-caller',
          clientSecret: 'orders-secret',
          tlsCertificate: clientCredential.cert,
          tlsKey: clientCredential.key,
          tlsCa: pki.ca.cert,
          baseURL: api.url,
        },
      },
    });
  });
  afterAll(async () => {
    await tokens?.close();
    await Promise.all([tokenEndpoint?.close(), api?.close(), other?.close()]);
    await pki?.remove();
  });
  afterEach(() => {
    for (const server of [tokenEndpoint, api, other]) server.requests.length = 0;
  });

  const ordersClient = (adapter?: 'fetch') => {
    const http = axios.create({ baseURL: api.url, adapter });
    attachAccessToken(http, tokens, 'orders');
    return http;
  };
  const certificatesSeenBy = (server: ScriptedServer) => server.requests.map((r) => r.clientCertificate);

  it('a redirect to another https origin reaches it without the certificate (and its CA still trusted)', async () => {
    api.handle(redirectTo(`${other.url}/landing`, 302));
    expect((await ordersClient().get('/orders')).data).toEqual({ other: true });
    expect(certificatesSeenBy(api)).toEqual(['orders-caller-mtls']);
    expect(certificatesSeenBy(other)).toEqual([undefined]);
  });

  it('a redirect back to the client origin presents it there again', async () => {
    api.handle(routes({ '/a': redirectTo(`${other.url}/b`), '/c': sendJson(200, { back: true }) }));
    other.handle(redirectTo(`${api.url}/c`));
    expect((await ordersClient().get('/a')).data).toEqual({ back: true });
    expect(certificatesSeenBy(api)).toEqual(['orders-caller-mtls', 'orders-caller-mtls']);
    expect(certificatesSeenBy(other)).toEqual([undefined]);
  });

  it('the fetch adapter, which cannot present a certificate, is refused: ERR_CONFIG_INVALID, nothing sent', async () => {
    await expect(ordersClient('fetch').get('/orders')).rejects.toMatchObject({
      code: 'ERR_CONFIG_INVALID',
      message: expect.stringContaining('fetch'),
    });
    expect(api.requests).toHaveLength(0);
    expect(tokenEndpoint.requests).toHaveLength(0);
  });
});
