import type { AccessToken } from '../access-token.js';
import { isOwnAxiosHeaders } from './axios-module.js';

const AUTHORIZATION = /^authorization$/i;

/** Each token's header value, made once: a call on the hot path reuses one flat string as a fixed header would. */
const values = new WeakMap<AccessToken, string>();

/** `<Bearer|DPoP> <token>` for `token`. */
export function authorizationValue(token: AccessToken): string {
  let value = values.get(token);
  if (value === undefined) values.set(token, (value = `${token.type} ${token.value}`));
  return value;
}

/**
 * Sets `Authorization` as `headers.set('Authorization', value)` would, without its case-insensitive search and value
 * sanitising, which cost every call: this axios' headers keep each header as an own property under the name it was
 * set with, and the value is a checked token (an RFC 6750 b64token: nothing to strip). A header explicitly disabled
 * with `false` stays disabled, as `set` leaves it. Headers of another axios copy go through their own `set`.
 */
export function setAuthorization(
  headers: { set(name: string, value: string): unknown },
  value: string,
): void {
  if (!isOwnAxiosHeaders(headers)) {
    headers.set('Authorization', value);
    return;
  }
  const own = headers as unknown as Record<string, unknown>;
  for (const name of Object.keys(own)) {
    if (name === 'Authorization' || !AUTHORIZATION.test(name)) continue;
    if (own[name] === false) return;
    // `set` would write under the name already there; one spelling is kept, the canonical one.
    delete own[name];
  }
  if (own.Authorization !== false) own.Authorization = value;
}
