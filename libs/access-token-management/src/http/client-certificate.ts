import { Agent } from 'node:https';
import type { ResolvedTlsOptions } from '../config/key-material.js';

/** The https agents of a client with TLS settings. */
export interface ClientCertificateAgents {
  /** Presents the client certificate, so the API can check a certificate-bound token (RFC 8705 §3): its origin only. */
  presenting: Agent;
  /**
   * Trusts the same CAs without presenting the certificate: for the other origins a redirect leads to. `undefined`
   * means Node's default agent.
   */
  anonymous: Agent | undefined;
}

/** The agents for API calls of a client with TLS settings; `undefined` without them. */
export function clientCertificateAgents(
  tls: ResolvedTlsOptions | undefined,
): ClientCertificateAgents | undefined {
  if (tls === undefined) return undefined;
  const trust = tls.ca !== undefined ? { ca: tls.ca } : {};
  if (tls.certificate === undefined) {
    const agent = new Agent({ keepAlive: true, ...trust });
    return { presenting: agent, anonymous: agent };
  }
  return {
    presenting: new Agent({ keepAlive: true, cert: tls.certificate, key: tls.key, ...trust }),
    anonymous: tls.ca !== undefined ? new Agent({ keepAlive: true, ...trust }) : undefined,
  };
}

/**
 * Agents that follow the client's TLS material as it is now: when a rotated certificate replaces it, new agents are
 * made, so new API connections present the new certificate, and the old agents' idle connections are closed.
 * `undefined` for a client without TLS settings (they do not come or go at run time).
 */
export function currentClientCertificateAgents(
  current: () => ResolvedTlsOptions | undefined,
): ClientCertificateAgents | undefined {
  let tls = current();
  let agents = clientCertificateAgents(tls);
  if (agents === undefined) return undefined;
  const now = (): ClientCertificateAgents => {
    const latest = current();
    if (latest !== undefined && latest !== tls) {
      for (const agent of new Set([agents?.presenting, agents?.anonymous])) closeIdle(agent);
      tls = latest;
      agents = clientCertificateAgents(latest);
    }
    return agents as ClientCertificateAgents;
  };
  return {
    get presenting() {
      return now().presenting;
    },
    get anonymous() {
      return now().anonymous;
    },
  };
}

/** Closes an agent's idle keep-alive sockets; requests still running on it finish as they are. */
function closeIdle(agent: Agent | undefined): void {
  for (const sockets of Object.values(agent?.freeSockets ?? {})) {
    for (const socket of sockets ?? []) socket.destroy();
  }
}
