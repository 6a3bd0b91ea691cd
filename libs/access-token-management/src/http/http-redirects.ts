import type { InternalAxiosRequestConfig } from 'axios';
import type { ClientCertificateAgents } from './client-certificate.js';

type RedirectOptions = Record<string, unknown>;
/** The hook of any axios of the peer range: older ones pass (options, responseDetails), later ones add requestDetails. */
type BeforeRedirect = (options: RedirectOptions, ...details: unknown[]) => void;

/** Our hooks, to the user's hook each wraps: a request sent again (a retry library) is not wrapped twice. */
const ownHooks = new WeakMap<BeforeRedirect, BeforeRedirect | undefined>();

/**
 * For axios' http adapter, whose redirects follow-redirects follows: every hop after the first loses `Authorization`
 * and `DPoP` (follow-redirects only drops them across origins, and keeps them for subdomains), and the client's https
 * agent — its certificate — is used only on hops to the client's origin, since follow-redirects reuses the request's
 * agent on every hop. An agent the caller set on the request is the caller's and stays.
 */
export function keepCredentialsOffRedirects(
  config: InternalAxiosRequestConfig,
  pinnedBase: URL,
  agents: ClientCertificateAgents | undefined,
): void {
  const ownAgent =
    agents !== undefined && (config.httpsAgent === undefined || config.httpsAgent === agents.presenting);
  if (ownAgent) config.httpsAgent = agents.presenting;
  const userHook = config.beforeRedirect && unwrap(config.beforeRedirect as BeforeRedirect);
  const hook: BeforeRedirect = (options, ...details) => {
    stripCredentials(options);
    if (ownAgent) presentCertificateToOwnOrigin(options, pinnedBase, agents);
    userHook?.(options, ...details);
  };
  ownHooks.set(hook, userHook);
  config.beforeRedirect = hook;
}

function unwrap(hook: BeforeRedirect): BeforeRedirect | undefined {
  return ownHooks.has(hook) ? ownHooks.get(hook) : hook;
}

function stripCredentials(options: RedirectOptions): void {
  const headers = (options as { headers?: Record<string, unknown> }).headers;
  if (!headers) return;
  for (const name of Object.keys(headers)) {
    if (/^(authorization|dpop)$/i.test(name)) delete headers[name];
  }
}

/** follow-redirects takes each hop's agent from `options.agents[scheme]`, after this hook has run. */
function presentCertificateToOwnOrigin(
  options: RedirectOptions,
  pinnedBase: URL,
  agents: ClientCertificateAgents,
): void {
  const hop = options as { href?: string; agents?: Record<string, unknown>; agent?: unknown };
  const agent = hopOrigin(hop.href) === pinnedBase.origin ? agents.presenting : agents.anonymous;
  if (hop.agents) hop.agents = { ...hop.agents, https: agent };
  else hop.agent = agent;
}

function hopOrigin(href: string | undefined): string | undefined {
  try {
    return href === undefined ? undefined : new URL(href).origin;
  } catch {
    return undefined;
  }
}
