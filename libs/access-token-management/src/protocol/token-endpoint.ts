import * as oauth from 'oauth4webapi';
import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import type { ResolvedClientOptions } from '../config/resolved-options.interface.js';
import { createAccessToken, type AccessToken } from '../access-token.js';
import { AuthorizationServerResolver, insecureRequestOptions } from './authorization-server.js';
import { tokenEndpointFailure } from './token-endpoint-failure.js';
import type { TokenRequest } from './token-request.interface.js';

/**
 * The client credentials grant (RFC 6749 §4.4) on oauth4webapi: client authentication, scope, resource (RFC 8707),
 * extra parameters, a timeout, no redirects followed. Knows nothing of caching.
 */
export class TokenEndpoint {
  private readonly servers = new AuthorizationServerResolver();

  constructor(
    /** Lifetime assumed when the response has no `expires_in`. */
    private readonly defaultLifetimeSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Requests a new token. Rejects with an {@link AccessTokenError}; never resolves with an unusable token. */
  async requestToken(client: ResolvedClientOptions, request: TokenRequest = {}): Promise<AccessToken> {
    const as = await this.servers.resolve(client);
    const oauthClient: oauth.Client = { client_id: client.clientId };
    const parameters = new URLSearchParams(client.parameters);
    const scope = request.scope ?? client.scope;
    const resource = request.resource ?? client.resource;
    if (scope) parameters.set('scope', scope);
    if (resource) parameters.set('resource', resource);

    let response: Response;
    try {
      response = await oauth.clientCredentialsGrantRequest(
        as,
        oauthClient,
        clientAuthentication(client),
        parameters,
        {
          // oauth4webapi sends with redirect: 'manual', so a redirecting token endpoint is an invalid response.
          signal: AbortSignal.timeout(client.requestTimeoutMs),
          ...insecureRequestOptions(as.token_endpoint as string),
        },
      );
    } catch (cause) {
      throw tokenEndpointFailure(client.name, cause);
    }

    let body: oauth.TokenEndpointResponse;
    try {
      body = await oauth.processClientCredentialsResponse(as, oauthClient, response);
    } catch (cause) {
      // An unread body holds its connection open; release it before giving up on the response.
      if (!response.bodyUsed) await response.body?.cancel().catch(() => undefined);
      throw tokenEndpointFailure(client.name, cause, response.status, response.headers.get('retry-after'));
    }
    return this.toAccessToken(client, body);
  }

  private toAccessToken(client: ResolvedClientOptions, body: oauth.TokenEndpointResponse): AccessToken {
    if (body.token_type !== 'bearer') {
      throw new AccessTokenError(
        AccessTokenErrorCode.TokenResponseInvalid,
        `Token endpoint gave client '${client.name}' an unsupported token_type '${String(body.token_type).slice(0, 20)}'`,
        client.name,
      );
    }
    const lifetime = body.expires_in ?? this.defaultLifetimeSeconds;
    if (!(lifetime > 0)) {
      throw new AccessTokenError(
        AccessTokenErrorCode.TokenResponseInvalid,
        `Token endpoint gave client '${client.name}' a token with a non-positive expires_in`,
        client.name,
      );
    }
    return createAccessToken({
      value: body.access_token,
      type: 'Bearer',
      expiresAt: new Date(this.now() + lifetime * 1000),
      scope: typeof body.scope === 'string' ? body.scope : undefined,
    });
  }
}

function clientAuthentication(client: ResolvedClientOptions): oauth.ClientAuth {
  const secret = client.clientSecret as string;
  switch (client.authMethod) {
    case 'client_secret_post':
      return oauth.ClientSecretPost(secret);
    case 'client_secret_basic':
      // Form-urlencodes id and secret before base64, as RFC 6749 §2.3.1 requires.
      return oauth.ClientSecretBasic(secret);
  }
}
