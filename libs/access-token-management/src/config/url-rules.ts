const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** True for hosts that never leave the machine, where plain http cannot be sniffed on a network. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** Parses an absolute http(s) URL, or returns undefined. */
export function parseHttpUrl(value: string): URL | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether credentials or tokens may travel to this URL: https always, plain http only to a loopback host or when the
 * client opted in (`allowInsecureHttp`, for a private network).
 */
export function isTransportAllowed(url: URL, allowInsecureHttp: boolean): boolean {
  return url.protocol !== 'http:' || allowInsecureHttp || isLoopbackHost(url.hostname);
}

/**
 * `url.hash` is '' for an empty fragment (`https://as/token#`), yet the `#` is still a fragment component. An unescaped
 * `#` survives parsing only as the fragment delimiter, so the serialised URL tells.
 */
export function hasFragment(url: URL): boolean {
  return url.href.includes('#');
}

/** An absolute URI without a fragment: what RFC 8707 §2 asks of a resource indicator. */
export function isAbsoluteUriWithoutFragment(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return !hasFragment(new URL(value));
  } catch {
    return false;
  }
}

/** RFC 8707 §2: an absolute URI without a fragment. */
export const isResourceIndicator = isAbsoluteUriWithoutFragment;
