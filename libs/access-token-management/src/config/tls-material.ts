import { createHash } from 'node:crypto';
import { configError } from '../errors.js';
import { parseCertificate, pemCertificates } from './certificates.js';
import { PEM_PRIVATE_KEY, type ResolvedTlsOptions } from './key-material.js';
import { parsePrivateKey } from './private-key.js';

/** Settings names of the TLS material, for messages. */
export interface TlsSettingNames {
  certificate: string;
  key: string;
  ca: string;
}

/**
 * Validates the client's TLS material: a certificate with its key (that they come together is a cross-field rule,
 * checked before), and optional CA certificates.
 * @throws AccessTokenError `ERR_CONFIG_INVALID` naming the setting at fault.
 */
export function resolveTlsOptions(
  values: { certificate?: unknown; key?: unknown; ca?: unknown },
  settings: TlsSettingNames,
  clientName: string,
): ResolvedTlsOptions | undefined {
  const { certificate, key, ca } = values;
  if (certificate === undefined && key === undefined && ca === undefined) return undefined;
  const resolved: { certificate?: string; ca?: string; certificateThumbprint?: string } = {};
  let keyPem: string | undefined;
  if (certificate !== undefined) {
    const pem = pemCertificates(certificate, settings.certificate, clientName);
    const leaf = parseCertificate(pem, settings.certificate, clientName);
    if (typeof key !== 'string' || !PEM_PRIVATE_KEY.test(key)) {
      throw configError(settings.key, 'must be a PEM private key (-----BEGIN PRIVATE KEY-----)', clientName);
    }
    const keyObject = parsePrivateKey(key, settings.key, clientName).key;
    if (!leaf.checkPrivateKey(keyObject)) {
      throw configError(
        settings.key,
        `is not the key of the certificate in ${settings.certificate}`,
        clientName,
      );
    }
    resolved.certificate = pem;
    resolved.certificateThumbprint = createHash('sha256').update(leaf.raw).digest('base64url');
    keyPem = keyObject.export({ type: 'pkcs8', format: 'pem' }) as string;
  }
  if (ca !== undefined) {
    const pem = pemCertificates(ca, settings.ca, clientName);
    parseCertificate(pem, settings.ca, clientName);
    resolved.ca = pem;
  }
  const tls = { ...resolved };
  if (keyPem !== undefined) Object.defineProperty(tls, 'key', { value: keyPem, enumerable: false });
  return Object.freeze(tls);
}
