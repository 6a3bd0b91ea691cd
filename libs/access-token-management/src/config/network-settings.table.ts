import type { Setting } from './setting.interface.js';

/** How a client's requests reach the network: through a forward proxy, or through a `fetch` of the user's own. */
export const CLIENT_NETWORK_SETTINGS: readonly Setting[] = [
  {
    option: 'proxyUrl',
    scope: 'client',
    env: 'PROXY_URL',
    kind: 'proxy-url',
    readmeDefault: "the module's",
    doc: 'Forward proxy `http://[user:pass@]host:port` of token, discovery and API requests, over `HTTPS_PROXY`/`HTTP_PROXY`; `NO_PROXY` applies (see "Proxies and the fetch client").',
  },
  {
    option: 'fetch',
    scope: 'client',
    kind: 'function',
    readmeDefault: "Node's `fetch`",
    doc: 'A `fetch` of your own (instrumented, ...) for the token and discovery requests (see "Proxies and the fetch client").',
  },
];

/** The module-wide proxy, for every client without one of its own. */
export const MODULE_NETWORK_SETTINGS: readonly Setting[] = [
  {
    option: 'proxyUrl',
    scope: 'module',
    env: 'PROXY_URL',
    kind: 'proxy-url',
    readmeDefault: '`HTTPS_PROXY` & co.',
    doc: 'Forward proxy of every client without its own `_PROXY_URL`. Credentials in it are never logged.',
  },
];
