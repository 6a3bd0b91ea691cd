import { describe, expect, it } from '@jest/globals';

import { CLIENT_AUTH_METHODS, providerClientAuthMethods } from './client-auth-methods.js';
import { assertValidTokenServerSettings, type TokenServerSettings } from './token-server.config.js';

describe('the token server client authentication methods', () => {
  it('registers the secret and key methods with oidc-provider, and the mutual TLS ones only over TLS', () => {
    expect(providerClientAuthMethods(false)).toEqual([
      'client_secret_basic',
      'client_secret_post',
      'client_secret_jwt',
      'private_key_jwt',
    ]);
    expect(providerClientAuthMethods(true)).toEqual([
      ...providerClientAuthMethods(false),
      'tls_client_auth',
      'self_signed_tls_client_auth',
    ]);
    expect(CLIENT_AUTH_METHODS).toEqual(providerClientAuthMethods(true));
  });

  it('refuses a client registered with a method outside that list, naming the list', () => {
    const settings = {
      issuer: 'http://127.0.0.1:4000',
      ttlSeconds: 300,
      resource: 'http://localhost:3001',
      clients: [{ clientId: 'c', clientSecret: 's', scope: 'orders.read', authMethod: 'none' }],
    } as unknown as TokenServerSettings;
    expect(() => assertValidTokenServerSettings(settings)).toThrow(
      `clients[0].authMethod must be one of ${CLIENT_AUTH_METHODS.join(', ')}`,
    );
  });
});
