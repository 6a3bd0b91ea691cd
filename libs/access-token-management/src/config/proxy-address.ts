import { configError } from '../errors.js';

/**
 * A forward proxy's URL. Its `origin` (scheme, host, port) is what messages and logs show; the URL itself, which may
 * carry `user:password@`, is kept in a private field that `util.inspect` and `JSON.stringify` do not reach.
 */
export class ProxyAddress {
  /** `http://proxy.internal:3128`: never credentials. */
  readonly origin: string;
  readonly #href: string;

  constructor(url: URL) {
    this.origin = url.origin;
    this.#href = url.href;
  }

  /** The full URL, credentials included: for the proxy client only, never for a message. */
  get href(): string {
    return this.#href;
  }

  toJSON(): string {
    return this.origin;
  }
}

/**
 * Parses a proxy URL as curl reads one: `http://` or `https://` (no scheme means `http://`), a host, an optional port
 * and `user:password@`. `undefined` when it is not one; the caller names the setting.
 */
export function parseProxyUrl(value: unknown): ProxyAddress | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const text = value.trim();
  const withScheme = /^[a-z][a-z\d+\-.]*:\/\//i.test(text) ? text : `http://${text}`;
  const url = URL.parse(withScheme);
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    return undefined;
  }
  return new ProxyAddress(url);
}

/** The same, for a setting: `ERR_CONFIG_INVALID` naming it (never the value, which may hold a password). */
export function proxyAddressOf(value: unknown, setting: string, clientName?: string): ProxyAddress {
  const address = parseProxyUrl(value);
  if (address === undefined) {
    throw configError(
      setting,
      'must be the http(s) URL of a proxy, e.g. http://proxy.internal:3128',
      clientName,
    );
  }
  return address;
}
