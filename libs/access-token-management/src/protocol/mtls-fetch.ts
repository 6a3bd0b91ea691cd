import * as oauth from 'oauth4webapi';
import type { ResolvedTlsOptions } from '../config/key-material.js';

/** The fetch oauth4webapi calls, as its `customFetch` option types it. */
export type OAuthFetch = (
  url: string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- one fetch serves GET (discovery) and POST (token)
  options: oauth.CustomFetchOptions<any, any>,
) => Promise<Response>;

/**
 * A fetch for the authorization server that presents the client certificate (RFC 8705 mutual TLS) and trusts the
 * configured CAs: undici's `fetch` with an undici `Agent` as dispatcher. Node bundles undici for its global fetch but
 * does not export its `Agent`, so the npm package is used — its own `fetch` with its own `Agent`, never mixed with
 * the bundled copy. Loaded only by clients that have TLS settings.
 */
export async function createMtlsFetch(tls: ResolvedTlsOptions): Promise<OAuthFetch> {
  const { Agent, fetch } = await import('undici');
  const dispatcher = new Agent({
    connect: {
      ...(tls.certificate !== undefined ? { cert: tls.certificate, key: tls.key } : {}),
      ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    },
  });
  return ((url: string, init: Parameters<typeof fetch>[1]) =>
    fetch(url, { ...init, dispatcher })) as unknown as OAuthFetch;
}
