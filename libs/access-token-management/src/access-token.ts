import { inspect } from 'node:util';

/** The token scheme for the `Authorization` header. */
export type AccessTokenType = 'Bearer' | 'DPoP';

/**
 * An access token ready for an `Authorization` header.
 *
 * `JSON.stringify` and `util.inspect` (so `console.log` and most loggers) show it with its value redacted.
 */
export interface AccessToken {
  /** The token itself. Never log it. */
  readonly value: string;
  /** Normalised scheme (`bearer` from the wire becomes `Bearer`). */
  readonly type: AccessTokenType;
  /** When the token stops being valid, from `expires_in` (or the default lifetime when absent). */
  readonly expiresAt: Date;
  /** Scopes granted, when the server said (RFC 6749 §5.1). */
  readonly scope?: string;
}

const REDACTED = '[REDACTED]';

/** Builds an {@link AccessToken} whose value never shows up when the object is logged or serialised. */
export function createAccessToken(fields: AccessToken): AccessToken {
  const token = { ...fields };
  const shown = () => ({ type: token.type, expiresAt: token.expiresAt, scope: token.scope, value: REDACTED });
  Object.defineProperties(token, {
    toJSON: { value: shown, enumerable: false },
    [inspect.custom]: { value: () => shown(), enumerable: false },
  });
  return Object.freeze(token);
}
