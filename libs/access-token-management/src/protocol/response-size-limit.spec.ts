import { describe, expect, it } from '@jest/globals';
import type { OAuthFetch } from './server-fetch.js';
import { limitResponseSize, MAX_RESPONSE_BYTES, ResponseTooLargeError } from './response-size-limit.js';

const CHUNK = 64 * 1024;

/** A fetch answering with a body of `size` bytes served on demand, and a tally of what was pulled from it. */
function streamingFetch(size: number, headers: Record<string, string> = {}, status = 200) {
  const tally = { pulled: 0, cancelled: false };
  const fetch: OAuthFetch = () => {
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          const length = Math.min(CHUNK, size - tally.pulled);
          if (length <= 0) return controller.close();
          tally.pulled += length;
          controller.enqueue(new Uint8Array(length).fill(0x61));
        },
        cancel() {
          tally.cancelled = true;
        },
      },
      { highWaterMark: 0 },
    );
    return Promise.resolve(new Response(body, { status, headers }));
  };
  return { fetch, tally };
}

describe('limitResponseSize', () => {
  it('reads a 10 MiB body no further than the 1 MiB cap and cancels it', async () => {
    const { fetch, tally } = streamingFetch(10 * 1024 * 1024);
    const error = await limitResponseSize(fetch)('https://as.example/token', {} as never).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(error).toMatchObject({ status: 200, limit: MAX_RESPONSE_BYTES });
    expect(tally.pulled).toBeLessThanOrEqual(MAX_RESPONSE_BYTES + CHUNK);
    expect(tally.cancelled).toBe(true);
  });

  it('reads nothing of a body whose Content-Length is over the cap', async () => {
    const { fetch, tally } = streamingFetch(10 * 1024 * 1024, { 'content-length': String(10 * 1024 * 1024) });
    await expect(limitResponseSize(fetch)('https://as.example/token', {} as never)).rejects.toBeInstanceOf(
      ResponseTooLargeError,
    );
    expect(tally.pulled).toBe(0);
    expect(tally.cancelled).toBe(true);
  });

  it('counts decoded bytes when the body is compressed: the declared length does not decide', async () => {
    const { fetch } = streamingFetch(1000, { 'content-encoding': 'gzip', 'content-length': String(2 ** 30) });
    const response = await limitResponseSize(fetch)('https://as.example/token', {} as never);
    expect((await response.arrayBuffer()).byteLength).toBe(1000);
  });

  it('hands on a body within the cap with its status and headers', async () => {
    const { fetch } = streamingFetch(
      MAX_RESPONSE_BYTES,
      { 'content-type': 'application/json', 'dpop-nonce': 'n1' },
      400,
    );
    const response = await limitResponseSize(fetch)('https://as.example/token', {} as never);
    expect(response.status).toBe(400);
    expect(response.headers.get('dpop-nonce')).toBe('n1');
    expect((await response.arrayBuffer()).byteLength).toBe(MAX_RESPONSE_BYTES);
  });

  it('keeps a response without a body (204) bodiless', async () => {
    const fetch: OAuthFetch = () => Promise.resolve(new Response(null, { status: 204 }));
    const response = await limitResponseSize(fetch)('https://as.example/token', {} as never);
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
  });
});
