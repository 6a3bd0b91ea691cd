import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { AccessTokenManager } from 'nestjs-access-token-management';

import { sendJson, startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { issueTokens } from '../support/token-responses.js';

const OIDC = '/tenant-a/.well-known/openid-configuration';
const RFC8414 = '/.well-known/oauth-authorization-server/tenant-a';

/**
 * Discovery against a scripted metadata server that publishes one document or the other: OpenID Connect discovery
 * (the issuer + `/.well-known/openid-configuration`) or RFC 8414 (`/.well-known/oauth-authorization-server` + the
 * issuer's path). The issuer has a path, so the two locations differ; the issuer check applies to both.
 */
describe('discovery by either metadata document', () => {
  let server: ScriptedServer;
  let issuer: string;
  const managers: AccessTokenManager[] = [];

  beforeAll(async () => {
    server = await startScriptedServer();
    issuer = `${server.url}/tenant-a`;
  });
  afterEach(async () => {
    await Promise.all(managers.splice(0).map((manager) => manager.close()));
    server.requests.length = 0;
  });
  afterAll(() => server.close());

  /** Serves `documents` (path -> metadata issuer) and tokens at /tenant-a/token; anything else is a 404. */
  function publish(documents: Record<string, string>) {
    const tokens = issueTokens();
    server.handle((request, response) => {
      const path = request.url;
      if (path === '/tenant-a/token') return tokens(request, response);
      const documentIssuer = documents[path];
      if (documentIssuer === undefined) return sendJson(404, { error: 'not_found' })(request, response);
      return sendJson(200, { issuer: documentIssuer, token_endpoint: `${issuer}/token` })(request, response);
    });
  }

  function manager(): AccessTokenManager {
    const created = new AccessTokenManager({
      clients: {
        orders: { issuer, clientId: 'orders-caller', clientSecret: 'secret', scope: 'orders.read' },
      },
    });
    managers.push(created);
    return created;
  }

  const paths = () => server.requests.map((request) => `${request.method} ${request.url}`);

  it('a server with only RFC 8414 metadata (issuer path after the well-known segment): found, then reused', async () => {
    publish({ [RFC8414]: issuer });
    const tokens = manager();
    await tokens.getAccessToken('orders');
    await tokens.getAccessToken('orders', { forceRenewal: true });
    expect(paths()).toEqual([
      `GET ${OIDC}`,
      `GET ${RFC8414}`,
      'POST /tenant-a/token',
      'POST /tenant-a/token',
    ]);
  });

  it('a server with only OpenID Connect discovery: found with one request', async () => {
    publish({ [OIDC]: issuer });
    await manager().getAccessToken('orders');
    expect(paths()).toEqual([`GET ${OIDC}`, 'POST /tenant-a/token']);
  });

  it('RFC 8414 metadata naming another issuer: ERR_DISCOVERY_FAILED, no token request', async () => {
    publish({ [RFC8414]: `${server.url}/tenant-b` });
    const error = await manager()
      .getAccessToken('orders')
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'ERR_DISCOVERY_FAILED', clientName: 'orders' });
    expect((error as Error).message).toMatch(/oauth-authorization-server: .*issuer/);
    expect(paths()).toEqual([`GET ${OIDC}`, `GET ${RFC8414}`]);
  });

  it('neither document: ERR_DISCOVERY_FAILED naming both and their status', async () => {
    publish({});
    const error = await manager()
      .getAccessToken('orders')
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'ERR_DISCOVERY_FAILED' });
    expect((error as Error).message).toBe(
      `Discovery for client 'orders' found no usable metadata for ${issuer} ` +
        '(/.well-known/openid-configuration: HTTP 404; /.well-known/oauth-authorization-server: HTTP 404)',
    );
  });
});
