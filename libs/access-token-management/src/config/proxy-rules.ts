import type { EnvSource } from './env-values.js';
import { readEnv } from './env-values.js';
import { NoProxyList } from './no-proxy.js';
import { proxyAddressOf, type ProxyAddress } from './proxy-address.js';

/**
 * Which proxy a client's requests go through, decided per URL the same way for the token endpoint, discovery and the
 * API: none for a host of `NO_PROXY`; else the client's `proxyUrl` (or the module's); else, as curl does, `https_proxy`
 * / `HTTPS_PROXY` for https URLs and `http_proxy` / `HTTP_PROXY` for http ones (the lower-case name first).
 */
export class ProxyRules {
  private readonly noProxy: NoProxyList;
  private readonly http?: ProxyAddress;
  private readonly https?: ProxyAddress;

  private constructor(explicit: ProxyAddress | undefined, env: EnvSource) {
    this.noProxy = new NoProxyList(readEnv(env, 'no_proxy') ?? readEnv(env, 'NO_PROXY'));
    this.http = explicit ?? environmentProxy(env, 'http_proxy', 'HTTP_PROXY');
    this.https = explicit ?? environmentProxy(env, 'https_proxy', 'HTTPS_PROXY');
  }

  /**
   * The rules of a client, or `undefined` when no proxy is configured at all (every request goes direct).
   * @param explicit the client's `proxyUrl`, else the module's
   * @param env where `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` are read, once: the process environment
   * @throws AccessTokenError `ERR_CONFIG_INVALID` for a proxy variable that is not a proxy URL
   */
  static of(explicit: ProxyAddress | undefined, env: EnvSource = process.env): ProxyRules | undefined {
    const rules = new ProxyRules(explicit, env);
    return rules.http === undefined && rules.https === undefined ? undefined : rules;
  }

  /** The proxy requests to `url` go through; `undefined`: direct. */
  proxyFor(url: URL): ProxyAddress | undefined {
    const proxy = url.protocol === 'https:' ? this.https : this.http;
    return proxy === undefined || this.noProxy.matches(url) ? undefined : proxy;
  }
}

function environmentProxy(env: EnvSource, lower: string, upper: string): ProxyAddress | undefined {
  const name = readEnv(env, lower) !== undefined ? lower : upper;
  const value = readEnv(env, name);
  return value === undefined ? undefined : proxyAddressOf(value, name);
}
