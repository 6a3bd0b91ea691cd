import type { OAuthFetch } from './server-fetch.js';

/** The most of an authorization server's answer that is read: golang.org/x/oauth2's limit; real ones are a few KB. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/** An answer larger than the cap; its body was read no further than the cap and its connection let go. */
export class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLargeError';

  constructor(
    /** The HTTP status of the oversized answer. */
    readonly status: number,
    readonly limit: number,
  ) {
    super(`the response body is over the limit of ${limit} bytes`);
  }
}

/** Statuses whose Response cannot be built with a body (Fetch standard). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * Wraps the fetch oauth4webapi calls (token requests and discovery) so that no body beyond `limit` bytes is read.
 * The body is read here, up to the cap, and handed on buffered: an oversized answer fails as the request itself,
 * before oauth4webapi parses anything, and its connection is closed rather than drained. Bytes are counted after
 * decompression, so a compressed body cannot expand past the cap either.
 */
export function limitResponseSize(fetch: OAuthFetch, limit: number = MAX_RESPONSE_BYTES): OAuthFetch {
  return async (url, options) => {
    const response = await fetch(url, options);
    const body = await readBody(response, limit);
    return new Response(NULL_BODY_STATUSES.has(response.status) ? null : body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

async function readBody(response: Response, limit: number): Promise<Uint8Array | null> {
  if (response.body === null) return null;
  // A declared length counts encoded bytes; it decides only when no decoding changes the size.
  const declared = response.headers.has('content-encoding')
    ? Number.NaN
    : Number(response.headers.get('content-length'));
  if (declared > limit) {
    await response.body.cancel().catch(() => undefined);
    throw new ResponseTooLargeError(response.status, limit);
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw new ResponseTooLargeError(response.status, limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
