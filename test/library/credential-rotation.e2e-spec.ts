import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import axios from 'axios';
import { createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, SignJWT, type JWK } from 'jose';
import {
  AccessTokenError,
  AccessTokenHealthIndicator,
  AccessTokenManager,
  accessTokenOptionsFromEnv,
  attachAccessToken,
  type TokenLogger,
} from 'nestjs-access-token-management';

import type { TokenServerClient } from '../../apps/token-server/src/token-server.config.js';
import { startOrdersApi, type RunningOrdersApi } from '../support/apps/start-orders-api.js';
import { startTokenServer, type RunningTokenServer } from '../support/apps/start-token-server.js';
import { SecretVolume } from '../support/secret-volume.js';

const SCOPE = 'orders.read orders.write';
const OLD_SECRET = 'old-secret-of-the-rotating-client';
const NEW_SECRET = 'new-secret-of-the-rotating-client';

/** A logger that keeps every line, to count warnings and look for secrets. */
function recordingLogger(): TokenLogger & { warnings: string[]; lines: string[] } {
  const warnings: string[] = [];
  const lines: string[] = [];
  return {
    warnings,
    lines,
    log: (message) => lines.push(message),
    warn: (message) => {
      warnings.push(message);
      lines.push(message);
    },
    debug: (message) => lines.push(message),
  };
}

function privateJwk(key: KeyObject, kid: string): string {
  return JSON.stringify({ ...key.export({ format: 'jwk' }), kid, alg: 'ES256' });
}

function publicJwk(key: KeyObject, kid: string) {
  return { ...(createPublicKey(key).export({ format: 'jwk' }) as Record<string, unknown>), kid };
}

/**
 * Credentials that change while the service runs, against the real oidc-provider (whose client registrations change
 * too, through a client registry) and the real orders-api, with files swapped the way the kubelet swaps a secret
 * volume (new directory, one atomic `..data` rename).
 */
