import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import axios, { type AxiosError, type AxiosInstance } from 'axios';
import { AccessTokenManager, attachAccessToken } from 'nestjs-access-token-management';
import { sendJson, startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { issueTokens } from '../support/token-responses.js';

/** JSON as circular-safe loggers write it: `toJSON` honoured, a cycle written as a marker. */
function circularSafeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item === null || typeof item !== 'object') return item;
    if (seen.has(item)) return '[Circular]';
    seen.add(item);
    return item;
  });
}

describe.each(['http', 'fetch'] as const)(
  'attachAccessToken on an axios instance (%s adapter)',
  (adapter) => {
    let tokenEndpoint: ScriptedServer;
    let api: ScriptedServer;
    let other: ScriptedServer;
    let manager: AccessTokenManager;
    let http: AxiosInstance;

    beforeAll(async () => {
      [tokenEndpoint, api, other] = await Promise.all([
        startScriptedServer(),
        startScriptedServer(),
        startScriptedServer(),
      ]);
    });
    afterAll(() => Promise.all([tokenEndpoint.close(), api.close(), other.close()]));

    beforeEach(() => {
      tokenEndpoint.handle(issueTokens());
      api.handle(sendJson(200, { ok: true }));
      other.handle(sendJson(200, { other: true }));
      manager = new AccessTokenManager({
        clients: {
          orders: {
            tokenEndpoint: `${tokenEndpoint.url}/token`,
            clientId: 'orders-caller',
            clientSecret: 'orders-secret',
            baseURL: api.url,
          },
        },
      });
      http = axios.create({ baseURL: api.url, adapter });
      attachAccessToken(http, manager, 'orders');
    });
    afterEach(() => {
      for (const server of [tokenEndpoint, api, other]) server.requests.length = 0;
    });

    const issuedTokens = () => tokenEndpoint.requests.length;
    const sentAuthorization = (server: ScriptedServer) => server.requests.map((r) => r.headers.authorization);

    it('sends the token as "Bearer <token>" to its own origin and reuses it', async () => {
      await http.get('/orders');
      await http.get('/orders?page=2');
      const [first, second] = sentAuthorization(api);
      expect(first).toMatch(/^Bearer tok_/);
      expect(second).toBe(first);
      expect(issuedTokens()).toBe(1);
    });

    it("replaces the caller's own Authorization header, however spelt: one header, the client's token", async () => {
      await http.get('/orders', { headers: { authorization: 'Bearer forged' } });
      await http.get('/orders', { headers: { AUTHORIZATION: 'Bearer forged', 'x-trace': 't2' } });
      const token = await manager.getAccessToken('orders');
      for (const request of api.requests) {
        const lines = request.rawHeaders.filter(
          (_, i, all) => i % 2 === 0 && /^authorization$/i.test(all[i]!),
        );
        expect(lines).toHaveLength(1);
        expect(request.headers.authorization).toBe(`Bearer ${token.value}`);
      }
      expect(api.requests[1]?.headers['x-trace']).toBe('t2');
    });

    it('sends no token to an absolute URL of another origin', async () => {
      await http.get(`${other.url}/steal`);
      expect(other.requests).toHaveLength(1);
      expect(other.requests[0]?.headers.authorization).toBeUndefined();
      expect(issuedTokens()).toBe(0);
    });

    it('sends no token to a protocol-relative //host URL of another origin', async () => {
      await http.get(`//${new URL(other.url).host}/steal`).catch(() => undefined);
      expect(sentAuthorization(other).filter(Boolean)).toEqual([]);
      expect(issuedTokens()).toBe(0);
    });

    it('sends no token to the same host on another port or scheme', async () => {
      const sameHostOtherPort = new URL(other.url);
      expect(sameHostOtherPort.hostname).toBe(new URL(api.url).hostname);
      await http.get(`${sameHostOtherPort.origin}/x`);
      expect(other.requests[0]?.headers.authorization).toBeUndefined();
    });

    it('does carry the token on an absolute URL of its own origin', async () => {
      await http.get(`${api.url}/orders`);
      expect(api.requests[0]?.headers.authorization).toMatch(/^Bearer /);
    });

    it('does not forward the token across a redirect to another origin', async () => {
      api.handle((_request, response) => {
        response.writeHead(302, { location: `${other.url}/landing` });
        response.end();
      });
      const response = await http.get('/orders');
      expect(response.data).toEqual({ other: true });
      expect(api.requests[0]?.headers.authorization).toMatch(/^Bearer /);
      expect(other.requests).toHaveLength(1);
      expect(other.requests[0]?.headers.authorization).toBeUndefined();
    });

    it('does not forward the token on a same-origin redirect either', async () => {
      api.handle((request, response) => {
        if (request.url === '/old') {
          response.writeHead(307, { location: '/new' });
          response.end();
        } else sendJson(200, { path: request.url })(request, response);
      });
      await http.get('/old');
      expect(sentAuthorization(api)).toEqual([expect.stringMatching(/^Bearer /), undefined]);
    });

    it('renews the token and retries once on 401 invalid_token, then succeeds', async () => {
      let calls = 0;
      api.handle((request, response) => {
        calls += 1;
        if (calls === 1) {
          sendJson(
            401,
            {},
            { 'www-authenticate': 'Bearer realm="api", error="invalid_token"' },
          )(request, response);
        } else sendJson(200, { ok: true })(request, response);
      });
      const response = await http.post('/orders', { item: 'x' });
      expect(response.status).toBe(200);
      const [rejected, retried] = sentAuthorization(api);
      expect(retried).toMatch(/^Bearer /);
      expect(retried).not.toBe(rejected);
      expect(api.requests.map((r) => r.body)).toEqual(['{"item":"x"}', '{"item":"x"}']);
      expect(issuedTokens()).toBe(2);
    });

    it('also retries a 401 whose challenge carries no error code', async () => {
      let calls = 0;
      api.handle((request, response) => {
        calls += 1;
        if (calls === 1) sendJson(401, {}, { 'www-authenticate': 'Bearer realm="api"' })(request, response);
        else sendJson(200, { ok: true })(request, response);
      });
      await expect(http.get('/orders')).resolves.toMatchObject({ status: 200 });
      expect(api.requests).toHaveLength(2);
    });

    it('retries exactly once when the API answers 401 forever', async () => {
      api.handle(sendJson(401, {}, { 'www-authenticate': 'Bearer error="invalid_token"' }));
      await expect(http.get('/orders')).rejects.toMatchObject({ response: { status: 401 } });
      expect(api.requests).toHaveLength(2);
      expect(issuedTokens()).toBe(2);
    });

    it('does not retry a 401 whose challenge names another error', async () => {
      api.handle(sendJson(401, {}, { 'www-authenticate': 'Bearer error="invalid_request"' }));
      await expect(http.get('/orders')).rejects.toMatchObject({ response: { status: 401 } });
      expect(api.requests).toHaveLength(1);
    });

    it('never retries a 403', async () => {
      api.handle(
        sendJson(403, {}, { 'www-authenticate': 'Bearer error="insufficient_scope", scope="orders.write"' }),
      );
      await expect(http.post('/orders', {})).rejects.toMatchObject({ response: { status: 403 } });
      expect(api.requests).toHaveLength(1);
      expect(issuedTokens()).toBe(1);
    });

    it('does not replay a streamed body after a 401: the 401 is surfaced', async () => {
      api.handle(sendJson(401, {}, { 'www-authenticate': 'Bearer error="invalid_token"' }));
      const body = Readable.from([Buffer.from('streamed payload')]);
      await expect(
        http.post('/upload', body, { headers: { 'content-type': 'application/octet-stream' } }),
      ).rejects.toMatchObject({ response: { status: 401 } });
      expect(api.requests).toHaveLength(1);
      expect(api.requests[0]?.body).toBe('streamed payload');
    });

    it('renews once when many concurrent requests get 401 for the same token', async () => {
      const rejected = await manager.getAccessToken('orders');
      api.handle((request, response) => {
        if (request.headers.authorization === `Bearer ${rejected.value}`) {
          sendJson(401, {}, { 'www-authenticate': 'Bearer error="invalid_token"' })(request, response);
        } else sendJson(200, { ok: true })(request, response);
      });
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => http.get('/orders')));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(20);
      expect(api.requests).toHaveLength(40);
      expect(issuedTokens()).toBe(2); // the rejected one, and one renewal for all twenty
    });

    it('a request the caller sends again (its own retry interceptor) carries the token again', async () => {
      api.handle((request, response) =>
        (api.requests.length === 1 ? sendJson(503, {}) : sendJson(200, { ok: true }))(request, response),
      );
      http.interceptors.response.use(undefined, (error: AxiosError) =>
        error.response?.status === 503 && error.config ? http.request(error.config) : Promise.reject(error),
      );
      expect((await http.get('/orders')).status).toBe(200);
      const token = await manager.getAccessToken('orders');
      expect(sentAuthorization(api)).toEqual([`Bearer ${token.value}`, `Bearer ${token.value}`]);
      expect(issuedTokens()).toBe(1);
    });

    it('sends no request at all when no token can be had, and fails with the typed error', async () => {
      tokenEndpoint.handle(sendJson(401, { error: 'invalid_client' }));
      await expect(http.get('/orders')).rejects.toMatchObject({
        code: 'ERR_TOKEN_ENDPOINT_ERROR',
        error: 'invalid_client',
      });
      expect(api.requests).toHaveLength(0);
    });

    it('redacts the token from axios errors, so logging one leaks nothing', async () => {
      api.handle(sendJson(500, { boom: true }));
      const error = await http.get('/orders').catch((caught: unknown) => caught);
      const token = await manager.getAccessToken('orders');
      expect(api.requests[0]?.headers.authorization).toBe(`Bearer ${token.value}`);
      expect(inspect(error, { depth: 6 })).not.toContain(token.value);
      expect(JSON.stringify(error)).not.toContain(token.value);
    });

    it('redacts the token from a successful response too: inspected, serialised, or its request alone', async () => {
      const response = await http.get('/orders');
      const token = await manager.getAccessToken('orders');
      expect(api.requests[0]?.headers.authorization).toBe(`Bearer ${token.value}`);
      expect(inspect(response, { depth: 8 })).not.toContain(token.value);
      expect(inspect(response.request, { depth: 8 })).not.toContain(token.value);
      expect(circularSafeJson(response)).not.toContain(token.value);
      expect(response.request).toBeDefined(); // still there for code that asks for it
    });

    it('stops adding tokens once detached', async () => {
      const plain = axios.create({ baseURL: api.url, adapter });
      const detach = attachAccessToken(plain, manager, 'orders');
      detach();
      await plain.get('/orders');
      expect(api.requests[0]?.headers.authorization).toBeUndefined();
    });

    it('refuses an axios instance with no origin to pin', () => {
      const bare = new AccessTokenManager({
        clients: { x: { tokenEndpoint: `${tokenEndpoint.url}/token`, clientId: 'a', clientSecret: 'b' } },
      });
      expect(() => attachAccessToken(axios.create(), bare, 'x')).toThrow(
        expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
      );
    });
  },
);
