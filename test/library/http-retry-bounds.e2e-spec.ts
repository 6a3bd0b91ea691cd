import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import axios, { type AxiosInstance } from 'axios';
import { decodeJwt } from 'jose';
import { AccessTokenManager, attachAccessToken } from 'nestjs-access-token-management';
import {
  sendJson,
  startScriptedServer,
  type RecordedRequest,
  type ScriptedServer,
} from '../support/scripted-server.js';
import { issueTokens } from '../support/token-responses.js';

/** How many refusals the scripted API gives before it gives in: a retry loop shows up as ~this many requests. */
const REFUSALS_BEFORE_GIVING_IN = 10;

const INVALID_TOKEN = { 'www-authenticate': 'Bearer error="invalid_token"' };
const useDPoPNonce = (nonce: string) => ({
  'www-authenticate': 'DPoP error="use_dpop_nonce", error_description="Resource server requires nonce"',
  'dpop-nonce': nonce,
});

/**
 * The retries of the interceptor are bounded on every axios of the peer range (`npm run test:lowest-peers` runs this
 * file on the lowest): an API that refuses every request gets the request and its one retry, never a loop. The API
 * gives in after a few refusals, so a loop ends the call with a 200 and a request count far above the bound instead
 * of hanging the test.
 */
describe.each(['http', 'fetch'] as const)(
  'retries of attachAccessToken are bounded (%s adapter)',
  (adapter) => {
    let tokenEndpoint: ScriptedServer;
    let api: ScriptedServer;
    const managers: AccessTokenManager[] = [];

    beforeAll(async () => {
      [tokenEndpoint, api] = await Promise.all([startScriptedServer(), startScriptedServer()]);
    });
    afterAll(async () => {
      await Promise.all(managers.map((manager) => manager.close()));
      await Promise.all([tokenEndpoint.close(), api.close()]);
    });
    afterEach(() => {
      tokenEndpoint.requests.length = 0;
      api.requests.length = 0;
    });

    function client(dpop: boolean): AxiosInstance {
      tokenEndpoint.handle(issueTokens(dpop ? { token_type: 'DPoP' } : {}));
      const manager = new AccessTokenManager({
        clients: {
          orders: {
            tokenEndpoint: `${tokenEndpoint.url}/token`,
            clientId: 'orders-caller',
            clientSecret: 'orders-secret',
            baseURL: api.url,
            dpop,
          },
        },
      });
      managers.push(manager);
      const http = axios.create({ baseURL: api.url, adapter });
      attachAccessToken(http, manager, 'orders');
      return http;
    }

    /** Answers the first requests with `refuse(n)` (n from 1), then 200. */
    function refuseAtFirst(refuse: (n: number) => Record<string, string>): void {
      api.handle((request, response) => {
        const n = api.requests.length;
        if (n <= REFUSALS_BEFORE_GIVING_IN) sendJson(401, {}, refuse(n))(request, response);
        else sendJson(200, { gaveIn: true })(request, response);
      });
    }

    /** The call's outcome and what each server received, in one object, so a failure shows every figure. */
    async function counted(call: Promise<{ status: number }>) {
      const status = await call.then(
        (response) => response.status,
        (error: { response?: { status: number } }) => error.response?.status,
      );
      return { status, apiRequests: api.requests.length, tokenRequests: tokenEndpoint.requests.length };
    }

    const proofNonce = (request: RecordedRequest | undefined) =>
      decodeJwt(String(request?.headers.dpop)).nonce as string | undefined;

    it('an API answering 401 invalid_token to every request gets 2 requests and 1 forced renewal', async () => {
      const http = client(false);
      refuseAtFirst(() => INVALID_TOKEN);

      // The first token and one forced renewal.
      expect(await counted(http.get('/orders'))).toEqual({ status: 401, apiRequests: 2, tokenRequests: 2 });
      const [first, retry] = api.requests.map((request) => request.headers.authorization);
      expect(retry).not.toBe(first);
    });

    it('an API demanding a new DPoP nonce on every request gets 2 requests and no renewal', async () => {
      const http = client(true);
      refuseAtFirst((n) => useDPoPNonce(`nonce-${n}`));

      expect(await counted(http.get('/orders'))).toEqual({ status: 401, apiRequests: 2, tokenRequests: 1 });
      expect(proofNonce(api.requests[0])).toBeUndefined();
      expect(proofNonce(api.requests[1])).toBe('nonce-1');
    });

    it('a nonce demand and an invalid token get one retry each: 3 requests, 1 forced renewal', async () => {
      const http = client(true);
      refuseAtFirst((n) => (n % 2 === 1 ? useDPoPNonce(`nonce-${n}`) : INVALID_TOKEN));

      const outcome = await counted(http.post('/orders', { item: 'x' }));
      expect(outcome).toEqual({ status: 401, apiRequests: 3, tokenRequests: 2 });
      expect(api.requests.map((request) => request.body)).toEqual(Array(3).fill('{"item":"x"}'));
    });
  },
);
