import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import axios from 'axios';
import { Keyv } from 'keyv';
import {
  AccessTokenError,
  AccessTokenManager,
  attachAccessToken,
  type AccessTokenOptions,
} from 'nestjs-access-token-management';
import { sendJson, sendText, startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { issueTokens } from '../support/token-responses.js';

const SECRET = 'secret+:%&with-odd-characters';

describe('AccessTokenManager against a token endpoint on loopback', () => {
  let endpoint: ScriptedServer;
  let clock: number;
  const now = () => clock;

  beforeAll(async () => {
    endpoint = await startScriptedServer();
  });
  afterAll(() => endpoint.close());
  const managers: AccessTokenManager[] = [];
  const track = (created: AccessTokenManager) => (managers.push(created), created);
  afterEach(async () => {
    await Promise.all(managers.splice(0).map((m) => m.close()));
    endpoint.requests.length = 0;
  });
  const until = async (condition: () => boolean) => {
    for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(condition()).toBe(true);
  };

  function manager(
    overrides: Partial<AccessTokenOptions['clients'][string]> = {},
    options: Partial<AccessTokenOptions> = {},
    random?: () => number,
  ) {
    clock = Date.parse('2026-01-01T00:00:00Z');
    endpoint.handle(issueTokens());
    return track(
      new AccessTokenManager(
        {
          clients: {
            orders: {
              tokenEndpoint: `${endpoint.url}/token`,
              clientId: 'orders-caller',
              clientSecret: SECRET,
              scope: 'orders.read',
              ...overrides,
            },
          },
          ...options,
        },
        { now, random },
      ),
    );
  }
  const requestedScopes = () => endpoint.requests.map((r) => new URLSearchParams(r.body).get('scope'));

  it('makes one token request for 500 concurrent calls and gives all of them the same token', async () => {
    const tokens = manager();
    const results = await Promise.all(Array.from({ length: 500 }, () => tokens.getAccessToken('orders')));
    expect(endpoint.requests).toHaveLength(1);
    expect(new Set(results.map((token) => token.value)).size).toBe(1);
    expect(results[0]?.type).toBe('Bearer');
  });

  it('without background refresh, serves the cached token until 60 s before expiry, then renews it', async () => {
    const tokens = manager({}, { refreshAhead: false });
    const first = await tokens.getAccessToken('orders');
    clock += 239_000;
    expect((await tokens.getAccessToken('orders')).value).toBe(first.value);
    expect(endpoint.requests).toHaveLength(1);
    clock += 2_000;
    const renewed = await tokens.getAccessToken('orders');
    expect(renewed.value).not.toBe(first.value);
    expect(endpoint.requests).toHaveLength(2);
  });

  it('peekAccessToken: the token a call would be served now without waiting, else undefined', async () => {
    const tokens = manager({}, { refreshAhead: false });
    expect(tokens.peekAccessToken('orders')).toBeUndefined(); // nothing fetched yet: the caller must wait
    const first = await tokens.getAccessToken('orders');
    expect(tokens.peekAccessToken('orders')).toBe(first);
    expect(tokens.peekAccessToken('orders', { scope: 'orders.write' })).toBeUndefined(); // another key
    expect(tokens.peekAccessToken('billing')).toBeUndefined(); // unknown client: getAccessToken says why
    clock += 241_000; // past the renewal point without background refresh: a call would wait on a renewal
    expect(tokens.peekAccessToken('orders')).toBeUndefined();
    expect(endpoint.requests).toHaveLength(1);
    const renewed = await tokens.getAccessToken('orders');
    expect(tokens.peekAccessToken('orders')).toBe(renewed);
    await tokens.deleteAccessToken('orders');
    expect(tokens.peekAccessToken('orders')).toBeUndefined();
  });

  it('peekAccessToken past the renewal point: undefined (the store is read), then the renewed token', async () => {
    const tokens = manager();
    const first = await tokens.getAccessToken('orders');
    clock += 241_000;
    expect(tokens.peekAccessToken('orders')).toBeUndefined();
    expect((await tokens.getAccessToken('orders')).value).toBe(first.value); // served, renewed behind
    await until(() => endpoint.requests.length === 2);
    await until(() => tokens.peekAccessToken('orders') !== undefined);
    expect(tokens.peekAccessToken('orders')?.value).not.toBe(first.value);
  });

  it('renews a token after it expired', async () => {
    const tokens = manager({}, { refreshBeforeExpirySeconds: 0, refreshAhead: false });
    const first = await tokens.getAccessToken('orders');
    clock += 299_000;
    expect((await tokens.getAccessToken('orders')).value).toBe(first.value);
    clock += 2_000;
    expect((await tokens.getAccessToken('orders')).value).not.toBe(first.value);
    expect(endpoint.requests).toHaveLength(2);
  });

  it('past the renewal point, keeps serving the cached token while renewing it in the background', async () => {
    const tokens = manager();
    const first = await tokens.getAccessToken('orders');
    clock += 241_000;
    expect((await tokens.getAccessToken('orders')).value).toBe(first.value);
    await until(() => endpoint.requests.length === 2);
    await until(() => tokens.getStatus()[0]?.validUntil?.getTime() === clock + 300_000);
    expect((await tokens.getAccessToken('orders')).value).not.toBe(first.value);
    expect(endpoint.requests).toHaveLength(2);
  });

  it('caps the renewal buffer at half the lifetime of a short token', async () => {
    const tokens = manager({}, { refreshAhead: false });
    endpoint.handle(issueTokens({ expires_in: 30 }));
    const first = await tokens.getAccessToken('orders');
    clock += 14_000;
    expect((await tokens.getAccessToken('orders')).value).toBe(first.value);
    clock += 2_000;
    expect((await tokens.getAccessToken('orders')).value).not.toBe(first.value);
    expect(endpoint.requests).toHaveLength(2);
  });

  it('assumes the default lifetime of 300 s when expires_in is missing', async () => {
    const tokens = manager();
    endpoint.handle(issueTokens({ expires_in: undefined }));
    const token = await tokens.getAccessToken('orders');
    expect(token.expiresAt.getTime()).toBe(clock + 300_000);
  });

  it('never serves one scope set the token of another, and treats scope order as irrelevant', async () => {
    const tokens = manager();
    const read = await tokens.getAccessToken('orders', { scope: 'orders.read' });
    const write = await tokens.getAccessToken('orders', { scope: 'orders.write' });
    const both = await tokens.getAccessToken('orders', { scope: 'orders.write orders.read' });
    const bothAgain = await tokens.getAccessToken('orders', { scope: 'orders.read  orders.write' });
    expect(new Set([read.value, write.value, both.value]).size).toBe(3);
    expect(bothAgain.value).toBe(both.value);
    expect(endpoint.requests.map((r) => new URLSearchParams(r.body).get('scope'))).toEqual([
      'orders.read',
      'orders.write',
      'orders.read orders.write',
    ]);
  });

  it('keeps tokens for different resources apart and sends the resource indicator', async () => {
    const tokens = manager();
    const a = await tokens.getAccessToken('orders', { resource: 'https://a.example' });
    const b = await tokens.getAccessToken('orders', { resource: 'https://b.example' });
    expect(a.value).not.toBe(b.value);
    expect(endpoint.requests.map((r) => new URLSearchParams(r.body).get('resource'))).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
  });

  it('sends extra parameters with the request', async () => {
    const tokens = manager({ parameters: { audience: 'orders', tenant: 't1' } });
    await tokens.getAccessToken('orders');
    const body = new URLSearchParams(endpoint.requests[0]?.body);
    expect(body.get('audience')).toBe('orders');
    expect(body.get('tenant')).toBe('t1');
    expect(body.get('grant_type')).toBe('client_credentials');
  });

  it('fetches a new token on forceRenewal and caches it for later callers', async () => {
    const tokens = manager();
    const first = await tokens.getAccessToken('orders');
    const forced = await tokens.getAccessToken('orders', { forceRenewal: true });
    expect(forced.value).not.toBe(first.value);
    expect((await tokens.getAccessToken('orders')).value).toBe(forced.value);
    expect(endpoint.requests).toHaveLength(2);
  });

  it('forgets a token on deleteAccessToken', async () => {
    const tokens = manager();
    const first = await tokens.getAccessToken('orders');
    await tokens.deleteAccessToken('orders');
    expect((await tokens.getAccessToken('orders')).value).not.toBe(first.value);
  });

  it('encodes client_secret_basic credentials as RFC 6749 §2.3.1 requires', async () => {
    const tokens = manager();
    await tokens.getAccessToken('orders');
    const header = endpoint.requests[0]?.headers.authorization ?? '';
    const decoded = Buffer.from(header.replace(/^Basic /, ''), 'base64').toString();
    // Each part is form-urlencoded before joining, so the ':' inside the secret cannot split it.
    expect(decoded).toContain('%2B%3A%25%26');
    const [id, secret, ...rest] = decoded.split(':');
    expect(rest).toEqual([]);
    const formDecode = (part = '') => decodeURIComponent(part.replace(/\+/g, ' '));
    expect([formDecode(id), formDecode(secret)]).toEqual(['orders-caller', SECRET]);
    expect(endpoint.requests[0]?.body).not.toContain('client_secret');
  });

  it('sends client_secret_post credentials in the body', async () => {
    const tokens = manager({ authMethod: 'client_secret_post' });
    await tokens.getAccessToken('orders');
    const body = new URLSearchParams(endpoint.requests[0]?.body);
    expect(body.get('client_id')).toBe('orders-caller');
    expect(body.get('client_secret')).toBe(SECRET);
    expect(endpoint.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('normalises the token type: bearer becomes Bearer', async () => {
    const tokens = manager();
    endpoint.handle(issueTokens({ token_type: 'bearer' }));
    expect((await tokens.getAccessToken('orders')).type).toBe('Bearer');
  });

  it('does not show the token value when the token is logged or serialised', async () => {
    const tokens = manager();
    const token = await tokens.getAccessToken('orders');
    const { inspect } = await import('node:util');
    expect(JSON.stringify(token)).not.toContain(token.value);
    expect(inspect(token)).not.toContain(token.value);
  });

  it('caches in any Keyv store given, which two managers can share', async () => {
    const entries = new Map<string, unknown>();
    const store = new Keyv({ store: entries });
    const first = manager({}, { cache: store, allowPlaintextCache: true });
    const token = await first.getAccessToken('orders');
    expect([...entries.keys()]).toEqual([expect.stringMatching(/^keyv:atm:orders:/)]);
    const second = manager({}, { cache: store, allowPlaintextCache: true });
    expect((await second.getAccessToken('orders')).value).toBe(token.value);
    expect(endpoint.requests).toHaveLength(1);
  });

  it('rejects a malformed per-call scope or resource with ERR_INVALID_ARGUMENT, before any request', async () => {
    const tokens = manager();
    await expect(tokens.getAccessToken('orders', { scope: 'orders.read "quoted"' })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
    await expect(tokens.getAccessToken('orders', { resource: 'relative/path' })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
    await expect(
      tokens.getAccessToken('orders', { resource: 'https://api.example/#frag' }),
    ).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
    expect(endpoint.requests).toHaveLength(0);
  });

  it('never serves a token deleted during a background renewal, not even when that renewal fails', async () => {
    const tokens = manager();
    const first = await tokens.getAccessToken('orders');
    clock += 241_000; // past the renewal point
    let fail: () => void = () => undefined;
    endpoint.handle((request, response) => {
      fail = () => sendJson(503, { down: true })(request, response);
    });
    expect((await tokens.getAccessToken('orders')).value).toBe(first.value); // starts the renewal
    await until(() => endpoint.requests.length === 2);
    await tokens.deleteAccessToken('orders');
    const afterDelete = tokens.getAccessToken('orders').then(
      (token) => token.value,
      (error: AccessTokenError) => error.code,
    );
    fail();
    expect(await afterDelete).toBe('ERR_TOKEN_ENDPOINT_UNAVAILABLE');
    // Within the backoff window: still the error, never the deleted token.
    await expect(tokens.getAccessToken('orders')).rejects.toMatchObject({
      code: 'ERR_TOKEN_ENDPOINT_UNAVAILABLE',
    });
  });

  it("means by scope: '' a request without a scope parameter, cached apart from the client's default scope", async () => {
    const tokens = manager(); // default scope: orders.read
    const unscoped = await tokens.getAccessToken('orders', { scope: '' });
    const blank = await tokens.getAccessToken('orders', { scope: '  ' });
    const byDefault = await tokens.getAccessToken('orders');
    expect(blank.value).toBe(unscoped.value);
    expect(byDefault.value).not.toBe(unscoped.value);
    expect(requestedScopes()).toEqual([null, 'orders.read']);

    // A client without a default scope: no scope and scope '' are the same request, so the same token.
    const plain = manager({ scope: undefined });
    endpoint.requests.length = 0;
    const none = await plain.getAccessToken('orders');
    expect((await plain.getAccessToken('orders', { scope: '' })).value).toBe(none.value);
    expect(requestedScopes()).toEqual([null]);
  });

  it("never serves an invalid scope or resource another call's token, whatever characters they hold", async () => {
    const tokens = manager();
    // Joined with the old lookup key's separator these two calls were the same string.
    const valid = await tokens.getAccessToken('orders', {
      scope: 'a',
      resource: 'https://r.example/x\u0000y',
    });
    expect(valid.type).toBe('Bearer');
    await expect(
      tokens.getAccessToken('orders', { scope: 'a\u0000https://r.example/x', resource: 'y' }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    // ...and this one was the key of a call without arguments.
    await tokens.getAccessToken('orders');
    await expect(tokens.getAccessToken('orders', { scope: '\u0001' })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
    expect(endpoint.requests).toHaveLength(2);
  });

  it('bounds forced renewals when the API rejects every token: the backoff applies to them too', async () => {
    const api = await startScriptedServer((_request, response) => {
      response.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' });
      response.end();
    });
    try {
      const tokens = manager({ baseURL: api.url });
      const http = axios.create({ baseURL: api.url });
      attachAccessToken(http, tokens, 'orders');
      const statuses: number[] = [];
      for (let call = 0; call < 20; call++) {
        statuses.push(
          await http.get('/orders').then(
            (r) => r.status,
            (e: { response?: { status: number } }) => e.response?.status ?? 0,
          ),
        );
      }
      expect(statuses).toEqual(Array(20).fill(401));
      expect(api.requests.length).toBe(40); // every call was retried once...
      expect(endpoint.requests.length).toBe(2); // ...but only the first forced renewal went to the token endpoint
      clock += 10_001; // after the backoff delay, a forced renewal is made again
      await http.get('/orders').catch(() => undefined);
      expect(endpoint.requests).toHaveLength(3);
    } finally {
      await api.close();
    }
  });

  it('retries a failing token endpoint every base delay while no token is usable, so recovery takes a second', async () => {
    const tokens = manager({}, {}, () => 0.99); // the dice fall high: the longest backoff delays
    endpoint.handle(sendJson(503, { down: true }));
    for (let step = 0; step < 100; step++) {
      await tokens.getAccessToken('orders').catch(() => undefined);
      clock += 100;
    }
    // 10 s of outage: at most one attempt per base delay (1 s), whatever the call rate.
    expect(endpoint.requests.length).toBeLessThanOrEqual(11);
    endpoint.handle(issueTokens());
    clock += 1_000;
    await expect(tokens.getAccessToken('orders')).resolves.toMatchObject({ type: 'Bearer' });
  });

  it('rejects an unknown client name with ERR_CLIENT_NOT_FOUND', async () => {
    const tokens = manager();
    await expect(tokens.getAccessToken('billing')).rejects.toMatchObject({ code: 'ERR_CLIENT_NOT_FOUND' });
  });

  describe('when the token endpoint fails', () => {
    // Every row has four entries: jest-each reads a row shorter than the function's arity as a `done` callback.
    const failures: Array<
      [string, Parameters<ScriptedServer['handle']>[0], string, Record<string, unknown>]
    > = [
      [
        'an HTML 500',
        sendText(500, '<html><body>Internal error</body></html>'),
        'ERR_TOKEN_ENDPOINT_UNAVAILABLE',
        {},
      ],
      [
        'a 503 with JSON but no OAuth error',
        sendJson(503, { status: 'down' }),
        'ERR_TOKEN_ENDPOINT_UNAVAILABLE',
        {},
      ],
      ['bad JSON', sendText(200, '{"access_token": ', 'application/json'), 'ERR_TOKEN_RESPONSE_INVALID', {}],
      [
        'no access_token',
        sendJson(200, { token_type: 'Bearer', expires_in: 60 }),
        'ERR_TOKEN_RESPONSE_INVALID',
        {},
      ],
      [
        'a non-positive expires_in',
        sendJson(200, { access_token: 'x', token_type: 'Bearer', expires_in: 0 }),
        'ERR_TOKEN_RESPONSE_INVALID',
        {},
      ],
      [
        'an unsupported token type',
        sendJson(200, { access_token: 'x', token_type: 'mac', expires_in: 60 }),
        'ERR_TOKEN_RESPONSE_INVALID',
        {},
      ],
      [
        'invalid_client',
        sendJson(401, { error: 'invalid_client', error_description: 'client authentication failed' }),
        'ERR_TOKEN_ENDPOINT_ERROR',
        { error: 'invalid_client', status: 401, errorDescription: 'client authentication failed' },
      ],
      [
        'invalid_scope',
        sendJson(400, { error: 'invalid_scope' }),
        'ERR_TOKEN_ENDPOINT_ERROR',
        { error: 'invalid_scope', status: 400 },
      ],
      [
        'a redirect (not followed)',
        (_request, response) => {
          response.writeHead(302, { location: `${endpoint.url}/elsewhere` });
          response.end();
        },
        'ERR_TOKEN_RESPONSE_INVALID',
        {},
      ],
    ];

    it.each(failures)(
      'turns %s into a typed error, caches nothing, leaks no secret',
      async (_name, handler, code, fields) => {
        const tokens = manager();
        endpoint.handle(handler);
        const error = await tokens.getAccessToken('orders').catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(AccessTokenError);
        expect(error).toMatchObject({ code, clientName: 'orders', ...fields });
        expect(String((error as Error).message)).not.toContain(SECRET);
        expect(JSON.stringify(error)).not.toContain(SECRET);
        // Nothing cached, and no request per caller: within the backoff window the same error comes back at once...
        await expect(tokens.getAccessToken('orders')).rejects.toBe(error);
        expect(endpoint.requests.filter((r) => !r.url.includes('elsewhere'))).toHaveLength(1);
        // ...after it the next call asks again, and succeeds once the endpoint does.
        clock += 10_001;
        endpoint.handle(issueTokens());
        await expect(tokens.getAccessToken('orders')).resolves.toMatchObject({ type: 'Bearer' });
        expect(endpoint.requests.filter((r) => !r.url.includes('elsewhere'))).toHaveLength(2);
      },
    );

    it('rejects all concurrent callers with the error of their one shared request', async () => {
      const tokens = manager();
      endpoint.handle(sendJson(400, { error: 'invalid_scope' }));
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, () => tokens.getAccessToken('orders')),
      );
      expect(results.every((r) => r.status === 'rejected')).toBe(true);
      expect(endpoint.requests).toHaveLength(1);
    });

    it('times out a hanging token endpoint with ERR_TOKEN_ENDPOINT_UNAVAILABLE', async () => {
      const tokens = manager({ requestTimeoutMs: 300 });
      endpoint.handle(() => undefined);
      const started = Date.now();
      await expect(tokens.getAccessToken('orders')).rejects.toMatchObject({
        code: 'ERR_TOKEN_ENDPOINT_UNAVAILABLE',
        message: expect.stringContaining('timed out'),
      });
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('reports an unreachable token endpoint as ERR_TOKEN_ENDPOINT_UNAVAILABLE', async () => {
      const down = await startScriptedServer();
      await down.close();
      const tokens = manager({ tokenEndpoint: `${down.url}/token` });
      await expect(tokens.getAccessToken('orders')).rejects.toMatchObject({
        code: 'ERR_TOKEN_ENDPOINT_UNAVAILABLE',
      });
    });

    it('keeps serving a still-valid token when renewing it fails', async () => {
      const tokens = manager();
      const first = await tokens.getAccessToken('orders');
      clock += 250_000; // past the renewal point, 50 s before expiry
      endpoint.handle(sendText(502, 'bad gateway', 'text/plain'));
      expect((await tokens.getAccessToken('orders')).value).toBe(first.value);
      clock += 46_000; // 4 s before expiry: too close to rely on
      await expect(tokens.getAccessToken('orders')).rejects.toMatchObject({
        code: 'ERR_TOKEN_ENDPOINT_UNAVAILABLE',
      });
    });
  });
});
