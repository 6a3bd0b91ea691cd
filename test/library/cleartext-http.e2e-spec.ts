import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import axios from 'axios';
import {
  AccessTokenManager,
  attachAccessToken,
  type AccessTokenOptions,
} from 'nestjs-access-token-management';
import { sendJson, startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { issueTokens } from '../support/token-responses.js';

/** A host name that is not loopback; nothing in these tests ever connects to it. */
const REMOTE = 'http://orders.internal.example';

describe('plain http to hosts other than loopback', () => {
  let server: ScriptedServer;
  const managers: AccessTokenManager[] = [];

  beforeAll(async () => {
    server = await startScriptedServer();
  });
  afterAll(() => server.close());
  afterEach(async () => {
    await Promise.all(managers.splice(0).map((m) => m.close()));
    server.requests.length = 0;
  });

  function manager(client: Partial<AccessTokenOptions['clients'][string]> = {}): AccessTokenManager {
    const created = new AccessTokenManager({
      clients: {
        orders: {
          tokenEndpoint: `${server.url}/token`,
          clientId: 'orders-caller',
          clientSecret: 'orders-secret',
          ...client,
        },
      },
    });
    managers.push(created);
    return created;
  }

  it('refuses a client whose API base URL is plain http on a remote host', () => {
    expect(() => manager({ baseURL: REMOTE })).toThrow(
      expect.objectContaining({
        code: 'ERR_CONFIG_INVALID',
        message: 'clients.orders.baseURL must use https (plain http is allowed only for loopback hosts)',
      }),
    );
  });

  it('refuses to attach the token to an axios instance pinned to a remote http origin', () => {
    const tokens = manager();
    expect(() => attachAccessToken(axios.create({ baseURL: `${REMOTE}/api` }), tokens, 'orders')).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID', clientName: 'orders' }),
    );
    expect(() => attachAccessToken(axios.create(), tokens, 'orders', { origin: REMOTE })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
    );
    expect(server.requests).toHaveLength(0);
  });

  it('with allowInsecureHttp, the client may use a remote http API', () => {
    const tokens = manager({ baseURL: REMOTE, allowInsecureHttp: true });
    expect(tokens.getClient('orders').baseURL).toBe(REMOTE);
    expect(() => attachAccessToken(axios.create(), tokens, 'orders')).not.toThrow();
  });

  it('sends nothing to a remote http token endpoint that discovery names, and says why', async () => {
    server.handle((request, response) => {
      if (request.url.startsWith('/.well-known/')) {
        sendJson(200, { issuer: server.url, token_endpoint: `${REMOTE}/token` })(request, response);
      } else {
        issueTokens()(request, response);
      }
    });
    const tokens = manager({ tokenEndpoint: undefined, issuer: server.url, requestTimeoutMs: 2_000 });
    await expect(tokens.getAccessToken('orders')).rejects.toMatchObject({
      code: 'ERR_DISCOVERY_FAILED',
      message: expect.stringContaining(`plain http at ${REMOTE}`),
    });
    // Discovery only: the token request with the client secret was never sent anywhere.
    expect(server.requests.length).toBeGreaterThan(0);
    expect(server.requests.filter((request) => !request.url.startsWith('/.well-known/'))).toEqual([]);
  });
});
