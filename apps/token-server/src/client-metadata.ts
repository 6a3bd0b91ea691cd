import type { ClientMetadata } from 'oidc-provider';

import type { TokenServerClient } from './token-server.config.js';

/** A client of the settings as oidc-provider registers it. */
export function toClientMetadata(client: TokenServerClient): ClientMetadata {
  return {
    client_id: client.clientId,
    ...(client.clientSecret !== undefined ? { client_secret: client.clientSecret } : {}),
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    scope: client.scope,
    token_endpoint_auth_method: client.authMethod ?? 'client_secret_basic',
    ...(client.jwks ? { jwks: client.jwks as ClientMetadata['jwks'] } : {}),
    ...(client.tlsClientAuthSubjectDn ? { tls_client_auth_subject_dn: client.tlsClientAuthSubjectDn } : {}),
    ...(client.dpopBoundAccessTokens ? { dpop_bound_access_tokens: true } : {}),
    ...(client.certificateBoundAccessTokens ? { tls_client_certificate_bound_access_tokens: true } : {}),
  };
}
