import type { Agent as NodeAgent } from 'node:http';
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

/** Closes an agent's idle keep-alive sockets; requests still running on it finish as they are. */
export function closeIdle(agent: NodeAgent | undefined): void {
  for (const sockets of Object.values(agent?.freeSockets ?? {})) {
    for (const socket of sockets ?? []) socket.destroy();
  }
}