describe('credentials that change while the service runs', () => {
  /** The token server's current registrations of the clients that rotate. */
  const registry = new Map<string, TokenServerClient>();
  let beforeTokenRequest: (() => Promise<void>) | undefined;
  let tokenServer: RunningTokenServer;
  let api: RunningOrdersApi;
  const managers: AccessTokenManager[] = [];
  const volumes: SecretVolume[] = [];

  beforeAll(async () => {
    tokenServer = await startTokenServer(
      { ttlSeconds: 4, registry: { find: (clientId) => registry.get(clientId) } },
      { beforeTokenRequest: () => beforeTokenRequest?.() },
    );
    api = await startOrdersApi({ issuer: tokenServer.url });
  });

  afterAll(async () => {
    await Promise.all(managers.map((manager) => manager.close()));
    await Promise.all(volumes.map((volume) => volume.remove()));
    await api?.close();
    await tokenServer?.close();
  });

  async function volume(files: Record<string, string>): Promise<SecretVolume> {
    const created = await SecretVolume.create(files);
    volumes.push(created);
    return created;
  }

  function managerFromEnv(env: Record<string, string>, logger = recordingLogger()) {
    const tokens = new AccessTokenManager(
      accessTokenOptionsFromEnv({
        ACCESS_TOKEN_CLIENTS: 'orders',
        ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT: tokenServer.tokenEndpoint,
        ACCESS_TOKEN_ORDERS_SCOPE: SCOPE,
        ACCESS_TOKEN_ORDERS_BASE_URL: api.url,
        ACCESS_TOKEN_BACKOFF_BASE_MS: '500',
        ...env,
      }),
      { logger },
    );
    managers.push(tokens);
    return { tokens, logger };
  }

  /** A call to the API every 20 ms for 10 s, `rotate` run at a random moment in between; counts what failed. */
  async function callsUnderLoad(tokens: AccessTokenManager, rotate: () => Promise<void>) {
    const http = axios.create({ baseURL: api.url });
    attachAccessToken(http, tokens, 'orders');
    const failures: string[] = [];
    let calls = 0;
    const rotation = sleep(1000 + Math.random() * 7000).then(rotate);
    const pending: Array<Promise<void>> = [];
    for (const end = Date.now() + 10_000; Date.now() < end; await sleep(20)) {
      calls += 1;
      pending.push(
        http.get('/orders').then(
          () => undefined,
          (error: { code?: string; message: string }) => void failures.push(error.code ?? error.message),
        ),
      );
    }
    await Promise.all([...pending, rotation]);
    return { calls, failures };
  }

  describe.each([
    ['the server learns it first', 'server-first'],
    ['the file changes first', 'file-first'],
  ] as const)('under load, when %s', (_title, order) => {
    it('a rotated client secret (CLIENT_SECRET_FILE): 0 failed calls, at most one refused token request', async () => {
      const clientId = `orders-caller-secret-${order}`;
      registry.set(clientId, { clientId, clientSecret: OLD_SECRET, scope: SCOPE });
      const secrets = await volume({ 'client-secret': `${OLD_SECRET}\n` });
      const { tokens, logger } = managerFromEnv({
        ACCESS_TOKEN_ORDERS_CLIENT_ID: clientId,
        ACCESS_TOKEN_ORDERS_CLIENT_SECRET_FILE: secrets.path('client-secret'),
      });
      const requestsBefore = tokenServer.tokenRequests();
      const refusedBefore = tokenServer.refusedTokenRequests();
      const serverLearns = async () =>
        void registry.set(clientId, { clientId, clientSecret: NEW_SECRET, scope: SCOPE });
      const fileChanges = () => secrets.update({ 'client-secret': `${NEW_SECRET}\n` });

      const { calls, failures } = await callsUnderLoad(tokens, async () => {
        await (order === 'server-first' ? serverLearns() : fileChanges());
        await sleep(50);
        await (order === 'server-first' ? fileChanges() : serverLearns());
      });

      const refused = tokenServer.refusedTokenRequests() - refusedBefore;
      console.info(
        `secret rotation (${order}): ${calls} calls, ${failures.length} failed, ` +
          `${tokenServer.tokenRequests() - requestsBefore} token requests, ${refused} refused`,
      );
      expect(calls).toBeGreaterThan(200);
      expect(failures).toEqual([]);
      expect(refused).toBeLessThanOrEqual(1);
      // The new secret is in use: a token request now succeeds though the server knows only the new secret.
      await tokens.deleteAccessToken('orders');
      await expect(tokens.getAccessToken('orders')).resolves.toMatchObject({ type: 'Bearer' });
      expect(logger.lines.join('\n')).not.toMatch(/old-secret|new-secret/);
    });

    it('a rotated private_key_jwt key (new kid in the client JWKS): 0 failed calls, at most one refused', async () => {
      const clientId = `orders-caller-key-${order}`;
      const oldKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      const newKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      const registration = (key: KeyObject, kid: string): TokenServerClient => ({
        clientId,
        scope: SCOPE,
        authMethod: 'private_key_jwt',
        jwks: { keys: [publicJwk(key, kid) as never] },
      });
      registry.set(clientId, registration(oldKey, 'key-1'));
      const keys = await volume({ 'client.jwk': privateJwk(oldKey, 'key-1') });
      const { tokens } = managerFromEnv({
        ACCESS_TOKEN_ORDERS_CLIENT_ID: clientId,
        ACCESS_TOKEN_ORDERS_AUTH_METHOD: 'private_key_jwt',
        ACCESS_TOKEN_ORDERS_PRIVATE_KEY_FILE: keys.path('client.jwk'),
      });
      const requestsBefore = tokenServer.tokenRequests();
      const refusedBefore = tokenServer.refusedTokenRequests();
      const serverLearns = async () => void registry.set(clientId, registration(newKey, 'key-2'));
      const fileChanges = () => keys.update({ 'client.jwk': privateJwk(newKey, 'key-2') });

      const { calls, failures } = await callsUnderLoad(tokens, async () => {
        await (order === 'server-first' ? serverLearns() : fileChanges());
        await sleep(50);
        await (order === 'server-first' ? fileChanges() : serverLearns());
      });

      const refused = tokenServer.refusedTokenRequests() - refusedBefore;
      console.info(
        `key rotation (${order}): ${calls} calls, ${failures.length} failed, ` +
          `${tokenServer.tokenRequests() - requestsBefore} token requests, ${refused} refused`,
      );
      expect(calls).toBeGreaterThan(200);
      expect(failures).toEqual([]);
      expect(refused).toBeLessThanOrEqual(1);
      await tokens.deleteAccessToken('orders');
      await tokens.getAccessToken('orders');
      const kids = tokenServer.clientAssertions
        .slice(-1)
        .map(
          (jwt) => JSON.parse(Buffer.from(jwt.split('.')[0] as string, 'base64url').toString()).kid as string,
        );
      expect(kids).toEqual(['key-2']);
    });
  });

  it('on invalid_client, re-reads the files and retries once when they changed meanwhile (0 failed calls)', async () => {
    const clientId = 'orders-caller-mid-request';
    registry.set(clientId, { clientId, clientSecret: OLD_SECRET, scope: SCOPE });
    const secrets = await volume({ 'client-secret': OLD_SECRET });
    const { tokens } = managerFromEnv({
      ACCESS_TOKEN_ORDERS_CLIENT_ID: clientId,
      ACCESS_TOKEN_ORDERS_CLIENT_SECRET_FILE: secrets.path('client-secret'),
    });
    // The server knows only the new secret; the file changes while the request with the old one is on its way.
    registry.set(clientId, { clientId, clientSecret: NEW_SECRET, scope: SCOPE });
    const requestsBefore = tokenServer.tokenRequests();
    const refusedBefore = tokenServer.refusedTokenRequests();
    let swap: Promise<void> | undefined;
    beforeTokenRequest = () => (swap ??= secrets.update({ 'client-secret': NEW_SECRET }));
    try {
      const token = await tokens.getAccessToken('orders');
      expect(decodeJwt(token.value)).toMatchObject({ client_id: clientId });
    } finally {
      beforeTokenRequest = undefined;
    }
    expect(tokenServer.tokenRequests() - requestsBefore).toBe(2);
    expect(tokenServer.refusedTokenRequests() - refusedBefore).toBe(1);
    expect(tokens.getStatus()[0]).toMatchObject({ valid: true, failures: 0 });
  });

  it('a tenant registered at runtime with a secret file: its rotated secret is used for its next token', async () => {
    const clientId = 'orders-caller-tenant';
    registry.set(clientId, { clientId, clientSecret: OLD_SECRET, scope: SCOPE });
    const secrets = await volume({ 'client-secret': `${OLD_SECRET}\n` });
    const { tokens } = managerFromEnv({
      ACCESS_TOKEN_ORDERS_CLIENT_ID: 'orders-caller-static',
      ACCESS_TOKEN_ORDERS_CLIENT_SECRET: OLD_SECRET,
    });
    tokens.registerClient('tenant-7', {
      tokenEndpoint: tokenServer.tokenEndpoint,
      clientId,
      clientSecretFile: secrets.path('client-secret'),
      scope: SCOPE,
    });
    expect(decodeJwt((await tokens.getAccessToken('tenant-7')).value)).toMatchObject({ client_id: clientId });

    registry.set(clientId, { clientId, clientSecret: NEW_SECRET, scope: SCOPE });
    await secrets.update({ 'client-secret': `${NEW_SECRET}\n` });
    const requestsBefore = tokenServer.tokenRequests();
    const refusedBefore = tokenServer.refusedTokenRequests();
    const renewed = await tokens.getAccessToken('tenant-7', { forceRenewal: true });
    expect(decodeJwt(renewed.value)).toMatchObject({ client_id: clientId });
    expect(tokenServer.tokenRequests() - requestsBefore).toBe(1);
    expect(tokenServer.refusedTokenRequests() - refusedBefore).toBe(0);
  });

  it('a rotated DPoP key: the next token is bound to it and the API gets proofs of it', async () => {
    const clientId = 'orders-caller-dpop-rotating';
    registry.set(clientId, { clientId, clientSecret: OLD_SECRET, scope: SCOPE, dpopBoundAccessTokens: true });
    const oldKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const newKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const keys = await volume({ 'dpop.jwk': privateJwk(oldKey, 'dpop-1') });
    const { tokens } = managerFromEnv({
      ACCESS_TOKEN_ORDERS_CLIENT_ID: clientId,
      ACCESS_TOKEN_ORDERS_CLIENT_SECRET: OLD_SECRET,
      ACCESS_TOKEN_ORDERS_DPOP: 'true',
      ACCESS_TOKEN_ORDERS_DPOP_PRIVATE_KEY_FILE: keys.path('dpop.jwk'),
    });
    const http = axios.create({ baseURL: api.url });
    attachAccessToken(http, tokens, 'orders');
    const jkt = (key: KeyObject) =>
      calculateJwkThumbprint(createPublicKey(key).export({ format: 'jwk' }) as JWK);

    const first = await tokens.getAccessToken('orders');
    expect(decodeJwt(first.value).cnf).toEqual({ jkt: await jkt(oldKey) });
    expect((await http.get('/orders')).status).toBe(200);

    await keys.update({ 'dpop.jwk': privateJwk(newKey, 'dpop-2') });
    const requestsBefore = tokenServer.tokenRequests();
    const renewed = await tokens.getAccessToken('orders', { forceRenewal: true });
    expect(decodeJwt(renewed.value).cnf).toEqual({ jkt: await jkt(newKey) });
    expect(tokenServer.tokenRequests() - requestsBefore).toBe(1);
    expect((await http.get('/orders')).status).toBe(200);
    const proof = api.requests.at(-1)?.dpop as string;
    expect(api.requests.at(-1)?.authorization).toBe(`DPoP ${renewed.value}`);
    expect(await calculateJwkThumbprint(decodeProtectedHeader(proof).jwk as JWK)).toBe(await jkt(newKey));
  });

  describe('the platform signs the assertion (workload identity)', () => {
    const platformKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const strangerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const clientId = 'orders-caller-workload';

    beforeAll(() => {
      registry.set(clientId, {
        clientId,
        scope: SCOPE,
        authMethod: 'private_key_jwt',
        jwks: { keys: [publicJwk(platformKey, 'platform-1') as never] },
      });
    });

    /** What the platform writes: a projected service-account token with the token endpoint as audience. */
    function platformToken(key: KeyObject = platformKey, expiresAt: string | number = '5m'): Promise<string> {
      return new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: 'platform-1' })
        .setIssuer(clientId)
        .setSubject(clientId)
        .setAudience(tokenServer.tokenEndpoint)
        .setIssuedAt()
        .setExpirationTime(expiresAt)
        .setJti(randomUUID())
        .sign(key);
    }

    it('CLIENT_ASSERTION_FILE: each token request carries the file as it is then', async () => {
      const first = await platformToken();
      const files = await volume({ token: `${first}\n` });
      const { tokens } = managerFromEnv({
        ACCESS_TOKEN_ORDERS_CLIENT_ID: clientId,
        ACCESS_TOKEN_ORDERS_AUTH_METHOD: 'private_key_jwt',
        ACCESS_TOKEN_ORDERS_CLIENT_ASSERTION_FILE: files.path('token'),
      });
      await tokens.getAccessToken('orders');
      expect(tokenServer.clientAssertions.at(-1)).toBe(first);

      const second = await platformToken();
      await files.update({ token: second });
      await tokens.deleteAccessToken('orders');
      await tokens.getAccessToken('orders');
      expect(tokenServer.clientAssertions.at(-1)).toBe(second);
    });

    it('clientAssertion callback: called for each token request', async () => {
      const given: string[] = [];
      const tokens = new AccessTokenManager({
        clients: {
          orders: {
            tokenEndpoint: tokenServer.tokenEndpoint,
            clientId,
            authMethod: 'private_key_jwt',
            scope: SCOPE,
            clientAssertion: async () => {
              given.push(await platformToken());
              return given.at(-1) as string;
            },
          },
        },
      });
      managers.push(tokens);
      await tokens.getAccessToken('orders');
      await tokens.getAccessToken('orders', { forceRenewal: true });
      expect(given).toHaveLength(2);
      expect(tokenServer.clientAssertions.slice(-2)).toEqual(given);
    });

    it('an assertion the server rejects: ERR_TOKEN_ENDPOINT_ERROR invalid_client, naming the client, not the JWT', async () => {
      const forged = await platformToken(strangerKey);
      const files = await volume({ token: forged });
      const { tokens, logger } = managerFromEnv({
        ACCESS_TOKEN_ORDERS_CLIENT_ID: clientId,
        ACCESS_TOKEN_ORDERS_AUTH_METHOD: 'private_key_jwt',
        ACCESS_TOKEN_ORDERS_CLIENT_ASSERTION_FILE: files.path('token'),
      });
      const error = (await tokens
        .getAccessToken('orders')
        .catch((caught: unknown) => caught)) as AccessTokenError;
      expect(error).toBeInstanceOf(AccessTokenError);
      expect(error).toMatchObject({
        code: 'ERR_TOKEN_ENDPOINT_ERROR',
        error: 'invalid_client',
        clientName: 'orders',
      });
      expect(error.message).toContain("'orders'");
      expect(error.message).not.toContain(forged);
      expect(logger.lines.join('\n')).not.toContain(forged.split('.')[2]);
    });

    it('an expired or unreadable assertion: ERR_CLIENT_ASSERTION_INVALID before anything is sent', async () => {
      const expired = await platformToken(platformKey, Math.floor(Date.now() / 1000) - 60);
      const files = await volume({ token: expired });
      const env = {
        ACCESS_TOKEN_ORDERS_CLIENT_ID: clientId,
        ACCESS_TOKEN_ORDERS_AUTH_METHOD: 'private_key_jwt',
        ACCESS_TOKEN_ORDERS_CLIENT_ASSERTION_FILE: files.path('token'),
      };
      const { tokens } = managerFromEnv(env);
      const { tokens: later } = managerFromEnv(env);
      const before = tokenServer.tokenRequests();
      const error = (await tokens
        .getAccessToken('orders')
        .catch((caught: unknown) => caught)) as AccessTokenError;
      expect(error).toMatchObject({ code: 'ERR_CLIENT_ASSERTION_INVALID', clientName: 'orders' });
      expect(error.message).toContain('ACCESS_TOKEN_ORDERS_CLIENT_ASSERTION_FILE');
      expect(error.message).toContain('expired');
      expect(error.message).not.toContain(expired);

      // The platform's file gone (the pod lost its projected volume): the same, before anything is sent.
      await files.delete('token');
      const unreadable = (await later
        .getAccessToken('orders')
        .catch((caught: unknown) => caught)) as AccessTokenError;
      expect(unreadable).toMatchObject({ code: 'ERR_CLIENT_ASSERTION_INVALID', clientName: 'orders' });
      expect(unreadable.message).toContain('could not be read (ENOENT)');
      expect(tokenServer.tokenRequests()).toBe(before);
    });
  });

  it('a deleted credential file: the last good secret keeps working, one warning, health shows it', async () => {
    const clientId = 'orders-caller-deleted-file';
    registry.set(clientId, { clientId, clientSecret: OLD_SECRET, scope: SCOPE });
    const secrets = await volume({ 'client-secret': OLD_SECRET });
    const { tokens, logger } = managerFromEnv({
      ACCESS_TOKEN_ORDERS_CLIENT_ID: clientId,
      ACCESS_TOKEN_ORDERS_CLIENT_SECRET_FILE: secrets.path('client-secret'),
    });
    const first = await tokens.getAccessToken('orders');
    await secrets.delete('client-secret');
    const requestsBefore = tokenServer.tokenRequests();

    // The cached token serves; each renewal (here: after a deletion of the token) uses the secret read before.
    expect((await tokens.getAccessToken('orders')).value).toBe(first.value);
    for (let renewal = 0; renewal < 3; renewal += 1) {
      await tokens.deleteAccessToken('orders');
      await tokens.getAccessToken('orders');
    }
    expect(tokenServer.tokenRequests() - requestsBefore).toBe(3);
    const fileWarnings = logger.warnings.filter((line) => line.includes('CLIENT_SECRET_FILE'));
    expect(fileWarnings).toEqual([
      "Credential file of client 'orders': ACCESS_TOKEN_ORDERS_CLIENT_SECRET_FILE names a file that cannot be read " +
        '(ENOENT); the value read before stays in use',
    ]);
    expect(tokens.getStatus()[0]).toMatchObject({
      valid: true,
      failures: 0,
      credentialProblem: 'ACCESS_TOKEN_ORDERS_CLIENT_SECRET_FILE names a file that cannot be read (ENOENT)',
    });
    expect(new AccessTokenHealthIndicator(tokens).check().access_tokens.status).toBe('degraded');
    expect(logger.lines.join('\n')).not.toContain(OLD_SECRET);

    // The file back: the next check finds it, and the problem is gone.
    await secrets.update({ 'client-secret': OLD_SECRET });
    await symlink(join('..data', 'client-secret'), secrets.path('client-secret'));
    await tokens.deleteAccessToken('orders');
    await tokens.getAccessToken('orders');
    expect(tokens.getStatus()[0]?.credentialProblem).toBeUndefined();
    expect(new AccessTokenHealthIndicator(tokens).check().access_tokens.status).toBe('up');
  });
});
