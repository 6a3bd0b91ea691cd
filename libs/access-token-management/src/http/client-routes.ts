import type { InternalAxiosRequestConfig } from 'axios';
import type { ClientAgents } from './client-agents.js';

/**
 * Gives a request for axios' http adapter the client's agent for `url`: through the client's proxy (CONNECT for
 * https), or direct for a `NO_PROXY` host, with the client's CAs, and its certificate when `presentCertificate`.
 * When a proxy is configured, axios' own environment proxy handling is turned off for the request (`proxy: false`):
 * the agent decides, with `NO_PROXY` read as curl reads it, the same way as for the token requests.
 *
 * The caller's own choices stay: an agent it set for the URL's scheme keeps the whole route; a `proxy` it set keeps
 * axios' proxy handling, with the client's TLS agent under it.
 *
 * @returns whether the request goes through the client's agents (its redirect hops are then routed the same way)
 */
export function useClientAgents(
  config: InternalAxiosRequestConfig,
  agents: ClientAgents,
  url: URL | undefined,
  presentCertificate: boolean,
): boolean {
  if (url === undefined) return false;
  const slot = url.protocol === 'https:' ? 'httpsAgent' : 'httpAgent';
  const current: unknown = config[slot];
  const ours = current !== undefined && agents.owns(current);
  if (current !== undefined && !ours) return false;
  // `proxy: false` with one of our agents is ours too: the same request sent again (a retry library's copy).
  const callerProxy = config.proxy !== undefined && !(config.proxy === false && ours);
  if (agents.proxied && !callerProxy) {
    config.proxy = false;
    config[slot] = agents.agentFor(url, presentCertificate);
  } else {
    config[slot] = agents.directFor(url, presentCertificate);
  }
  return true;
}
