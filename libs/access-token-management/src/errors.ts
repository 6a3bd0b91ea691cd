/**
 * Stable codes for every failure the library reports. Match on `error.code`, never on the message.
 */
export const AccessTokenErrorCode = {
  /** Module options or env settings are missing or malformed; the app must not start. */
  ConfigInvalid: 'ERR_CONFIG_INVALID',
  /** A call was made with a malformed argument (e.g. a per-call `scope` or `resource`). */
  InvalidArgument: 'ERR_INVALID_ARGUMENT',
  /** A client name was asked for that is not configured. */
  ClientNotFound: 'ERR_CLIENT_NOT_FOUND',
  /** The `clientResolver` threw, rejected or did not answer in time for a client not configured yet. */
  ClientResolutionFailed: 'ERR_CLIENT_RESOLUTION_FAILED',
  /** The token endpoint answered with an OAuth error (`invalid_client`, `invalid_scope`, ...). */
  TokenEndpointError: 'ERR_TOKEN_ENDPOINT_ERROR',
  /** The token endpoint answered, but not with a usable token response (bad JSON, no `access_token`, a redirect). */
  TokenResponseInvalid: 'ERR_TOKEN_RESPONSE_INVALID',
  /** The token endpoint could not be reached, timed out, or failed with a non-OAuth 5xx/429 answer. */
  TokenEndpointUnavailable: 'ERR_TOKEN_ENDPOINT_UNAVAILABLE',
  /** Discovery metadata could not be fetched or does not describe the configured issuer. */
  DiscoveryFailed: 'ERR_DISCOVERY_FAILED',
  /** The platform's client assertion could not be read, is no JWT or has expired; nothing was sent. */
  ClientAssertionInvalid: 'ERR_CLIENT_ASSERTION_INVALID',
} as const;

export type AccessTokenErrorCode = (typeof AccessTokenErrorCode)[keyof typeof AccessTokenErrorCode];

/**
 * The one error type the library throws. Messages name the client and the setting at fault and never
 * carry a token, a client secret, an assertion or an `Authorization` header.
 */
export class AccessTokenError extends Error {
  override readonly name: string = 'AccessTokenError';

  constructor(
    /** Stable machine-readable code. */
    readonly code: AccessTokenErrorCode,
    message: string,
    /** The configured client the failure concerns, when there is one. */
    readonly clientName?: string,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }

  /** How long the token endpoint asked us to wait (`Retry-After`), when it did. */
  readonly retryAfterMs?: number;
}

/**
 * The one error of a bad setting (`ERR_CONFIG_INVALID`), so every message reads "<setting> <problem>": the setting as
 * the user wrote it (an env variable or an option path), the problem in words, never the value (it may be a secret).
 */
export function configError(setting: string, problem: string, clientName?: string): AccessTokenError {
  return new AccessTokenError(AccessTokenErrorCode.ConfigInvalid, `${setting} ${problem}`, clientName);
}

/**
 * The token endpoint refused the request (RFC 6749 §5.2): with an OAuth error response, or with a 401/403 that carries
 * none (servers that answer a failed client authentication with an empty or HTML body).
 */
export class TokenEndpointError extends AccessTokenError {
  override readonly name = 'TokenEndpointError';

  constructor(
    clientName: string,
    /**
     * The OAuth `error` code as the server sent it, e.g. `invalid_client` (non-standard codes such as `scope_invalid`
     * are kept). Without an OAuth error body: `invalid_client` for a 401 (the status RFC 6749 §5.2 gives it), else
     * undefined.
     */
    readonly error: string | undefined,
    /** The OAuth `error_description`, when the server sent one. */
    readonly errorDescription: string | undefined,
    /** The HTTP status of the token endpoint's answer. */
    readonly status: number,
    retryAfterMs?: number,
  ) {
    super(
      AccessTokenErrorCode.TokenEndpointError,
      refusal(clientName, error, errorDescription, status),
      clientName,
      { retryAfterMs },
    );
  }
}

/** The refusal in words, with what to check when it is about the client's credentials. */
function refusal(
  clientName: string,
  error: string | undefined,
  description: string | undefined,
  status: number,
) {
  const what = error === undefined ? 'no OAuth error in the answer' : error;
  const credentials =
    error === 'invalid_client' || ((status === 401 || status === 403) && error === undefined);
  return (
    `Token endpoint refused client '${clientName}': ${what}` +
    (description ? ` (${description})` : '') +
    ` [HTTP ${status}]` +
    (credentials
      ? ': check the client id, its secret, key or certificate, and that the server allows this authentication method'
      : '')
  );
}

/** Narrows an unknown value to an {@link AccessTokenError}, optionally of one code. */
export function isAccessTokenError(value: unknown, code?: AccessTokenErrorCode): value is AccessTokenError {
  return value instanceof AccessTokenError && (code === undefined || value.code === code);
}
