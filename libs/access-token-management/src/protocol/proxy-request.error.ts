import type { ProxyAddress } from '../config/proxy-address.js';

/**
 * A request through a proxy that failed before any answer of the server came back: the proxy refused it (407, a
 * CONNECT it would not make), or could not be reached. Names the proxy by its origin, never its credentials.
 */
export class ProxyRequestError extends Error {
  override readonly name = 'ProxyRequestError';
  /** `http://proxy.internal:3128` */
  readonly proxy: string;

  constructor(proxy: ProxyAddress, cause: unknown) {
    super(`through proxy ${proxy.origin}: ${detail(cause)}`, { cause });
    this.proxy = proxy.origin;
  }
}

/** What undici says under fetch's "fetch failed": the proxy's status, or the socket error's code. */
function detail(cause: unknown): string {
  const inner = (cause as { cause?: { message?: unknown; code?: unknown } } | null)?.cause;
  if (typeof inner?.message === 'string' && inner.message !== '') return inner.message;
  if (typeof inner?.code === 'string') return inner.code;
  return cause instanceof Error ? cause.message : 'unknown error';
}

/** Aborts and timeouts are the caller's own, not the proxy's: they stay what they are. */
export function isAbort(cause: unknown): boolean {
  const name = (cause as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}
