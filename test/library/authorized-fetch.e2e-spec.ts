import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { decodeJwt } from 'jose';
import {
  AccessTokenManager,
  AccessTokenModule,
  createAuthorizedFetch,
  getAuthorizedFetchToken,
  InjectAuthorizedFetch,
  type ClientCredentialsClientOptions,
  type FetchFunction,
} from 'nestjs-access-token-management';
import {
  sendJson,
  startScriptedServer,
  type ScriptedHandler,
  type ScriptedServer,
} from '../support/scripted-server.js';
import { startForwardProxy, type RunningForwardProxy } from '../support/forward-proxy.js';
import { createTestPki, type TestCredential, type TestPki } from '../support/test-pki.js';
import { issueTokens } from '../support/token-responses.js';

const redirectTo =
  (location: string, status = 307): ScriptedHandler =>
  (_request, response) => {
    response.writeHead(status, { location });
    response.end();
  };

const routes =
  (table: Record<string, ScriptedHandler>): ScriptedHandler =>
  (request, response) =>
    (table[request.url] ?? sendJson(404, {}))(request, response);

const invalidToken = sendJson(401, {}, { 'www-authenticate': 'Bearer realm="api", error="invalid_token"' });

/**
 * `createAuthorizedFetch`: the cases of the axios interceptor's tests (http-interceptor, http-credential-boundaries,
 * mTLS, proxies), for the fetch client. Each test counts what each real loopback server received.
 */
