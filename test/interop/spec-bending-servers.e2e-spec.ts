import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AccessTokenManager,
  TokenEndpointError,
  type ClientCredentialsClientOptions,
} from 'nestjs-access-token-management';

import {
  sendJson,
  sendText,
  startScriptedServer,
  type ScriptedHandler,
  type ScriptedServer,
} from '../support/scripted-server.js';
import { issueTokens } from '../support/token-responses.js';

const SECRET = "s3cret-._~*!'()+:%&/= é";

/**
 * What deployed authorization servers do that the specs do not quite say, on a scripted token endpoint: Basic
 * credentials that servers which never form-decode still accept, and refusals without an OAuth error body.
 */
describe('servers that bend the spec', () => {
  let endpoint: ScriptedServer;
  const managers: AccessTokenManager[] = [];

  beforeAll(async () => {
    endpoint = await startScriptedServer();
  });
  afterEach(async () => {
    await Promise.all(managers.splice(0).map((manager) => manager.close()));
    endpoint.requests.length = 0;
  });
  afterAll(() => endpoint.close());

  function manager(client: Partial<ClientCredentialsClientOptions> = {}): AccessTokenManager {
    const created = new AccessTokenManager({
      clients: {
        orders: {
          tokenEndpoint: `${endpoint.url}/token`,
          clientId: 'orders-caller.v2_x',
          clientSecret: SECRET,
          ...client,
        },
      },
    });
    managers.push(created);
    return created;
  }

  it('client_secret_basic: form-encodes only what application/x-www-form-urlencoded requires (-._* stay)', async () => {
    endpoint.handle(issueTokens());
    await manager().getAccessToken('orders');
    const header = endpoint.requests[0]?.headers.authorization ?? '';
    expect(header.startsWith('Basic ')).toBe(true);
    // A server that does not decode sees the id as registered; `:` and `%` in the secret stay unambiguous.
    expect(Buffer.from(header.slice('Basic '.length), 'base64').toString()).toBe(
      'orders-caller.v2_x:s3cret-._%7E*%21%27%28%29%2B%3A%25%26%2F%3D+%C3%A9',
    );
    // A server that does decode gets back exactly the id and the secret.
    const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString();
    const [id, secret] = decoded.split(':').map((part) => new URLSearchParams(`v=${part}`).get('v'));
    expect([id, secret]).toEqual(['orders-caller.v2_x', SECRET]);
  });

  describe('a refusal without an OAuth error body', () => {
    const refusals: Array<[string, ScriptedHandler, number, string | undefined]> = [
      ['a 403 with an empty body (glewlwyd)', sendText(403, '', 'text/plain'), 403, undefined],
      ['a 403 HTML page', sendText(403, '<html><body>Forbidden</body></html>'), 403, undefined],
      ['a 403 with JSON but no OAuth error', sendJson(403, { message: 'Forbidden' }), 403, undefined],
      ['a 401 with an empty body and no challenge', sendText(401, '', 'text/plain'), 401, 'invalid_client'],
      ['a 401 HTML page', sendText(401, '<html><body>Unauthorized</body></html>'), 401, 'invalid_client'],
    ];

    it.each(refusals)(
      '%s: ERR_TOKEN_ENDPOINT_ERROR with the status, an honest error and a hint at the credentials',
      async (_name, handler, status, error) => {
        endpoint.handle(handler);
        const caught = await manager()
          .getAccessToken('orders')
          .catch((thrown: unknown) => thrown);
        expect(caught).toBeInstanceOf(TokenEndpointError);
        expect(caught).toMatchObject({
          code: 'ERR_TOKEN_ENDPOINT_ERROR',
          clientName: 'orders',
          status,
          error,
        });
        const { message } = caught as Error;
        expect(message).toContain(`[HTTP ${status}]`);
        expect(message).toMatch(/check the client id, its secret, key or certificate/);
        expect(message).not.toMatch(/content-type/i);
        expect(`${message} ${JSON.stringify(caught)}`).not.toContain('s3cret');
        expect(endpoint.requests).toHaveLength(1);
      },
    );

    it('keeps a non-standard error code as given (scope_invalid), without the credentials hint', async () => {
      endpoint.handle(sendJson(400, { error: 'scope_invalid' }));
      const caught = await manager()
        .getAccessToken('orders')
        .catch((thrown: unknown) => thrown);
      expect(caught).toMatchObject({ code: 'ERR_TOKEN_ENDPOINT_ERROR', error: 'scope_invalid', status: 400 });
      expect((caught as Error).message).toBe(
        "Token endpoint refused client 'orders': scope_invalid [HTTP 400]",
      );
    });

    it('an OAuth invalid_client gets the credentials hint too', async () => {
      endpoint.handle(sendJson(401, { error: 'invalid_client' }));
      await expect(manager().getAccessToken('orders')).rejects.toThrow(
        "Token endpoint refused client 'orders': invalid_client [HTTP 401]: check the client id, its secret, key or certificate, and that the server allows this authentication method",
      );
    });
  });
});
