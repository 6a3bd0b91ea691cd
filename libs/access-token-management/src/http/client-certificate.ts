import { Agent } from 'node:https';
import type { InternalAxiosRequestConfig } from 'axios';
import type { ResolvedTlsOptions } from '../config/key-material.js';

/**
 * The https agent for API calls of a client with TLS settings: it presents the client certificate, so the API can
 * check a certificate-bound token (RFC 8705 §3), and trusts the configured CAs. `undefined` without TLS settings.
 */
export function clientCertificateAgent(tls: ResolvedTlsOptions | undefined): Agent | undefined {
  if (tls === undefined) return undefined;
  return new Agent({
    keepAlive: true,
    ...(tls.certificate !== undefined ? { cert: tls.certificate, key: tls.key } : {}),
    ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
  });
}

/** Sends the request through the client's agent, unless the caller chose an agent of its own. */
export function useClientCertificate(config: InternalAxiosRequestConfig, agent: Agent | undefined): void {
  if (agent !== undefined && config.httpsAgent === undefined) config.httpsAgent = agent;
}
