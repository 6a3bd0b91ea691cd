import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { Request } from 'express';

/**
 * RFC 8705 section 3.1: the `x5t#S256` of the client certificate presented on this request's TLS connection
 * (base64url SHA-256 of its DER), or undefined over plain http or without a certificate. The chain is not checked:
 * a certificate-bound token is bound to this very certificate, whoever issued it.
 */
export function clientCertificateThumbprint(request: Request): string | undefined {
  const socket = request.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const raw = socket.getPeerCertificate()?.raw;
  return raw ? createHash('sha256').update(raw).digest('base64url') : undefined;
}
