import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { inspect } from 'node:util';
import { decodeJwt } from 'jose';
import {
  AccessTokenManager,
  type AccessTokenOptions,
  type ClientCredentialsClientOptions,
} from 'nestjs-access-token-management';

import {
  startTokenServer,
  TEST_CLIENT,
  type RunningTokenServer,
} from '../support/apps/start-token-server.js';
import { startForwardProxy, type RunningForwardProxy } from '../support/forward-proxy.js';
import { createTestPki, type TestCredential, type TestPki } from '../support/test-pki.js';

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'];

/**
 * Token and discovery requests through a real forward proxy (the `proxy` npm server on a loopback port): plain http
 * goes to it as absolute URLs, https tunnels with CONNECT (mutual TLS inside the tunnel), `NO_PROXY` goes around it,
 * and a proxy that refuses gives a typed error naming the proxy, never its credentials.
 */
describe('token and discovery requests through a forward proxy', () => {
  let tokenServer: RunningTokenServer;
  let tlsTokenServer: RunningTokenServer;
  let pki: TestPki;
  let mtlsClient: TestCredential;
  let proxy: RunningForwardProxy;
  const managers: AccessTokenManager[] = [];
  const savedEnv = new Map(PROXY_VARIABLES.map((name) => [name, process.env[name]]));

  beforeAll(async () => {
    pki = await createTestPki();
    mtlsClient = await pki.client('orders-caller-mtls');
    [tokenServer, tlsTokenServer, proxy] = await Promise.all([
      startTokenServer(),
      startTokenServer({
        tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.ca.cert, mtlsEndpointAlias: true },
        clients: [
          {
            clientId: 'orders-caller-mtls',
            scope: TEST_CLIENT.scope,
            authMethod: 'tls_client_auth',
            tlsClientAuthSubjectDn: 'CN=orders-caller-mtls',
            certificateBoundAccessTokens: true,
          },
        ],
      }),
      startForwardProxy(),
    ]);
  });

  afterEach(async () => {
    await Promise.all(managers.splice(0).map((manager) => manager.close()));
    for (const [name, value] of savedEnv) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    proxy.log.length = 0;
  });

  afterAll(async () => {
    await proxy?.close();
    await tlsTokenServer?.close();
    await tokenServer?.close();
    await pki?.remove();
  });

  function manager(
    client: Partial<ClientCredentialsClientOptions> = {},
    module: Partial<AccessTokenOptions> = {},
  ): AccessTokenManager {
    const created = new AccessTokenManager({
      ...module,
      clients: {
        orders: {
          issuer: tokenServer.url,
          clientId: TEST_CLIENT.clientId,
          clientSecret: TEST_CLIENT.clientSecret,
          scope: TEST_CLIENT.scope,
          ...client,
        },
      },
    });
    managers.push(created);
    return created;
  }

  it('proxyUrl: discovery and the token request go to the proxy as absolute URLs (plain http)', async () => {
    const before = tokenServer.tokenRequests();
    const token = await manager({ proxyUrl: proxy.url }).getAccessToken('orders');

    expect(decodeJwt(token.value)).toMatchObject({ client_id: TEST_CLIENT.clientId });
    expect(tokenServer.tokenRequests()).toBe(before + 1);
    expect(proxy.log.map(({ method, target }) => `${method} ${target}`)).toEqual([
      `GET ${tokenServer.url}/.well-known/openid-configuration`,
      `POST ${tokenServer.tokenEndpoint}`,
    ]);
  });

  it("the module's proxyUrl serves every client without one of its own", async () => {
    await manager({}, { proxyUrl: proxy.url }).getAccessToken('orders');
    expect(proxy.log.map(({ method }) => method)).toEqual(['GET', 'POST']);
  });

  it('HTTP_PROXY from the environment, read as curl does (lower case first)', async () => {
    process.env.http_proxy = proxy.url;
    process.env.HTTP_PROXY = 'http://127.0.0.1:1'; // nothing listens there: the lower-case name must win
    await manager().getAccessToken('orders');
    expect(proxy.log.map(({ method }) => method)).toEqual(['GET', 'POST']);
  });

  it('NO_PROXY: a listed host is reached directly, the proxy sees nothing', async () => {
    process.env.HTTP_PROXY = proxy.url;
    process.env.NO_PROXY = 'example.org, 127.0.0.0/8';
    const before = tokenServer.tokenRequests();
    await manager().getAccessToken('orders');
    expect(tokenServer.tokenRequests()).toBe(before + 1);
    expect(proxy.log).toEqual([]);
  });

  it('https: CONNECT tunnels to the token server, mutual TLS inside it; the proxy reads no request', async () => {
    process.env.HTTPS_PROXY = proxy.url;
    const before = tlsTokenServer.tokenRequests();
    const token = await manager({
      issuer: tlsTokenServer.url,
      clientId: 'orders-caller-mtls',
      clientSecret: undefined,
      authMethod: 'tls_client_auth',
      tlsCertificate: mtlsClient.cert,
      tlsKey: mtlsClient.key,
      tlsCa: pki.ca.cert,
    }).getAccessToken('orders');

    expect(decodeJwt(token.value)).toMatchObject({ cnf: { 'x5t#S256': mtlsClient.thumbprint } });
    expect(tlsTokenServer.tokenRequests()).toBe(before + 1);
    const tunnels = new Set(proxy.log.map(({ method, target }) => `${method} ${target}`));
    expect(tunnels).toEqual(
      new Set([
        `CONNECT ${new URL(tlsTokenServer.url).host}`,
        `CONNECT ${new URL(tlsTokenServer.mtlsTokenEndpoint!).host}`,
      ]),
    );
    expect(proxy.log.every(({ sawAuthorization }) => !sawAuthorization)).toBe(true);
  });

  describe('a proxy that demands credentials', () => {
    let guarded: RunningForwardProxy;
    beforeAll(async () => {
      guarded = await startForwardProxy({ credentials: { user: 'svc', password: 'proxy-pa55' } });
    });
    afterEach(() => {
      guarded.log.length = 0;
    });
    afterAll(async () => {
      await guarded?.close();
    });

    it('gets them from the proxy URL, as Basic Proxy-Authorization', async () => {
      await manager({ proxyUrl: guarded.urlWithCredentials }).getAccessToken('orders');
      expect(guarded.log.map(({ method }) => method)).toEqual(['GET', 'POST']);
      expect(guarded.log[1]?.proxyAuthorization).toBe(`Basic ${btoa('svc:proxy-pa55')}`);
    });

    it('refused (407): ERR_TOKEN_ENDPOINT_UNAVAILABLE naming the proxy, never its password', async () => {
      const wrong = guarded.urlWithCredentials.replace('proxy-pa55', 'wrong-pa55');
      const tokens = manager({
        issuer: undefined,
        tokenEndpoint: tokenServer.tokenEndpoint,
        proxyUrl: wrong,
      });
      const error = await tokens.getAccessToken('orders').then(
        () => undefined,
        (failure: unknown) => failure as Error & { code?: string },
      );

      expect(error?.code).toBe('ERR_TOKEN_ENDPOINT_UNAVAILABLE');
      expect(error?.message).toContain(`proxy ${guarded.url}`);
      expect(error?.message).toContain('407');
      const shown = `${error?.message} ${error?.stack} ${inspect(error, { depth: 8 })} ${JSON.stringify(error)}`;
      expect(shown).not.toContain('wrong-pa55');
      expect(guarded.log).toHaveLength(1);
    });

    it('refused at discovery: ERR_DISCOVERY_FAILED naming the proxy, never its password', async () => {
      const wrong = guarded.urlWithCredentials.replace('proxy-pa55', 'wrong-pa55');
      const error = await manager({ proxyUrl: wrong })
        .getAccessToken('orders')
        .then(
          () => undefined,
          (failure: unknown) => failure as Error & { code?: string },
        );
      expect(error?.code).toBe('ERR_DISCOVERY_FAILED');
      expect(error?.message).toContain(`proxy ${guarded.url}`);
      expect(`${error?.message} ${inspect(error, { depth: 8 })}`).not.toContain('wrong-pa55');
    });
  });

  it('a proxy that cannot be reached: ERR_TOKEN_ENDPOINT_UNAVAILABLE naming it', async () => {
    const closed = await startForwardProxy();
    await closed.close();
    const error = await manager({
      issuer: undefined,
      tokenEndpoint: tokenServer.tokenEndpoint,
      proxyUrl: closed.urlWithCredentials,
    })
      .getAccessToken('orders')
      .then(
        () => undefined,
        (failure: unknown) => failure as Error & { code?: string },
      );
    expect(error?.code).toBe('ERR_TOKEN_ENDPOINT_UNAVAILABLE');
    expect(error?.message).toContain(`proxy ${closed.url}`);
    expect(`${error?.message} ${inspect(error, { depth: 8 })}`).not.toContain('password');
  });

  it('a bad proxy variable is ERR_CONFIG_INVALID naming the variable, never its value', () => {
    process.env.HTTPS_PROXY = 'ftp://user:s3cret@proxy.internal';
    let error: (Error & { code?: string }) | undefined;
    try {
      manager();
    } catch (failure) {
      error = failure as Error & { code?: string };
    }
    expect(error?.code).toBe('ERR_CONFIG_INVALID');
    expect(error?.message).toContain('HTTPS_PROXY');
    expect(error?.message).not.toContain('s3cret');
  });

  it('the fetch option: token and discovery requests go through the user’s own fetch', async () => {
    const seen: string[] = [];
    const own = (url: string, init: RequestInit) => {
      seen.push(`${init.method ?? 'GET'} ${url}`);
      return fetch(url, init);
    };
    await manager({ fetch: own }).getAccessToken('orders');
    expect(seen).toEqual([
      `GET ${tokenServer.url}/.well-known/openid-configuration`,
      `POST ${tokenServer.tokenEndpoint}`,
    ]);
  });

  it('the fetch option with a proxy: the user’s fetch gets the proxy as the undici dispatcher', async () => {
    let dispatched = 0;
    const own = (url: string, init: RequestInit & { dispatcher?: unknown }) => {
      if (init.dispatcher !== undefined) dispatched += 1;
      return fetch(url, init);
    };
    await manager({ fetch: own, proxyUrl: proxy.url }).getAccessToken('orders');
    expect(dispatched).toBe(2);
    expect(proxy.log.map(({ method }) => method)).toEqual(['GET', 'POST']);
  });
});
