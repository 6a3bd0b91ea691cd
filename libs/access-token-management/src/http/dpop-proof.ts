import type { AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import type { AccessToken } from '../access-token.js';
import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import type { DPoPProofSigner } from '../manager/token-source.interface.js';
import { headerValue } from './header-value.js';
import { requestUrl } from './request-url.js';
import { challengeError } from './www-authenticate.js';

/**
 * Adds the DPoP proof of one API request (RFC 9449 §7): `DPoP: <proof>` over this request's method and URL, bound to
 * the access token it carries (`ath`), with the server's last nonce.
 */
export async function addDPoPProof(
  config: InternalAxiosRequestConfig,
  key: DPoPProofSigner,
  token: AccessToken,
  pinnedBase: URL,
): Promise<void> {
  const url = requestUrl(config, pinnedBase);
  if (url === undefined) {
    throw new AccessTokenError(
      AccessTokenErrorCode.InvalidArgument,
      'The request URL cannot be parsed for a DPoP proof',
    );
  }
  config.headers.set('DPoP', await key.proof(config.method ?? 'get', url, token.value));
}

/** Keeps the nonce an answer of the API gave (`DPoP-Nonce`, on any status) for the next proofs to its origin. */
export function rememberDPoPNonce(
  key: DPoPProofSigner,
  config: InternalAxiosRequestConfig,
  response: AxiosResponse | undefined,
  pinnedBase: URL,
): void {
  const nonce = headerValue(response?.headers, 'dpop-nonce');
  const url = requestUrl(config, pinnedBase);
  if (url && typeof nonce === 'string') key.rememberNonce(url, nonce);
}

/** A `401` with `use_dpop_nonce` and a nonce to use: the request may be sent once more with it (RFC 9449 §9). */
export function demandsDPoPNonce(response: AxiosResponse | undefined): boolean {
  const nonce = headerValue(response?.headers, 'dpop-nonce');
  return (
    response?.status === 401 &&
    typeof nonce === 'string' &&
    nonce !== '' &&
    challengeError(headerValue(response.headers, 'www-authenticate')) === 'use_dpop_nonce'
  );
}
