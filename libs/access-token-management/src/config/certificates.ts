import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import { configError } from '../errors.js';
import { normalizePem, type CertificateThumbprints } from './key-material.js';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/** The first certificate of a PEM text (a key file may carry the key's certificate); undefined when there is none. */
export function certificateInPem(text: unknown): string | undefined {
  return typeof text === 'string' ? PEM_CERTIFICATE.exec(normalizePem(text))?.[0] : undefined;
}

/**
 * Validates the certificate of a signing key and returns its thumbprints.
 * @throws AccessTokenError `ERR_CONFIG_INVALID` naming the setting, when it is no certificate or not the key's.
 */
export function resolveKeyCertificate(
  certificate: unknown,
  key: KeyObject,
  settings: { certificate: string; key: string },
  clientName: string,
): CertificateThumbprints {
  const leaf = parseCertificate(
    pemCertificates(certificate, settings.certificate, clientName),
    settings.certificate,
    clientName,
  );
  if (!leaf.checkPrivateKey(key)) {
    throw configError(
      settings.certificate,
      `is not the certificate of the key in ${settings.key}`,
      clientName,
    );
  }
  return Object.freeze({
    x5t: createHash('sha1').update(leaf.raw).digest('base64url'),
    'x5t#S256': createHash('sha256').update(leaf.raw).digest('base64url'),
  });
}

/** PEM certificate text, normalised. @throws AccessTokenError when the value holds no certificate. */
export function pemCertificates(value: unknown, setting: string, clientName: string): string {
  if (typeof value !== 'string' || !value.includes('-----BEGIN CERTIFICATE-----')) {
    throw configError(setting, 'must be PEM certificate text (-----BEGIN CERTIFICATE-----)', clientName);
  }
  return normalizePem(value);
}

/** The first certificate of a PEM text, parsed. @throws AccessTokenError when it does not parse. */
export function parseCertificate(pem: string, setting: string, clientName: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw configError(setting, 'is not a readable PEM certificate', clientName);
  }
}
