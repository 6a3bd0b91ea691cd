import { Readable } from 'node:stream';

/**
 * A body that was consumed by sending it (a stream) cannot be sent again; strings, buffers, plain objects,
 * URLSearchParams and the like can.
 */
export function isReplayableBody(data: unknown): boolean {
  if (data === undefined || data === null) return true;
  if (data instanceof Readable) return false;
  if (typeof ReadableStream !== 'undefined' && data instanceof ReadableStream) return false;
  if (typeof (data as { pipe?: unknown }).pipe === 'function') return false;
  if (typeof (data as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function')
    return false;
  return true;
}
