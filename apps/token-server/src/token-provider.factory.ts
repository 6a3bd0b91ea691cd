import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import Provider, { errors } from 'oidc-provider';

import { providerClientAuthMethods } from './client-auth-methods.js';
import { toClientMetadata } from './client-metadata.js';
import { clientRegistryAdapter } from './client-registry.adapter.js';
import { mtlsFeature } from './mtls.feature.js';
import { generateSigningJwks } from './signing-key.factory.js';
import {
  assertValidTokenServerSettings,
  ORDERS_SCOPES,
  type TokenServerSettings,
} from './token-server.config.js';

/**
 * Builds an oidc-provider configured as a pure OAuth 2.0 token server: the client credentials grant only,
 * JWT access tokens (RFC 9068) for the one resource server (the orders-api), no user-facing endpoints.
 */
export async function createTokenProvider(settings: TokenServerSettings): Promise<Provider> {
  assertValidTokenServerSettings(settings);
  const jwks = await generateSigningJwks();

  const provider = new Provider(settings.issuer, {
    clients: settings.clients.map(toClientMetadata),
    // Clients whose registration changes while the server runs (a rotated secret or key): looked up per request.
    ...(settings.registry ? { adapter: clientRegistryAdapter(settings.registry) } : {}),
    jwks,
    // The provider enforces a client's `scope` allow-list only for scopes named here.
    scopes: [...ORDERS_SCOPES],
    // No authorization endpoint flows: discovery then advertises client_credentials as the only grant.
    responseTypes: [],
    clientAuthMethods: providerClientAuthMethods(settings.tls !== undefined),
    ...(settings.discovery ? { discovery: settings.discovery } : {}),
    ttl: { ClientCredentials: settings.ttlSeconds },
    features: {
      clientCredentials: { enabled: true },
      // Without a resource the provider issues opaque tokens and silently drops the scopes; resource indicators
      // with a default resource make every client credentials token a JWT whose `aud` is the orders-api.
      resourceIndicators: {
        enabled: true,
        defaultResource: () => settings.resource,
        useGrantedResource: () => true,
        // Called for the token request before the requested scopes are read, which makes it the place for the
        // scope policy as well.
        getResourceServerInfo: (ctx, resourceIndicator, client) => {
          if (resourceIndicator !== settings.resource) {
            throw new errors.InvalidTarget('the resource is not known to this server');
          }
          const params = ctx.oidc.params as { scope?: unknown } | undefined;
          if (params && (params.scope === undefined || params.scope === '')) {
            // RFC 6749 section 3.3: without `scope` the server uses a documented default, here everything the
            // client is registered for; oidc-provider alone would issue a token with no scope at all.
            params.scope = client.scope;
          }
          assertKnownScopes(params?.scope);
          return {
            scope: ORDERS_SCOPES.join(' '),
            audience: settings.resource,
            accessTokenFormat: 'jwt',
            accessTokenTTL: settings.ttlSeconds,
          };
        },
      },
      // A token server only: no login pages, no end-user endpoints, no alternative ways into the authorization
      // endpoint (no client can use it anyway, all have empty response_types).
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      userinfo: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      // RFC 9449: a token request with a DPoP proof gets a DPoP-bound token (`cnf.jkt`, token_type DPoP).
      dPoP: dpopFeature(settings),
      // RFC 8705: client certificates, when the server runs TLS (see mtls.feature.ts).
      ...(settings.tls ? { mTLS: mtlsFeature() } : {}),
    },
  });

  logProviderEvents(provider);
  return provider;
}

/**
 * oidc-provider treats a scope outside its `scopes` list as a possible dynamic scope and silently drops it, so
 * a client asking for `orders.delete` would get a token without it and learn nothing. RFC 6749 section 5.2
 * allows `invalid_scope` instead, which tells the developer about the typo at the first request.
 */
function assertKnownScopes(scopeParam: unknown): void {
  if (typeof scopeParam !== 'string') return;
  const known: readonly string[] = ORDERS_SCOPES;
  const unknown = scopeParam.split(' ').find((scope) => scope !== '' && !known.includes(scope));
  if (unknown !== undefined) {
    throw new errors.InvalidScope('requested scope is not supported by this resource', unknown);
  }
}

function dpopFeature(settings: TokenServerSettings) {
  return {
    enabled: true,
    // Nonces are stateless (HMAC of a time window); the secret lives as long as the process.
    ...(settings.dpopRequireNonce ? { nonceSecret: randomBytes(32), requireNonce: () => true } : {}),
  };
}

/**
 * Logs grants and failures for a developer watching the console. Only the client id and the OAuth error
 * travel to the log; the request (Authorization header, secret) and the issued token never do.
 */
function logProviderEvents(provider: Provider): void {
  const logger = new Logger('TokenServer');
  provider.on('grant.success', (ctx) => {
    logger.log(`issued a token to client "${ctx.oidc.client?.clientId ?? '?'}"`);
  });
  provider.on('grant.error', (ctx, error) => {
    logger.warn(`token request of client "${ctx.oidc.client?.clientId ?? '?'}" failed: ${describe(error)}`);
  });
  provider.on('server_error', (_ctx, error) => {
    logger.error(`server error: ${error instanceof Error ? error.message : String(error)}`);
  });
}

function describe(error: unknown): string {
  if (error instanceof errors.OIDCProviderError) {
    return error.error_description ? `${error.error} (${error.error_description})` : error.error;
  }
  return error instanceof Error ? error.message : String(error);
}
