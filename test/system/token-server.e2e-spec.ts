import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';

import { startTokenServer, type RunningTokenServer } from '../support/apps/start-token-server.js';

/** RFC 6749 section 2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded. */
function basicAuth(clientId: string, clientSecret: string): string {
  const encode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
}

function tokenRequest(
  server: RunningTokenServer,
  params: Record<string, string>,
  authorization?: string,
): Promise<Response> {
  return fetch(server.tokenEndpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      ...(authorization ? { authorization } : {}),
    },
    body: new URLSearchParams(params),
  });
}

describe('token server (oidc-provider, client credentials)', () => {
  const resource = 'http://orders-api.test:3001';
  const secret = 'se+cr:et%20&x=y /é'.replace('é', 'e'); // printable ASCII, every form-urlencoding trap
  let server: RunningTokenServer;

  beforeAll(async () => {
    server = await startTokenServer({
      ttlSeconds: 120,
      resource,
      clients: [
        { clientId: 'orders-caller', clientSecret: secret, scope: 'orders.read orders.write' },
        {
          clientId: 'reader',
          clientSecret: 'reader-secret',
          scope: 'orders.read',
          authMethod: 'client_secret_post',
        },
      ],
    });
  });

  afterAll(() => server?.close());

  it('publishes discovery with the token endpoint and JWKS it serves', async () => {
    const response = await fetch(`${server.url}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const metadata = (await response.json()) as Record<string, unknown>;
    expect(metadata.issuer).toBe(server.url);
    expect(metadata.token_endpoint).toBe(server.tokenEndpoint);
    expect(metadata.jwks_uri).toBe(server.jwksUri);
    expect(metadata.grant_types_supported).toEqual(['client_credentials']);
    expect(metadata.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['client_secret_basic', 'client_secret_post']),
    );
  });

  it('issues an at+jwt for the orders-api to a client whose Basic secret needs form-urlencoding', async () => {
    const before = server.tokenRequests();
    const response = await tokenRequest(
      server,
      { grant_type: 'client_credentials', scope: 'orders.read orders.write' },
      basicAuth('orders-caller', secret),
    );

    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 120, scope: 'orders.read orders.write' });
    expect(server.tokenRequests()).toBe(before + 1);

    const token = body.access_token as string;
    expect(decodeProtectedHeader(token)).toMatchObject({ typ: 'at+jwt', alg: 'RS256' });
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(server.jwksUri)), {
      issuer: server.url,
      audience: resource,
      typ: 'at+jwt',
    });
    expect(payload).toMatchObject({
      client_id: 'orders-caller',
      sub: 'orders-caller',
      scope: 'orders.read orders.write',
    });
    expect(payload.exp! - payload.iat!).toBe(120);
    expect(typeof payload.jti).toBe('string');
  });

  it('narrows the token to the scope asked for', async () => {
    const response = await tokenRequest(
      server,
      { grant_type: 'client_credentials', scope: 'orders.read' },
      basicAuth('orders-caller', secret),
    );
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.scope).toBe('orders.read');
  });

  it("grants the client's registered scopes when the request names none", async () => {
    const response = await tokenRequest(
      server,
      { grant_type: 'client_credentials' },
      basicAuth('orders-caller', secret),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ scope: 'orders.read orders.write' });
  });

  it('accepts the explicit resource indicator and rejects any other', async () => {
    const auth = basicAuth('orders-caller', secret);
    const ok = await tokenRequest(
      server,
      { grant_type: 'client_credentials', scope: 'orders.read', resource },
      auth,
    );
    expect(ok.status).toBe(200);

    const other = await tokenRequest(
      server,
      { grant_type: 'client_credentials', scope: 'orders.read', resource: 'http://elsewhere.test' },
      auth,
    );
    expect(other.status).toBe(400);
    expect(await other.json()).toMatchObject({ error: 'invalid_target' });
  });

  it('authenticates a client_secret_post client with the secret in the body', async () => {
    const response = await tokenRequest(server, {
      grant_type: 'client_credentials',
      scope: 'orders.read',
      client_id: 'reader',
      client_secret: 'reader-secret',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ scope: 'orders.read', expires_in: 120 });
  });

  it('answers 401 invalid_client to a wrong secret', async () => {
    const response = await tokenRequest(
      server,
      { grant_type: 'client_credentials', scope: 'orders.read' },
      basicAuth('orders-caller', 'wrong-secret'),
    );
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
  });

  it('rejects the secret sent raw, without the form-urlencoding RFC 6749 requires', async () => {
    const raw = `Basic ${Buffer.from(`orders-caller:${secret}`).toString('base64')}`;
    const response = await tokenRequest(
      server,
      { grant_type: 'client_credentials', scope: 'orders.read' },
      raw,
    );
    expect(response.status).toBe(401);
  });

  it('answers invalid_scope to a scope the server does not know', async () => {
    const response = await tokenRequest(
      server,
      { grant_type: 'client_credentials', scope: 'orders.delete' },
      basicAuth('orders-caller', secret),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_scope' });
  });

  it("answers invalid_scope to a known scope outside the client's allow-list", async () => {
    const response = await tokenRequest(server, {
      grant_type: 'client_credentials',
      scope: 'orders.write',
      client_id: 'reader',
      client_secret: 'reader-secret',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_scope' });
  });

  it('offers no grant but client credentials', async () => {
    const response = await tokenRequest(
      server,
      { grant_type: 'password', username: 'u', password: 'p' },
      basicAuth('orders-caller', secret),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });
});
