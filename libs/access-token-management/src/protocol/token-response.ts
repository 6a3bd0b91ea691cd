import type * as oauth from 'oauth4webapi';
import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import { MAX_TOKEN_LIFETIME_SECONDS } from '../config/defaults.js';
import { createAccessToken, type AccessToken } from '../access-token.js';

/** RFC 6750 §2.1 b64token, the syntax of a token in `Authorization: Bearer` (and `DPoP`, RFC 9449 §7.1). */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** How a token response is read beyond what oauth4webapi checks. */
export interface TokenResponseRules {
  /** Lifetime assumed when the response has no `expires_in`. */
  readonly defaultLifetimeSeconds: number;
  readonly now: () => number;
}

/**
 * Turns a token response that oauth4webapi has parsed into an {@link AccessToken}, or rejects it with
 * `ERR_TOKEN_RESPONSE_INVALID`. Messages never contain the token.
 *
 * - The token type must be the one asked for: `DPoP` with DPoP (RFC 9449 §5), else `Bearer`.
 * - The token must be a b64token: anything else (CR/LF, spaces, quotes, non-ASCII) would corrupt or inject into the
 *   `Authorization` header it is sent in.
 * - `expires_in` must be positive; a lifetime over one year ({@link MAX_TOKEN_LIFETIME_SECONDS}) is taken as one
 *   year, so an absurd value (`1e300`) still gives a valid expiry and the token is renewed early, never late.
 */
export function accessTokenFrom(
  clientName: string,
  body: oauth.TokenEndpointResponse,
  dpopRequested: boolean,
  rules: TokenResponseRules,
): AccessToken {
  const invalid = (problem: string) =>
    new AccessTokenError(
      AccessTokenErrorCode.TokenResponseInvalid,
      `Token endpoint gave client '${clientName}' ${problem}`,
      clientName,
    );
  if (dpopRequested && body.token_type === 'bearer') {
    // RFC 9449 §5: the server ignored the proof. A Bearer token would be sent where a DPoP-bound one is expected.
    throw invalid('a Bearer token though DPoP was requested');
  }
  if (body.token_type !== (dpopRequested ? 'dpop' : 'bearer')) {
    throw invalid(`an unsupported token_type '${String(body.token_type).slice(0, 20)}'`);
  }
  if (!B64TOKEN.test(body.access_token)) {
    throw invalid("an access_token with characters outside RFC 6750's b64token (unusable in a header)");
  }
  const lifetime = body.expires_in ?? rules.defaultLifetimeSeconds;
  if (typeof lifetime !== 'number' || !(lifetime > 0)) {
    throw invalid('a token with a non-positive expires_in');
  }
  return createAccessToken({
    value: body.access_token,
    type: dpopRequested ? 'DPoP' : 'Bearer',
    expiresAt: new Date(rules.now() + Math.min(lifetime, MAX_TOKEN_LIFETIME_SECONDS) * 1000),
    scope: typeof body.scope === 'string' ? body.scope : undefined,
  });
}
