import type { AxiosError, AxiosInstance, AxiosRequestConfig, InternalAxiosRequestConfig } from 'axios';
import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import { isTransportAllowed } from '../config/url-rules.js';
import type { AccessTokenManager } from '../manager/access-token-manager.js';
import type { AccessToken } from '../access-token.js';
import { clientMaterial } from '../protocol/client-material.js';
import { clientCertificateAgent, useClientCertificate } from './client-certificate.js';
import { addDPoPProof, retryOnDPoPNonce } from './dpop-proof.interceptor.js';
import { redactAxiosError, redactAxiosResponse } from './redact.js';
import { isReplayableBody } from './replayable-body.js';
import { requestOrigin } from './request-url.js';
import { challengeError } from './www-authenticate.js';

/** Per-request state under symbols; the token object itself prints redacted should a config be logged. */
const SENT_TOKEN = Symbol('accessToken.sent');
const RETRIED = Symbol('accessToken.retried');

type TrackedConfig = InternalAxiosRequestConfig & { [SENT_TOKEN]?: AccessToken; [RETRIED]?: boolean };

/** Options of {@link attachAccessToken}. */
export interface AttachAccessTokenOptions {
  /**
   * Tokens go only to this origin. Default: the client's `baseURL`, else the axios instance's `baseURL`.
   */
  origin?: string;
  /** Scope to request instead of the client's default. */
  scope?: string;
  /** RFC 8707 resource to request instead of the client's default. */
  resource?: string;
}

/**
 * Makes an axios instance send the client's access token:
 * - `Authorization: <Bearer|DPoP> <token>` on requests whose final URL has the pinned origin, and on no other;
 * - never on a redirect;
 * - on a 401 whose challenge says `invalid_token` (or gives no error), one retry with a renewed token, unless the body
 *   was a stream that cannot be sent again; 403 and other errors are passed through;
 * - when no token can be had, the request is not sent: it fails with the {@link AccessTokenError}.
 *
 * Errors passed through have their `Authorization` header redacted.
 *
 * @returns a function that removes the interceptors again.
 */
export function attachAccessToken(
  instance: AxiosInstance,
  manager: AccessTokenManager,
  clientName: string,
  options: AttachAccessTokenOptions = {},
): () => void {
  const client = manager.getClientOptions(clientName);
  const origin = options.origin ?? client.baseURL ?? instance.defaults.baseURL;
  if (origin === undefined) {
    throw new AccessTokenError(
      AccessTokenErrorCode.ConfigInvalid,
      `attachAccessToken for client '${clientName}' needs an origin: set the client's baseURL or pass { origin }`,
      clientName,
    );
  }
  const pinnedBase = new URL(origin);
  if (!isTransportAllowed(pinnedBase, client.allowInsecureHttp)) {
    // The same https rule as the client's baseURL: a token must not cross a network in clear text.
    throw new AccessTokenError(
      AccessTokenErrorCode.ConfigInvalid,
      `attachAccessToken for client '${clientName}': ${pinnedBase.origin} must use https (plain http is allowed only ` +
        'for loopback hosts, or with allowInsecureHttp)',
      clientName,
    );
  }
  const tokenOptions = { scope: options.scope, resource: options.resource };
  // Sender-constrained tokens: the client certificate and a DPoP proof go wherever the token goes.
  const dpop = clientMaterial(client).dpop;
  const certificateAgent = clientCertificateAgent(client.tls);

  const requestId = instance.interceptors.request.use(async (config: TrackedConfig) => {
    if (requestOrigin(config, pinnedBase) !== pinnedBase.origin) return config;
    const token = await manager.getAccessToken(clientName, tokenOptions);
    config.headers.set('Authorization', `${token.type} ${token.value}`);
    config[SENT_TOKEN] = token;
    useClientCertificate(config, certificateAgent);
    if (dpop && token.type === 'DPoP') await addDPoPProof(config, dpop, token, pinnedBase);
    config.beforeRedirect =
      config.beforeRedirect === undefined
        ? stripCredentials
        : withoutCredentialsOnRedirect(config.beforeRedirect);
    return config;
  });

  const responseId = instance.interceptors.response.use(redactAxiosResponse, async (error: AxiosError) => {
    const config = error.config as TrackedConfig | undefined;
    const sent = config?.[SENT_TOKEN];
    if (!config || sent === undefined || config[RETRIED] || !shouldRenewAndRetry(error)) {
      throw redactAxiosError(error);
    }
    if (!isReplayableBody(config.data)) throw redactAxiosError(error);
    config[RETRIED] = true;
    // Concurrent 401s renew once: only the first finds the rejected token still cached and forces a new one.
    const current = await manager.getAccessToken(clientName, tokenOptions);
    if (current.value === sent.value)
      await manager.getAccessToken(clientName, { ...tokenOptions, forceRenewal: true });
    return instance.request(config);
  });
  const nonceRetryId = dpop ? retryOnDPoPNonce(instance, dpop, pinnedBase) : undefined;

  return () => {
    instance.interceptors.request.eject(requestId);
    instance.interceptors.response.eject(responseId);
    if (nonceRetryId !== undefined) instance.interceptors.response.eject(nonceRetryId);
  };
}

function shouldRenewAndRetry(error: AxiosError): boolean {
  if (error.response?.status !== 401) return false;
  const code = challengeError(error.response.headers['www-authenticate']);
  // No challenge, or a challenge without an error code, also means "no usable token" (RFC 6750 §3.1).
  return code === null || code === undefined || code === 'invalid_token';
}

type BeforeRedirect = AxiosRequestConfig['beforeRedirect'];

/**
 * axios and follow-redirects already drop `Authorization` on cross-origin redirects; the token is bound to the
 * request the caller made, so it is dropped on every redirect, whatever their versions do.
 */
function withoutCredentialsOnRedirect(userHook: NonNullable<BeforeRedirect>): BeforeRedirect {
  return (options, responseDetails, requestDetails) => {
    stripCredentials(options);
    userHook(options, responseDetails, requestDetails);
  };
}

function stripCredentials(options: Record<string, unknown>): void {
  const headers = (options as { headers?: Record<string, unknown> }).headers;
  if (!headers) return;
  for (const name of Object.keys(headers)) {
    if (/^(authorization|dpop)$/i.test(name)) delete headers[name];
  }
}
