import { describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';

import { tokenServerSettingsFromEnv } from './token-server.config.js';

const BASE = { TOKEN_SERVER_CLIENT_SECRET: 'main-secret' };
const publicJwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
const files: Record<string, string> = {
  'jwks.json': JSON.stringify({ keys: [publicJwk] }),
  'server.crt': 'CERT',
  'server.key': 'KEY',
};
const readFile = (path: string) => {
  const content = files[path];
  if (content === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
  return content;
};

describe('the token server sample clients from env', () => {
  it('registers none without their settings, and the DPoP and private_key_jwt clients with them', () => {
    expect(tokenServerSettingsFromEnv(BASE, readFile).clients).toHaveLength(1);
    const settings = tokenServerSettingsFromEnv(
      {
        ...BASE,
        TOKEN_SERVER_DPOP_CLIENT_SECRET: 'dpop-secret',
        TOKEN_SERVER_JWT_CLIENT_JWKS_FILE: 'jwks.json',
      },
      readFile,
    );
    expect(settings.clients.slice(1)).toEqual([
      {
        clientId: 'orders-caller-dpop',
        clientSecret: 'dpop-secret',
        scope: 'orders.read orders.write',
        authMethod: 'client_secret_basic',
        dpopBoundAccessTokens: true,
      },
      {
        clientId: 'orders-caller-jwt',
        scope: 'orders.read orders.write',
        authMethod: 'private_key_jwt',
        jwks: { keys: [publicJwk] },
      },
    ]);
    expect(settings.tls).toBeUndefined();
    expect(settings.issuer).toBe('http://localhost:4000');
  });

  it('serves https with TLS files and then registers a certificate-bound tls_client_auth client', () => {
    const settings = tokenServerSettingsFromEnv(
      {
        ...BASE,
        TOKEN_SERVER_TLS_CERT_FILE: 'server.crt',
        TOKEN_SERVER_TLS_KEY_FILE: 'server.key',
        TOKEN_SERVER_MTLS_CLIENT_SUBJECT_DN: 'CN=orders-caller-mtls',
      },
      readFile,
    );
    expect(settings.issuer).toBe('https://localhost:4000');
    expect(settings.tls).toEqual({ cert: 'CERT', key: 'KEY' });
    expect(settings.clients[1]).toEqual({
      clientId: 'orders-caller-mtls',
      scope: 'orders.read orders.write',
      authMethod: 'tls_client_auth',
      tlsClientAuthSubjectDn: 'CN=orders-caller-mtls',
      certificateBoundAccessTokens: true,
    });
  });

  it.each([
    [{ TOKEN_SERVER_MTLS_CLIENT_SUBJECT_DN: 'CN=x' }, 'TOKEN_SERVER_MTLS_CLIENT_SUBJECT_DN needs TLS'],
    [{ TOKEN_SERVER_TLS_CERT_FILE: 'server.crt' }, 'must be set together'],
    [
      { TOKEN_SERVER_TLS_CERT_FILE: 'nope.crt', TOKEN_SERVER_TLS_KEY_FILE: 'server.key' },
      'cannot be read (ENOENT)',
    ],
    [{ TOKEN_SERVER_JWT_CLIENT_JWKS: '{"keys":[' }, 'TOKEN_SERVER_JWT_CLIENT_JWKS must be a JWK Set as JSON'],
    [
      { TOKEN_SERVER_JWT_CLIENT_JWKS: JSON.stringify({ keys: [{ ...publicJwk, d: 'private-part' }] }) },
      'TOKEN_SERVER_JWT_CLIENT_JWKS must hold public keys only',
    ],
  ])('refuses %j', (env, message) => {
    let thrown: unknown;
    try {
      tokenServerSettingsFromEnv({ ...BASE, ...env }, readFile);
    } catch (error) {
      thrown = error;
    }
    expect((thrown as Error).message).toContain(message);
    expect((thrown as Error).message).not.toContain('private-part');
  });
});