describe('createAuthorizedFetch', () => {
  let tokenEndpoint: ScriptedServer;
  let api: ScriptedServer;
  let other: ScriptedServer;
  let manager: AccessTokenManager;
  let authorizedFetch: FetchFunction;
  const managers: AccessTokenManager[] = [];

  beforeAll(async () => {
    [tokenEndpoint, api, other] = await Promise.all([
      startScriptedServer(),
      startScriptedServer(),
      startScriptedServer(),
    ]);
  });
  afterAll(async () => {
    await Promise.all(managers.map((created) => created.close()));
    await Promise.all([tokenEndpoint.close(), api.close(), other.close()]);
  });

  function managerWith(client: Partial<ClientCredentialsClientOptions> = {}): AccessTokenManager {
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

  beforeEach(() => {
    api.handle(sendJson(200, { ok: true }));
    other.handle(sendJson(200, { other: true }));
    manager = managerWith();
    authorizedFetch = createAuthorizedFetch(manager, 'orders');
  });
  afterEach(() => {
    for (const server of [tokenEndpoint, api, other]) server.requests.length = 0;
  });

  const issuedTokens = () => tokenEndpoint.requests.length;
  const sentAuthorization = (server: ScriptedServer) => server.requests.map((r) => r.headers.authorization);
  const credentialsSentTo = (server: ScriptedServer) =>
    server.requests.map(({ headers }) => ({ authorization: headers.authorization, dpop: headers.dpop }));
  const none = { authorization: undefined, dpop: undefined };
  const carried = { authorization: expect.stringMatching(/^DPoP /), dpop: expect.any(String) };

  it('sends the token as "Bearer <token>" to its own origin (a relative URL too) and reuses it', async () => {
    expect((await authorizedFetch('/orders')).status).toBe(200);
    expect(await (await authorizedFetch(`${api.url}/orders?page=2`)).json()).toEqual({ ok: true });
    const [first, second] = sentAuthorization(api);
    expect(first).toMatch(/^Bearer tok_/);
    expect(second).toBe(first);
    expect(issuedTokens()).toBe(1);
  });

  it('a Request object and a URL object: the token too, the caller’s headers kept', async () => {
    await authorizedFetch(new Request(`${api.url}/orders`, { headers: { 'x-trace': 't1' } }));
    await authorizedFetch(new URL('/orders', api.url), { headers: { 'x-trace': 't2' } });
    expect(api.requests.map((r) => [r.headers['x-trace'], r.headers.authorization])).toEqual([
      ['t1', expect.stringMatching(/^Bearer /)],
      ['t2', expect.stringMatching(/^Bearer /)],
    ]);
  });

  it("replaces the caller's own Authorization, however given and spelt: one header, the client's token", async () => {
    await authorizedFetch('/orders', { headers: { AUTHORIZATION: 'Bearer forged', 'x-trace': 'plain' } });
    await authorizedFetch(`${api.url}/orders`, { headers: new Headers({ authorization: 'Bearer forged' }) });
    await authorizedFetch(`${api.url}/orders`, { headers: [['Authorization', 'Bearer forged']] });
    const token = await manager.getAccessToken('orders');
    expect(api.requests).toHaveLength(3);
    for (const request of api.requests) {
      const lines = request.rawHeaders.filter((_, i, all) => i % 2 === 0 && /^authorization$/i.test(all[i]!));
      expect(lines).toHaveLength(1);
      expect(request.headers.authorization).toBe(`Bearer ${token.value}`);
    }
    expect(api.requests[0]?.headers['x-trace']).toBe('plain');
  });

  it('sends no token to another origin, nor to the same host on another port, and fetches none', async () => {
    await authorizedFetch(`${other.url}/steal`);
    expect(other.requests).toHaveLength(1);
    expect(other.requests[0]?.headers.authorization).toBeUndefined();
    expect(new URL(other.url).hostname).toBe(new URL(api.url).hostname);
    expect(issuedTokens()).toBe(0);
  });

  it('does not forward the token across a redirect to another origin', async () => {
    api.handle(redirectTo(`${other.url}/landing`, 302));
    const response = await authorizedFetch('/orders');
    expect(await response.json()).toEqual({ other: true });
    expect(api.requests[0]?.headers.authorization).toMatch(/^Bearer /);
    expect(sentAuthorization(other)).toEqual([undefined]);
  });

  it('same-origin 302 and 307: Authorization and DPoP on the first request only', async () => {
    const dpopFetch = createAuthorizedFetch(managerWith({ dpop: true }), 'orders');
    api.handle(
      routes({ '/a': redirectTo('/b', 302), '/b': redirectTo('/c', 307), '/c': sendJson(200, { c: 1 }) }),
    );
    expect(await (await dpopFetch('/a')).json()).toEqual({ c: 1 });
    expect(api.requests.map((r) => r.url)).toEqual(['/a', '/b', '/c']);
    expect(credentialsSentTo(api)).toEqual([carried, none, none]);
  });

  it('cross-origin 307: the other origin gets neither the token nor the DPoP proof, and the body', async () => {
    const dpopFetch = createAuthorizedFetch(managerWith({ dpop: true }), 'orders');
    api.handle(redirectTo(`${other.url}/landing`));
    const response = await dpopFetch('/orders', { method: 'POST', body: '{"item":"x"}' });
    expect(await response.json()).toEqual({ other: true });
    expect(credentialsSentTo(api)).toEqual([carried]);
    expect(credentialsSentTo(other)).toEqual([none]);
    expect(other.requests[0]).toMatchObject({ method: 'POST', body: '{"item":"x"}' });
  });

  it('303 after a POST: followed as a GET without the body, and without the token', async () => {
    api.handle(routes({ '/orders': redirectTo('/orders/7', 303), '/orders/7': sendJson(200, { id: 7 }) }));
    const response = await authorizedFetch('/orders', {
      method: 'POST',
      body: '{"item":"x"}',
      headers: { 'content-type': 'application/json' },
    });
    expect(await response.json()).toEqual({ id: 7 });
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
    expect(await (await authorizedFetch('/a')).json()).toEqual({ back: true });
    expect(sentAuthorization(api)).toEqual([expect.stringMatching(/^Bearer /), undefined]);
    expect(credentialsSentTo(other)).toEqual([none]);
  });

  it("redirect: 'manual' hands the redirect to the caller, not followed", async () => {
    api.handle(redirectTo(`${other.url}/landing`));
    const response = await authorizedFetch('/a', { redirect: 'manual' });
    expect(response.status).toBe(307);
    expect(other.requests).toHaveLength(0);
  });

  it('renews the token and retries once on 401 invalid_token, the body sent again', async () => {
    api.handle((request, response) =>
      (api.requests.length === 1 ? invalidToken : sendJson(200, { ok: true }))(request, response),
    );
    const response = await authorizedFetch('/orders', { method: 'POST', body: '{"item":"x"}' });
    expect(response.status).toBe(200);
    const [rejected, retried] = sentAuthorization(api);
    expect(retried).toMatch(/^Bearer /);
    expect(retried).not.toBe(rejected);
    expect(api.requests.map((r) => r.body)).toEqual(['{"item":"x"}', '{"item":"x"}']);
    expect(issuedTokens()).toBe(2);
  });

  it('also retries a 401 whose challenge carries no error code', async () => {
    api.handle((request, response) =>
      (api.requests.length === 1
        ? sendJson(401, {}, { 'www-authenticate': 'Bearer realm="api"' })
        : sendJson(200, { ok: true }))(request, response),
    );
    expect((await authorizedFetch('/orders')).status).toBe(200);
    expect(api.requests).toHaveLength(2);
  });

  it('retries exactly once when the API answers 401 forever: the 401 is the answer', async () => {
    api.handle(invalidToken);
    expect((await authorizedFetch('/orders')).status).toBe(401);
    expect(api.requests).toHaveLength(2);
    expect(issuedTokens()).toBe(2);
  });

  it('does not retry a 401 naming another error, nor a 403', async () => {
    api.handle(sendJson(401, {}, { 'www-authenticate': 'Bearer error="invalid_request"' }));
    expect((await authorizedFetch('/orders')).status).toBe(401);
    api.handle(sendJson(403, {}, { 'www-authenticate': 'Bearer error="insufficient_scope"' }));
    expect((await authorizedFetch('/orders', { method: 'POST', body: '{}' })).status).toBe(403);
    expect(api.requests).toHaveLength(2);
    expect(issuedTokens()).toBe(1);
  });

  it('does not replay a streamed body after a 401: the 401 is surfaced', async () => {
    api.handle(invalidToken);
    const body = new Blob(['streamed payload']).stream();
    const response = await authorizedFetch('/upload', {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(401);
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0]?.body).toBe('streamed payload');
  });

  it('renews once when many concurrent requests get 401 for the same token', async () => {
    const rejected = await manager.getAccessToken('orders');
    api.handle((request, response) =>
      (request.headers.authorization === `Bearer ${rejected.value}` ? invalidToken : sendJson(200, {}))(
        request,
        response,
      ),
    );
    const responses = await Promise.all(Array.from({ length: 20 }, () => authorizedFetch('/orders')));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(api.requests).toHaveLength(40);
    expect(issuedTokens()).toBe(2);
  });

  it('sends no request at all when no token can be had, and fails with the typed error', async () => {
    tokenEndpoint.handle(sendJson(401, { error: 'invalid_client' }));
    await expect(authorizedFetch('/orders')).rejects.toMatchObject({
      code: 'ERR_TOKEN_ENDPOINT_ERROR',
      error: 'invalid_client',
    });
    expect(api.requests).toHaveLength(0);
  });

  it('DPoP: a proof per request for its method and URL, and the nonce the API demands, once', async () => {
    const dpopFetch = createAuthorizedFetch(managerWith({ dpop: true }), 'orders');
    api.handle((request, response) =>
      (api.requests.length === 1
        ? sendJson(401, {}, { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'n-1' })
        : sendJson(200, {}))(request, response),
    );
    expect((await dpopFetch('/orders?x=1', { method: 'POST', body: '{}' })).status).toBe(200);
    const proofs = api.requests.map((r) => decodeJwt(r.headers.dpop as string));
    expect(proofs).toEqual([
      expect.objectContaining({ htm: 'POST', htu: `${api.url}/orders` }),
      expect.objectContaining({ htm: 'POST', htu: `${api.url}/orders`, nonce: 'n-1' }),
    ]);
    expect(issuedTokens()).toBe(1);
  });

  it('the fetch option: requests go through the user’s fetch', async () => {
    const seen: string[] = [];
    const own: FetchFunction = (input, init) => {
      seen.push(`${init?.method ?? 'GET'} ${String(input)}`);
      return fetch(input, init);
    };
    await createAuthorizedFetch(manager, 'orders', { fetch: own })('/orders');
    expect(seen).toEqual([`GET ${api.url}/orders`]);
    expect(api.requests[0]?.headers.authorization).toMatch(/^Bearer /);
  });

  it('refuses a client with no origin to pin, or plain http to another host: ERR_CONFIG_INVALID', () => {
    const bare = managerWith({ baseURL: undefined });
    expect(() => createAuthorizedFetch(bare, 'orders')).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
    );
    expect(() => createAuthorizedFetch(bare, 'orders', { origin: 'http://api.example.com' })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
    );
  });

  describe('through a forward proxy', () => {
    let proxy: RunningForwardProxy;
    beforeAll(async () => {
      proxy = await startForwardProxy();
    });
    afterAll(() => proxy?.close());

    it('proxyUrl: the token and API requests go to the proxy; another origin through it too, without a token', async () => {
      const proxied = createAuthorizedFetch(managerWith({ proxyUrl: proxy.url }), 'orders');
      expect((await proxied('/orders')).status).toBe(200);
      expect((await proxied(`${other.url}/x`)).status).toBe(200);
      expect(proxy.log.map(({ method, target }) => `${method} ${target}`)).toEqual([
        `POST ${tokenEndpoint.url}/token`,
        `GET ${api.url}/orders`,
        `GET ${other.url}/x`,
      ]);
      expect(proxy.log.map(({ sawAuthorization }) => sawAuthorization)).toEqual([true, true, false]);
    });
  });
});

