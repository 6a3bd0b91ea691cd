import type { AxiosError, AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import type { AccessToken } from '../access-token.js';
import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import type { DPoPKey } from '../protocol/dpop.js';
import { isReplayableBody } from './replayable-body.js';
import { requestUrl } from './request-url.js';
import { challengeError } from './www-authenticate.js';

const PROOF_SENT = Symbol('dpop.proofSent');
const NONCE_RETRIED = Symbol('dpop.nonceRetried');

type DPoPConfig = InternalAxiosRequestConfig & { [PROOF_SENT]?: boolean; [NONCE_RETRIED]?: boolean };

/**
 * Adds the DPoP proof of one API request (RFC 9449 §7): `DPoP: <proof>` over this request's method and URL, bound to
 * the access token it carries (`ath`), with the server's last nonce.
 */
export async function addDPoPProof(
  config: InternalAxiosRequestConfig,
  key: DPoPKey,
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
  (config as DPoPConfig)[PROOF_SENT] = true;
}

/**
 * Keeps the API's DPoP nonces (`DPoP-Nonce` on any answer) and answers a `401` with `use_dpop_nonce` by sending the
 * request once more, with a fresh proof that carries the nonce (RFC 9449 §9). Register it after the token
 * interceptors: axios runs response interceptors in order, so it sees the error they pass on.
 *
 * @returns the interceptor id, for `eject`.
 */
export function retryOnDPoPNonce(instance: AxiosInstance, key: DPoPKey, pinnedBase: URL): number {
  const remember = (config: InternalAxiosRequestConfig | undefined, response: AxiosResponse | undefined) => {
    const nonce = response?.headers['dpop-nonce'];
    const url = config && (config as DPoPConfig)[PROOF_SENT] ? requestUrl(config, pinnedBase) : undefined;
    if (url && typeof nonce === 'string') key.rememberNonce(url, nonce);
    return typeof nonce === 'string' && nonce !== '';
  };
  return instance.interceptors.response.use(
    (response) => {
      remember(response.config, response);
      return response;
    },
    async (error: AxiosError) => {
      const config = error.config as DPoPConfig | undefined;
      const response = error.response;
      const gotNonce = remember(config, response);
      if (
        !config?.[PROOF_SENT] ||
        config[NONCE_RETRIED] ||
        response?.status !== 401 ||
        !gotNonce ||
        challengeError(response.headers['www-authenticate']) !== 'use_dpop_nonce' ||
        !isReplayableBody(config.data)
      ) {
        throw error;
      }
      config[NONCE_RETRIED] = true;
      return instance.request(config);
    },
  );
}
