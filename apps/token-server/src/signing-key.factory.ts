import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { JWKS } from 'oidc-provider';

/**
 * A fresh RS256 signing key for each start of the dev token server.
 *
 * Nothing is persisted: tokens from a previous run stop verifying after a restart, which is what a dev server
 * should do (the resource server fetches the new key by its `kid`). RS256 because it is the algorithm every
 * JWT library and oidc-provider's defaults agree on.
 */
export async function generateSigningJwks(): Promise<JWKS> {
  const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] };
}
