import * as oauth from 'oauth4webapi';
import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import type { ResolvedClientOptions } from '../config/resolved-options.interface.js';
import type { AccessToken } from '../access-token.js';
import { isTransportAllowed } from '../config/url-rules.js';
import { AuthorizationServerResolver } from './authorization-server.js';
import type { ClientMaterial } from './client-material.js';
import { ResponseTooLargeError } from './response-size-limit.js';
import { tokenEndpointFailure } from './token-endpoint-failure.js';
import { accessTokenFrom } from './token-response.js';
import type { TokenRequest } from './token-request.interface.js';

/**
 * The client credentials grant (RFC 6749 §4.4) on oauth4webapi: client authentication (shared secret, JWT assertion,
 * mTLS), DPoP, scope, resource (RFC 8707), extra parameters, a timeout, no redirects followed. Knows nothing of caching.
 */
export class TokenEndpoint {
  private readonly servers = new AuthorizationServerResolver();
  private readonly rules: { defaultLifetimeSeconds: number; now: () => number };

  constructor(
    /** Lifetime assumed when the response has no `expires_in`. */
    defaultLifetimeSeconds: number,
    now: () => number = Date.now,
  ) {
    this.rules = { defaultLifetimeSeconds, now };
  }

  /**
   * Requests a new token. Rejects with an {@link AccessTokenError}; never resolves with an unusable token.
   *
   * With DPoP, a `use_dpop_nonce` answer is retried once with the server's nonce; the retry carries a fresh proof and,
   * for JWT client authentication, a fresh assertion (RFC 9449 §8).
   *
   * @param material the client's keys and fetch, built once per client by the caller.
   * @param signal aborts the request (its socket included) when the caller stops waiting for it, e.g. a renewal
   *   whose time budget ran out; the request's own timeout applies either way.
   */
  async requestToken(
    client: ResolvedClientOptions,
    material: ClientMaterial,
    request: TokenRequest = {},
    signal?: AbortSignal,
  ): Promise<AccessToken> {
    const fetchOptions = await material.requestOptions();
    const as = await this.servers.resolve(client, fetchOptions);
    const oauthClient: oauth.Client = {
      client_id: client.clientId,
      // RFC 8705 §5: with a client certificate, use the server's mTLS endpoint aliases where it publishes them.
      ...(material.usesMtls ? { use_mtls_endpoint_aliases: true } : {}),
    };
    const scope = request.scope ?? client.scope;
    const resource = request.resource ?? client.resource;
    const transport = transportOptions(client, tokenEndpointOf(as, material.usesMtls));
    const [clientAuth, dpop] = await Promise.all([
      this.credentials(client, () => material.clientAuthentication()),
      material.dpop ? this.credentials(client, () => material.dpop!.tokenEndpointHandle()) : undefined,
    ]);

    for (let attempt = 1; ; attempt += 1) {
      const parameters = new URLSearchParams(client.parameters);
      if (scope) parameters.set('scope', scope);
      if (resource) parameters.set('resource', resource);
      let response: Response;
      try {
        response = await oauth.clientCredentialsGrantRequest(as, oauthClient, clientAuth, parameters, {
          // oauth4webapi sends with redirect: 'manual', so a redirecting token endpoint is an invalid response.
          signal: requestSignal(client.requestTimeoutMs, signal),
          ...transport,
          ...fetchOptions,
          ...(dpop ? { DPoP: dpop } : {}),
        });
      } catch (cause) {
        // An oversized answer is judged by its status like any other: a 5xx stays "unavailable".
        const status = cause instanceof ResponseTooLargeError ? cause.status : undefined;
        throw tokenEndpointFailure(client.name, cause, status);
      }

      let body: oauth.TokenEndpointResponse;
      try {
        body = await oauth.processClientCredentialsResponse(as, oauthClient, response);
      } catch (cause) {
        // An unread body holds its connection open; release it before giving up on the response.
        if (!response.bodyUsed) await response.body?.cancel().catch(() => undefined);
        // The handle has kept the nonce the server sent; the next attempt's proof carries it.
        if (dpop && attempt === 1 && oauth.isDPoPNonceError(cause)) continue;
        throw tokenEndpointFailure(client.name, cause, response.status, response.headers.get('retry-after'));
      }
      return accessTokenFrom(client.name, body, dpop !== undefined, this.rules);
    }
  }

  /** Keys are checked at start-up; importing them should not fail, but if it does, say so plainly. */
  private async credentials<T>(client: ResolvedClientOptions, load: () => Promise<T>): Promise<T> {
    try {
      return await load();
    } catch (cause) {
      throw new AccessTokenError(
        AccessTokenErrorCode.ConfigInvalid,
        `The key material of client '${client.name}' could not be used: ${cause instanceof Error ? cause.name : 'unknown error'}`,
        client.name,
        { cause },
      );
    }
  }
}

/** The request's own timeout, and the caller's signal when it gave one: whichever aborts first. */
function requestSignal(timeoutMs: number, caller: AbortSignal | undefined): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return caller === undefined ? timeout : AbortSignal.any([timeout, caller]);
}

/** The token endpoint a request goes to: the mTLS alias when the client presents a certificate and one exists. */
function tokenEndpointOf(as: oauth.AuthorizationServer, usesMtls: boolean): string {
  const alias = usesMtls ? as.mtls_endpoint_aliases?.token_endpoint : undefined;
  return typeof alias === 'string' ? alias : (as.token_endpoint as string);
}

/**
 * oauth4webapi's opt-in for plain http, given only where config would allow the URL. A configured endpoint has passed
 * that check already; one learnt by discovery has not, and must not take the client secret to a remote http host.
 */
function transportOptions(
  client: ResolvedClientOptions,
  url: string,
): { [oauth.allowInsecureRequests]?: boolean } {
  const parsed = URL.parse(url);
  if (parsed === null) {
    throw new AccessTokenError(
      AccessTokenErrorCode.DiscoveryFailed,
      `Discovery for client '${client.name}' gave a token endpoint that is not a URL`,
      client.name,
    );
  }
  if (parsed.protocol !== 'http:') return {};
  if (!isTransportAllowed(parsed, client.allowInsecureHttp)) {
    throw new AccessTokenError(
      AccessTokenErrorCode.DiscoveryFailed,
      `Discovery for client '${client.name}' gave a token endpoint on plain http at ${parsed.origin} ` +
        '(allowed only for loopback hosts, or with allowInsecureHttp on a private network)',
      client.name,
    );
  }
  return { [oauth.allowInsecureRequests]: true };
}