/** RFC 8705 with the fetch client: the certificate to the client's origin only, through a proxy too. */
describe('createAuthorizedFetch with a client certificate', () => {
  let pki: TestPki;
  let credential: TestCredential;
  let tokenEndpoint: ScriptedServer;
  let api: ScriptedServer;
  let other: ScriptedServer;
  let proxy: RunningForwardProxy;
  const managers: AccessTokenManager[] = [];

  beforeAll(async () => {
    pki = await createTestPki();
    credential = await pki.client('orders-caller-mtls');
    [tokenEndpoint, api, other, proxy] = await Promise.all([
      startScriptedServer(issueTokens()),
      startScriptedServer(sendJson(200, {}), { tls: pki.server }),
      startScriptedServer(sendJson(200, { other: true }), { tls: pki.server }),
      startForwardProxy(),
    ]);
  });
  afterAll(async () => {
    await Promise.all(managers.map((created) => created.close()));
    await Promise.all([tokenEndpoint?.close(), api?.close(), other?.close(), proxy?.close()]);
    await pki?.remove();
  });
  afterEach(() => {
    for (const server of [tokenEndpoint, api, other]) server.requests.length = 0;
    proxy.log.length = 0;
  });

  function mtlsFetch(client: Partial<ClientCredentialsClientOptions> = {}): FetchFunction {
    const tokens = new AccessTokenManager({
      clients: {
        orders: {
          tokenEndpoint: `${tokenEndpoint.url}/token`,
          clientId: 'orders-caller',
          clientSecret: 'orders-secret',
          tlsCertificate: credential.cert,
          tlsKey: credential.key,
          tlsCa: pki.ca.cert,
          baseURL: api.url,
          ...client,
        },
      },
    });
    managers.push(tokens);
    return createAuthorizedFetch(tokens, 'orders');
  }
  const certificatesSeenBy = (server: ScriptedServer) => server.requests.map((r) => r.clientCertificate);

  it('presents the certificate to the client origin; a redirect elsewhere reaches it without (CA still trusted)', async () => {
    api.handle(redirectTo(`${other.url}/landing`, 302));
    expect(await (await mtlsFetch()('/orders')).json()).toEqual({ other: true });
    expect(certificatesSeenBy(api)).toEqual(['orders-caller-mtls']);
    expect(certificatesSeenBy(other)).toEqual([undefined]);
  });

  it('through the proxy: a CONNECT, the certificate inside the tunnel', async () => {
    const proxied = mtlsFetch({ proxyUrl: proxy.url });
    expect((await proxied('/orders')).status).toBe(200);
    expect(certificatesSeenBy(api)).toEqual(['orders-caller-mtls']);
    expect(proxy.log.map(({ method, target }) => `${method} ${target}`)).toContain(
      `CONNECT ${new URL(api.url).host}`,
    );
  });
});

