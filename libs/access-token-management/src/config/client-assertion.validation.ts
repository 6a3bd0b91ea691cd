import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import type { ClientAuthMethod, ClientCredentialsClientOptions } from './client-options.interface.js';
import { DEFAULT_CLIENT_ASSERTION_AUDIENCE } from './defaults.js';
import {
  certificateInPem,
  resolveKeyCertificate,
  resolvePrivateKey,
  type CertificateThumbprints,
  type ResolvedPrivateKey,
} from './key-material.js';

const JWT_METHODS: readonly ClientAuthMethod[] = ['private_key_jwt', 'client_secret_jwt'];

function invalid(setting: string, problem: string, clientName: string): AccessTokenError {
  return new AccessTokenError(AccessTokenErrorCode.ConfigInvalid, `${setting} ${problem}`, clientName);
}

function isAbsoluteUriWithoutFragment(value: string): boolean {
  try {
    return !new URL(value).href.includes('#');
  } catch {
    return false;
  }
}

/**
 * The `aud` of a client's JWT assertions: `token_endpoint` (the default), `issuer` (needs discovery, where the issuer is
 * known) or an explicit absolute URI. Undefined for methods without assertions, where setting it is a mistake.
 */
export function validateClientAssertionAudience(
  client: ClientCredentialsClientOptions,
  authMethod: ClientAuthMethod,
  setting: (field: string) => string,
  name: string,
): string | undefined {
  const audience = client.clientAssertionAudience;
  if (!JWT_METHODS.includes(authMethod)) {
    if (audience === undefined) return undefined;
    throw invalid(
      setting('clientAssertionAudience'),
      `is only used by private_key_jwt and client_secret_jwt (${setting('authMethod')} is ${authMethod})`,
      name,
    );
  }
  if (audience === undefined) return DEFAULT_CLIENT_ASSERTION_AUDIENCE;
  if (audience === 'token_endpoint') return audience;
  if (audience === 'issuer') {
    if (client.issuer === undefined) {
      throw invalid(
        setting('clientAssertionAudience'),
        `is issuer, which is known only with discovery: set ${setting('issuer')} instead of ${setting('tokenEndpoint')}, or give the issuer URI itself`,
        name,
      );
    }
    return audience;
  }
  if (typeof audience !== 'string' || audience.length > 2048 || !isAbsoluteUriWithoutFragment(audience)) {
    throw invalid(
      setting('clientAssertionAudience'),
      'must be token_endpoint, issuer or an absolute URI without a fragment',
      name,
    );
  }
  return audience;
}

/** A `kid` is an opaque string (RFC 7515 §4.1.4); printable ASCII keeps it safe in headers, logs and messages. */
const KID = /^[\x21-\x7E]{1,256}$/;

/**
 * The private_key_jwt signing key: its algorithm, the `kid` its assertions carry (the setting, which must agree with a
 * JWK's own) and, with a certificate credential, the certificate's thumbprints.
 */
export function validateClientAssertionKey(
  client: ClientCredentialsClientOptions,
  setting: (field: string) => string,
  name: string,
): { clientAssertionKey: ResolvedPrivateKey; clientAssertionCertificate?: CertificateThumbprints } {
  if (client.privateKey === undefined) {
    throw invalid(setting('privateKey'), 'is missing (required by private_key_jwt)', name);
  }
  const key = resolvePrivateKey(client.privateKey, setting('privateKey'), name, {
    alg: { value: client.clientAssertionAlg, setting: setting('clientAssertionAlg') },
  });
  const clientAssertionKey = withKid(key, client.privateKeyKid, setting, name);
  // The setting, else a certificate that shares the key's PEM (openssl pkcs12 -nodes writes both).
  const [certificate, certificateSetting] =
    client.clientAssertionCertificate !== undefined
      ? [client.clientAssertionCertificate, setting('clientAssertionCertificate')]
      : [certificateInPem(client.privateKey), setting('privateKey')];
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

function withKid(
  key: ResolvedPrivateKey,
  kid: unknown,
  setting: (field: string) => string,
  name: string,
): ResolvedPrivateKey {
  if (kid === undefined) return key;
  if (typeof kid !== 'string' || !KID.test(kid)) {
    throw invalid(setting('privateKeyKid'), 'must be 1-256 printable ASCII characters without spaces', name);
  }
  if (key.kid !== undefined && key.kid !== kid) {
    throw invalid(
      setting('privateKeyKid'),
      `differs from the "kid" of the JWK in ${setting('privateKey')}: set one of them, or make them equal`,
      name,
    );
  }
  return Object.freeze({ ...key, kid });
}
