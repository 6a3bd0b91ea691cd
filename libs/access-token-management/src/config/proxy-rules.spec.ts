import { describe, expect, it } from '@jest/globals';
import { inspect } from 'node:util';
import { NoProxyList } from './no-proxy.js';
import { parseProxyUrl } from './proxy-address.js';
import { ProxyRules } from './proxy-rules.js';

const direct = (list: string, url: string) => new NoProxyList(list).matches(new URL(url));

describe('NO_PROXY, read as curl reads it', () => {
  it.each([
    ['example.com', 'https://example.com/x', true],
    ['example.com', 'https://api.example.com/x', true],
    ['.example.com', 'https://example.com/x', true],
    ['*.example.com', 'https://a.b.example.com/x', true],
    ['example.com', 'https://notexample.com/x', false],
    ['example.com', 'https://example.com.evil.test/x', false],
    ['EXAMPLE.com', 'https://Example.COM./x', true],
    ['*', 'https://anything.test/x', true],
    ['10.0.0.0/8', 'http://10.1.2.3/x', true],
    ['10.0.0.0/8', 'http://11.1.2.3/x', false],
    ['127.0.0.1', 'http://127.0.0.1:8080/x', true],
    ['127.0.0.1:8080', 'http://127.0.0.1:8080/x', true],
    ['127.0.0.1:8080', 'http://127.0.0.1:9090/x', false],
    ['example.com:443', 'https://example.com/x', true],
    ['example.com:443', 'http://example.com/x', false],
    ['[::1]', 'http://[::1]:3000/x', true],
    ['::1', 'http://[::1]:3000/x', true],
    ['fd00::/8', 'http://[fd12::1]/x', true],
    ['a.test, b.test c.test', 'https://c.test/x', true],
    ['', 'https://example.com/x', false],
  ])('%j for %s: direct %s', (list, url, expected) => {
    expect(direct(list, url)).toBe(expected);
  });
});

describe('the proxy of each URL', () => {
  it('none configured: no rules at all (every request direct)', () => {
    expect(ProxyRules.of(undefined, { NO_PROXY: 'example.com' })).toBeUndefined();
  });

  it('https_proxy for https, http_proxy for http, the lower-case name first', () => {
    const rules = ProxyRules.of(undefined, {
      https_proxy: 'http://lower-https:3128',
      HTTPS_PROXY: 'http://upper-https:3128',
      HTTP_PROXY: 'upper-http:8080', // no scheme: http://, as curl
    });
    expect(rules?.proxyFor(new URL('https://api.test/'))?.origin).toBe('http://lower-https:3128');
    expect(rules?.proxyFor(new URL('http://api.test/'))?.origin).toBe('http://upper-http:8080');
  });

  it('an explicit proxyUrl serves both schemes, and NO_PROXY still applies to it', () => {
    const rules = ProxyRules.of(parseProxyUrl('http://proxy.internal:3128'), {
      HTTPS_PROXY: 'http://other:1',
      no_proxy: 'internal.test',
    });
    expect(rules?.proxyFor(new URL('https://api.test/'))?.origin).toBe('http://proxy.internal:3128');
    expect(rules?.proxyFor(new URL('http://api.test/'))?.origin).toBe('http://proxy.internal:3128');
    expect(rules?.proxyFor(new URL('https://svc.internal.test/'))).toBeUndefined();
  });

  it('a bad variable: ERR_CONFIG_INVALID naming it, never its value', () => {
    let error: (Error & { code?: string }) | undefined;
    try {
      ProxyRules.of(undefined, { HTTPS_PROXY: 'socks5://u:s3cret@proxy:1080' });
    } catch (caught) {
      error = caught as Error & { code?: string };
    }
    expect(error?.code).toBe('ERR_CONFIG_INVALID');
    expect(error?.message).toContain('HTTPS_PROXY');
    expect(error?.message).not.toContain('s3cret');
  });

  it('a proxy address shows its origin only: inspect, JSON, template strings', () => {
    const address = parseProxyUrl('http://svc:pa55@proxy.internal:3128');
    expect(address?.href).toBe('http://svc:pa55@proxy.internal:3128/');
    for (const shown of [inspect(address, { depth: 5 }), JSON.stringify({ address }), `${address?.origin}`]) {
      expect(shown).not.toContain('pa55');
    }
  });
});
