import type { AxiosAdapter, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import type { AccessToken } from '../access-token.js';
import type { DPoPProofSigner } from '../manager/token-source.interface.js';
import type { AuthorizedAdapterContext } from './authorized-adapter-context.js';
import { authorizationValue, setAuthorization } from './authorization-header.js';
import { isAxiosError } from './axios-module.js';
import { addDPoPProof, demandsDPoPNonce, rememberDPoPNonce } from './dpop-proof.js';
import { headerValue } from './header-value.js';
import { redactAxiosError, redactAxiosResponse } from './redact.js';
import { checkSameClient } from './same-client.js';
import { isReplayableBody } from './replayable-body.js';
import { challengeError } from './www-authenticate.js';

// How an authorized adapter sends a request with the client's token: the retries of one call live here, in that
// call, where no axios version's config merge can drop their count.

/** Sends once the token is in hand. */
export async function sendAfterToken(
  context: AuthorizedAdapterContext,
  config: InternalAxiosRequestConfig,
  send: AxiosAdapter,
): Promise<AxiosResponse> {
  const token = await context.tokens.getAccessToken(context.clientName, context.tokenOptions);
  checkSameClient(context);
  return sendWithRetries(context, config, send, token);
}

/**
 * One send with `token`; a failure goes on to the retries this call may make. On the hot path (no DPoP) the answer
 * takes one promise step: its redaction and the retry decision are the two handlers of one `then`.
 */
export function sendWithRetries(
  context: AuthorizedAdapterContext,
  config: InternalAxiosRequestConfig,
  send: AxiosAdapter,
  token: AccessToken,
): Promise<AxiosResponse> {
  const onError = (error: unknown) => retry(context, config, send, token, error);
  setAuthorization(config.headers, authorizationValue(token));
  const { dpop } = context;
  if (dpop !== undefined && token.type === 'DPoP') {
    return sendWithProof(context, config, send, token, dpop).then(undefined, onError);
  }
  return sent(send, config).then(redactAxiosResponse, onError);
}

/** Sends `config` with `token` (and its DPoP proof, when the token is DPoP-bound); the answer redacted. */
function sendOnce(
  context: AuthorizedAdapterContext,
  config: InternalAxiosRequestConfig,
  send: AxiosAdapter,
  token: AccessToken,
): Promise<AxiosResponse> {
  setAuthorization(config.headers, authorizationValue(token));
  const { dpop } = context;
  if (dpop !== undefined && token.type === 'DPoP') return sendWithProof(context, config, send, token, dpop);
  return sent(send, config).then(redactAxiosResponse);
}

/** The adapter's promise; an adapter that throws instead of rejecting rejects too, so its error is redacted. */
function sent(send: AxiosAdapter, config: InternalAxiosRequestConfig): Promise<AxiosResponse> {
  try {
    return send(config);
  } catch (error) {
    return Promise.reject(error);
  }
}

async function sendWithProof(
  context: AuthorizedAdapterContext,
  config: InternalAxiosRequestConfig,
  send: AxiosAdapter,
  token: AccessToken,
  dpop: DPoPProofSigner,
): Promise<AxiosResponse> {
  await addDPoPProof(config, dpop, token, context.pinnedBase);
  try {
    const response = await send(config);
    rememberDPoPNonce(dpop, config, response, context.pinnedBase);
    return redactAxiosResponse(response);
  } catch (error) {
    rememberDPoPNonce(dpop, config, isAxiosError(error) ? error.response : undefined, context.pinnedBase);
    throw error;
  }
}

/**
 * After a failed send: once with a renewed token on a 401 that rejects the token, once more with the server's DPoP
 * nonce; never with a body that cannot be sent again. Anything else is the caller's error, redacted.
 */
async function retry(
  context: AuthorizedAdapterContext,
  config: InternalAxiosRequestConfig,
  send: AxiosAdapter,
  token: AccessToken,
  error: unknown,
): Promise<AxiosResponse> {
  const { tokens, clientName, tokenOptions } = context;
  let renewed = false;
  let nonceRetried = false;
  for (;;) {
    const response = isAxiosError(error) ? error.response : undefined;
    const proofBound = context.dpop !== undefined && token.type === 'DPoP';
    if (!isReplayableBody(config.data)) throw redactAxiosError(error);
    if (!renewed && rejectsToken(response)) {
      renewed = true;
      token = await tokens.renewAccessToken(clientName, tokenOptions, token);
      checkSameClient(context);
    } else if (!nonceRetried && proofBound && demandsDPoPNonce(response)) {
      nonceRetried = true;
    } else {
      throw redactAxiosError(error);
    }
    try {
      return await sendOnce(context, config, send, token);
    } catch (next) {
      error = next;
    }
  }
}

/** A 401 whose challenge says `invalid_token`, or gives no error code (RFC 6750 §3.1: "no usable token"). */
function rejectsToken(response: AxiosResponse | undefined): boolean {
  if (response?.status !== 401) return false;
  const code = challengeError(headerValue(response.headers, 'www-authenticate'));
  return code === null || code === undefined || code === 'invalid_token';
}