@Injectable()
class OrdersFetchClient {
  constructor(@InjectAuthorizedFetch('orders') readonly fetchOrders: FetchFunction) {}

  async list(): Promise<unknown> {
    return (await this.fetchOrders('/orders')).json();
  }
}

describe('the injectable authorized fetch (AccessTokenModule.forFeature)', () => {
  let tokenEndpoint: ScriptedServer;
  let api: ScriptedServer;

  beforeAll(async () => {
    [tokenEndpoint, api] = await Promise.all([
      startScriptedServer(issueTokens()),
      startScriptedServer(sendJson(200, [{ id: '1' }])),
    ]);
  });
  afterAll(() => Promise.all([tokenEndpoint.close(), api.close()]));

  const appModule = (global: boolean) => {
    @Module({
      imports: [
        AccessTokenModule.forRoot({
          isGlobal: global,
          clients: {
            orders: {
              tokenEndpoint: `${tokenEndpoint.url}/token`,
              clientId: 'orders-caller',
              clientSecret: 'orders-secret',
              baseURL: api.url,
            },
          },
        }),
        AccessTokenModule.forFeature(['orders']),
      ],
      providers: [OrdersFetchClient],
    })
    class AppModule {}
    return AppModule;
  };

  it('@InjectAuthorizedFetch(name) gives the client’s fetch: its baseURL, its token', async () => {
    const app = await NestFactory.createApplicationContext(appModule(true), {
      logger: false,
      abortOnError: false,
    });
    try {
      expect(await app.get(OrdersFetchClient).list()).toEqual([{ id: '1' }]);
      expect(app.get(getAuthorizedFetchToken('orders'))).toBe(app.get(OrdersFetchClient).fetchOrders);
      const token = await app.get(AccessTokenManager).getAccessToken('orders');
      expect(api.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${token.value}`]);
    } finally {
      await app.close();
    }
  });

  it('without a global manager: start-up fails with ERR_CONFIG_INVALID saying what to do', async () => {
    await expect(
      NestFactory.createApplicationContext(appModule(false), { logger: false, abortOnError: false }),
    ).rejects.toMatchObject({
      code: 'ERR_CONFIG_INVALID',
      message: expect.stringContaining('isGlobal: true'),
    });
  });
});
