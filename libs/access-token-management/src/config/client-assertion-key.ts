import { configError } from '../errors.js';
import { certificateInPem, resolveKeyCertificate } from './certificates.js';
import type { CertificateThumbprints, ResolvedPrivateKey } from './key-material.js';
import { resolvePrivateKey } from './private-key.js';

/** The private_key_jwt settings this file reads, after their own checks. */
interface AssertionKeySettings {
  readonly privateKey?: unknown;
  readonly privateKeyKid?: string;
  readonly clientAssertionCertificate?: unknown;
  readonly clientAssertionAlg?: unknown;
}

/**
 * The private_key_jwt signing key: its algorithm, the `kid` its assertions carry (the setting, which must agree with a
 * JWK's own) and, with a certificate credential, the certificate's thumbprints.
 */
export function resolveClientAssertionKey(
  values: AssertionKeySettings,
  setting: (field: string) => string,
  name: string,
): { clientAssertionKey: ResolvedPrivateKey; clientAssertionCertificate?: CertificateThumbprints } {
  const key = resolvePrivateKey(values.privateKey, setting('privateKey'), name, {
    alg: { value: values.clientAssertionAlg, setting: setting('clientAssertionAlg') },
  });
  const clientAssertionKey = withKid(key, values.privateKeyKid, setting, name);
  // The setting, else a certificate that shares the key's PEM (openssl pkcs12 -nodes writes both).
  const [certificate, certificateSetting] =
    values.clientAssertionCertificate !== undefined
      ? [values.clientAssertionCertificate, setting('clientAssertionCertificate')]
      : [certificateInPem(values.privateKey), setting('privateKey')];
  if (certificate === undefined) return { clientAssertionKey };
  return {
    clientAssertionKey,
    clientAssertionCertificate: resolveKeyCertificate(
      certificate,
      key.key,
      { certificate: certificateSetting, key: setting('privateKey') },
      name,
    ),
  };
}

/** The `kid` setting (its form is checked by its table row) must agree with the JWK's own. */
function withKid(
  key: ResolvedPrivateKey,
  kid: string | undefined,
  setting: (field: string) => string,
  name: string,
): ResolvedPrivateKey {
  if (kid === undefined) return key;
  if (key.kid !== undefined && key.kid !== kid) {
    throw configError(
      setting('privateKeyKid'),
      `differs from the "kid" of the JWK in ${setting('privateKey')}: set one of them, or make them equal`,
      name,
    );
  }
  return Object.freeze({ ...key, kid });
}
