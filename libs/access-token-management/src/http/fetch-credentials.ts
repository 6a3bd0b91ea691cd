/** What a fetch init's `headers` may be. */
export type FetchHeaders = NonNullable<RequestInit['headers']>;

const CREDENTIAL_HEADER = /^(authorization|dpop)$/i;

/**
 * The caller's headers with the client's `Authorization` (and DPoP proof), replacing any the caller set. A plain
 * object (or none) stays a plain object: copying it into a `Headers` would cost every call a header list that fetch
 * builds again from it anyway.
 */
export function withCredentials(
  headers: RequestInit['headers'],
  authorization: string,
  proof: string | undefined,
): FetchHeaders {
  if (headers === undefined || headers === null) {
    return proof === undefined ? { authorization } : { authorization, dpop: proof };
  }
  if (isPlainObject(headers)) {
    const own: Record<string, string> = {};
    for (const name of Object.keys(headers)) {
      if (!CREDENTIAL_HEADER.test(name)) own[name] = headers[name] as string;
    }
    own.authorization = authorization;
    if (proof !== undefined) own.dpop = proof;
    return own;
  }
  const copy = new Headers(headers);
  copy.set('authorization', authorization);
  if (proof !== undefined) copy.set('dpop', proof);
  return copy;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
