import type { InternalAxiosRequestConfig } from 'axios';
import type { ClientAgents } from './client-agents.js';
import { useClientAgents } from './client-routes.js';
import { requestUrl } from './request-url.js';

type RedirectOptions = Record<string, unknown>;
/** The hook of any axios of the peer range: older ones pass (options, responseDetails), later ones add requestDetails. */
type BeforeRedirect = (options: RedirectOptions, ...details: unknown[]) => void;

/** Our hooks, to the user's hook each wraps: a request sent again (a retry library) is not wrapped twice. */
const ownHooks = new WeakMap<BeforeRedirect, BeforeRedirect | undefined>();

/**
 * For axios' http adapter, whose redirects follow-redirects follows: every hop after the first loses `Authorization`
 * and `DPoP` (follow-redirects only drops them across origins, and keeps them for subdomains), and the client's agents
 * — its certificate, its proxy — are chosen again for each hop, the certificate only on hops to the client's origin,
 * since follow-redirects reuses the request's agent on every hop. An agent the caller set on the request is the
 * caller's and stays.
 */
export function keepCredentialsOffRedirects(
  config: InternalAxiosRequestConfig,
  pinnedBase: URL,
  agents: ClientAgents | undefined,
): void {
  const routed =
    agents !== undefined && useClientAgents(config, agents, requestUrl(config, pinnedBase), true);
  onRedirect(config, routed ? routedStrip(agents, pinnedBase.origin) : stripCredentials);
}

/**
 * A request of the client's axios instance that carries no credentials (another origin) still goes the client's way:
 * through its proxy (or around it, for `NO_PROXY`), trusting its CAs, never with its certificate.
 */
export function routeWithoutCredentials(
  config: InternalAxiosRequestConfig,
  pinnedBase: URL,
  agents: ClientAgents,
): void {
  if (useClientAgents(config, agents, requestUrl(config, pinnedBase), false)) {
    onRedirect(
      config,
      ownHook(agents, undefined, () => (options) => routeHop(options, agents, undefined)),
    );
  }
}

type OwnHook = (options: RedirectOptions) => void;

/** Our hooks per client route and certificate origin: made once, not once per request. */
const routeHooks = new WeakMap<ClientAgents, Map<string | undefined, OwnHook>>();

function ownHook(agents: ClientAgents, key: string | undefined, make: () => OwnHook): OwnHook {
  let hooks = routeHooks.get(agents);
  if (hooks === undefined) routeHooks.set(agents, (hooks = new Map()));
  let hook = hooks.get(key);
  if (hook === undefined) hooks.set(key, (hook = make()));
  return hook;
}

function routedStrip(agents: ClientAgents, certificateOrigin: string): OwnHook {
  return ownHook(agents, certificateOrigin, () => (options) => {
    stripCredentials(options);
    routeHop(options, agents, certificateOrigin);
  });
}

/** The hook set for each of our hooks when the request had none of the user's: it is the same every time. */
const bareHooks = new WeakMap<OwnHook, BeforeRedirect>();

function onRedirect(config: InternalAxiosRequestConfig, own: OwnHook): void {
  const userHook = config.beforeRedirect && unwrap(config.beforeRedirect as BeforeRedirect);
  let hook = userHook ? undefined : bareHooks.get(own);
  if (hook === undefined) {
    hook = (options, ...details) => {
      own(options);
      userHook?.(options, ...details);
    };
    ownHooks.set(hook, userHook);
    if (!userHook) bareHooks.set(own, hook);
  }
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

/**
 * follow-redirects takes each hop's agent from `options.agents[scheme]`, after this hook has run: the hop's own route
 * (its proxy or none), with the certificate only when the hop goes to `certificateOrigin`. An agent of the hop's
 * scheme that the caller set stays.
 */
function routeHop(
  options: RedirectOptions,
  agents: ClientAgents,
  certificateOrigin: string | undefined,
): void {
  const hop = options as { href?: string; agents?: Record<string, unknown>; agent?: unknown };
  const url = hop.href === undefined ? undefined : URL.parse(hop.href);
  if (url === null || url === undefined) return;
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  const current = hop.agents ? hop.agents[scheme] : hop.agent;
  if (current !== undefined && !agents.owns(current)) return;
  const agent = agents.agentFor(url, url.origin === certificateOrigin);
  if (hop.agents) hop.agents = { ...hop.agents, [scheme]: agent };
  else hop.agent = agent;
}
