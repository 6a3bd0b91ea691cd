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
    // One deadline for the whole discovery, however many documents it tries.
    const signal = AbortSignal.timeout(client.requestTimeoutMs);
    const failures: string[] = [];
    let metadata: oauth.AuthorizationServer | undefined;
    for (const document of METADATA_DOCUMENTS) {
      let response: Response | undefined;
      try {
        response = await oauth.discoveryRequest(issuerUrl, {
          algorithm: document.algorithm,
          signal,
          ...insecureRequestOptions(issuer),
          ...requestOptions,
        });
        metadata = await oauth.processDiscoveryResponse(issuerUrl, response);
        break;
      } catch (cause) {
        if (response === undefined) {
          // Unreachable or timed out: the other document lives on the same host.
          throw discoveryFailed(client, `failed at ${issuerUrl.origin}: ${describe(cause)}`, cause);
        }
        if (!response.bodyUsed) await response.body?.cancel().catch(() => undefined);
        failures.push(`${document.name}: ${describeDocumentFailure(cause, response)}`);
      }
    }
    if (metadata === undefined) {
      throw discoveryFailed(client, `found no usable metadata for ${issuer} (${failures.join('; ')})`);
    }
    if (typeof metadata.token_endpoint !== 'string') {
      throw discoveryFailed(client, 'returned no token_endpoint');
    }
    return metadata;
  }
}

/**
 * The metadata documents an issuer may publish, in the order they are tried: OpenID Connect discovery (what most
 * servers publish, some only that), then RFC 8414 (the issuer's path after the well-known segment). Both carry the
 * same fields, and each must name the configured issuer.
 */
const METADATA_DOCUMENTS: ReadonlyArray<{ algorithm: 'oidc' | 'oauth2'; name: string }> = [
  { algorithm: 'oidc', name: '/.well-known/openid-configuration' },
  { algorithm: 'oauth2', name: '/.well-known/oauth-authorization-server' },
];

function discoveryFailed(client: ResolvedClientOptions, problem: string, cause?: unknown): AccessTokenError {
  return new AccessTokenError(
    AccessTokenErrorCode.DiscoveryFailed,
    `Discovery for client '${client.name}' ${problem}`,
    client.name,
    cause === undefined ? undefined : { cause },
  );
}

/** Why one document did not do: its status, or oauth4webapi's word on its content (an issuer mismatch, not JSON). */
function describeDocumentFailure(cause: unknown, response: Response): string {
  if (response.status !== 200) return `HTTP ${response.status}`;
  return describe(cause);
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : 'unknown error';
}
