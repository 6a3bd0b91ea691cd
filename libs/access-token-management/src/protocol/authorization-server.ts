import * as oauth from 'oauth4webapi';
import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import type { ResolvedClientOptions } from '../config/resolved-options.interface.js';

/** http is allowed by config validation only on loopback; oauth4webapi needs the opt-in to send there. */
export function insecureRequestOptions(url: string): { [oauth.allowInsecureRequests]?: boolean } {
  return new URL(url).protocol === 'http:' ? { [oauth.allowInsecureRequests]: true } : {};
}

/**
 * Resolves the authorization server metadata of a client: built from the configured token endpoint, or fetched by
 * RFC 8414 / OpenID Connect discovery from the issuer once and reused. A failed discovery is not remembered, so the
 * next token request tries again.
 */
export class AuthorizationServerResolver {
  private readonly discovered = new Map<string, Promise<oauth.AuthorizationServer>>();

  resolve(
    client: ResolvedClientOptions,
    /** How to reach the server: a fetch with the client's TLS settings (CA, certificate), when it has any. */
    requestOptions: Pick<oauth.DiscoveryRequestOptions, typeof oauth.customFetch> = {},
  ): Promise<oauth.AuthorizationServer> {
    if (client.tokenEndpoint !== undefined) {
      // Without discovery there is no issuer to learn; the endpoint's origin stands in for it.
      return Promise.resolve({
        issuer: new URL(client.tokenEndpoint).origin,
        token_endpoint: client.tokenEndpoint,
      });
    }
    const issuer = client.issuer as string;
    let metadata = this.discovered.get(issuer);
    if (metadata === undefined) {
      metadata = this.discover(client, issuer, requestOptions);
      this.discovered.set(issuer, metadata);
      metadata.catch(() => this.discovered.delete(issuer));
    }
    return metadata;
  }

  private async discover(
    client: ResolvedClientOptions,
    issuer: string,
    requestOptions: Pick<oauth.DiscoveryRequestOptions, typeof oauth.customFetch>,
  ): Promise<oauth.AuthorizationServer> {
    const issuerUrl = new URL(issuer);
    let metadata: oauth.AuthorizationServer;
    try {
      const response = await oauth.discoveryRequest(issuerUrl, {
        signal: AbortSignal.timeout(client.requestTimeoutMs),
        ...insecureRequestOptions(issuer),
        ...requestOptions,
      });
      metadata = await oauth.processDiscoveryResponse(issuerUrl, response);
    } catch (cause) {
      throw new AccessTokenError(
        AccessTokenErrorCode.DiscoveryFailed,
        `Discovery for client '${client.name}' failed at ${issuerUrl.origin}: ${describe(cause)}`,
        client.name,
        { cause },
      );
    }
    if (typeof metadata.token_endpoint !== 'string') {
      throw new AccessTokenError(
        AccessTokenErrorCode.DiscoveryFailed,
        `Discovery for client '${client.name}' returned no token_endpoint`,
        client.name,
      );
    }
    return metadata;
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : 'unknown error';
}
