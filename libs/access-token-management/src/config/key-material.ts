import type { JsonWebKey, KeyObject } from 'node:crypto';

/**
 * The shapes of key material: as users give it, and as validation hands it on. Parsing and matching live beside this
 * file: `private-key.ts` (PEM/JWK signing keys), `certificates.ts` (X.509 certificates), `tls-material.ts` (mTLS).
 */

/** A private key as users give it: PEM text (PKCS#8, PKCS#1 or SEC1), a private JWK, or a JWK as JSON text. */
export type PrivateKeyInput = string | JsonWebKey;

/**
 * A validated asymmetric private key and the JWS algorithm it signs with. Held as a `KeyObject`, which logs and
 * serialises without its key material.
 */
export interface ResolvedPrivateKey {
  readonly key: KeyObject;
  /** JWS `alg`: from the setting, else the JWK's `alg`, else the key type's usual one. */
  readonly alg: string;
  /** JWK `kid`, when the key came as a JWK with one. */
  readonly kid?: string;
}

/** The client's TLS material, checked: the certificate and key belong together. */
export interface ResolvedTlsOptions {
  /** Client certificate PEM (leaf first, chain may follow), presented to the token endpoint and the API. */
  readonly certificate?: string;
  /** The certificate's private key, PEM. Not enumerable, so logging the options does not print it. */
  readonly key?: string;
  /** PEM of the CA certificate(s) trusted for the token endpoint and the API; Node's roots when absent. */
  readonly ca?: string;
  /** RFC 8705 `x5t#S256` of the client certificate: what a certificate-bound token is bound to. */
  readonly certificateThumbprint?: string;
}

/**
 * What a certificate credential (RFC 7515 §4.1.7, §4.1.8) adds to the assertion header: the base64url SHA-1 and SHA-256
 * thumbprints of the certificate's DER, by which Entra ID and others find the registered certificate.
 */
export interface CertificateThumbprints {
  readonly x5t: string;
  readonly 'x5t#S256': string;
}

/** `.env` files often hold a PEM on one line with literal `\n`; turn those into line breaks. */
export function normalizePem(text: string): string {
  const trimmed = text.trim();
  return trimmed.includes('\n') ? trimmed : trimmed.replace(/\\n/g, '\n');
}

/** The header of a PEM private key, in any of the encodings Node reads. */
export const PEM_PRIVATE_KEY = /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;
