import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';

/** The parts of oidc-provider's request context the mTLS hooks read. */
interface TlsContext {
  socket?: unknown;
  req?: { socket?: unknown };
}

function tlsSocket(ctx: unknown): TLSSocket | undefined {
  const context = ctx as TlsContext;
  const socket = (context.req?.socket ?? context.socket) as Partial<TLSSocket> | undefined;
  return typeof socket?.getPeerCertificate === 'function' ? (socket as TLSSocket) : undefined;
}

/** The certificate the client presented on this connection, if any. */
export function peerCertificate(ctx: unknown): X509Certificate | undefined {
  const peer = tlsSocket(ctx)?.getPeerCertificate();
  return peer?.raw ? new X509Certificate(peer.raw) : undefined;
}

/** A distinguished name as a set of `type=value` pairs: `CN=a, O=b`, `O=b,CN=a` and Node's `CN=a\nO=b` compare equal. */
function dnParts(dn: string): string {
  return dn
    .split(/[,\n]/)
    .map((part) => part.trim().replace(/\s*=\s*/, '='))
    .filter(Boolean)
    .sort()
    .join(',');
}

/**
 * oidc-provider's `features.mTLS` (RFC 8705) for a server that terminates TLS itself and asks for (but does not
 * require) client certificates: the certificate comes from the TLS socket, `tls_client_auth` certificates must chain
 * to the configured client CA (Node checked that: `socket.authorized`), and the registered subject DN must match.
 * Tokens of clients registered with `tls_client_certificate_bound_access_tokens` carry `cnf["x5t#S256"]`.
 */
export function mtlsFeature() {
  return {
    enabled: true,
    certificateBoundAccessTokens: true,
    tlsClientAuth: true,
    selfSignedTlsClientAuth: true,
    getCertificate: (ctx: unknown) => peerCertificate(ctx),
    certificateAuthorized: (ctx: unknown) => tlsSocket(ctx)?.authorized === true,
    certificateSubjectMatches: (ctx: unknown, property: string, expected: string) => {
      const certificate = peerCertificate(ctx);
      return (
        property === 'tls_client_auth_subject_dn' &&
        certificate !== undefined &&
        dnParts(certificate.subject) === dnParts(expected)
      );
    },
  };
}
