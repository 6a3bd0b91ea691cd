import {
  createHash,
  createPrivateKey,
  createPublicKey,
  sign,
  verify,
  X509Certificate,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';

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

function invalid(setting: string, problem: string, clientName: string): AccessTokenError {
  return new AccessTokenError(AccessTokenErrorCode.ConfigInvalid, `${setting} ${problem}`, clientName);
}

/** `.env` files often hold a PEM on one line with literal `\n`; turn those into line breaks. */
export function normalizePem(text: string): string {
  const trimmed = text.trim();
  return trimmed.includes('\n') ? trimmed : trimmed.replace(/\\n/g, '\n');
}

const PEM_PRIVATE_KEY = /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;

/**
 * Parses a private key given as PEM or JWK. Messages name the setting and the problem, never any part of the value.
 */
function toKeyObject(
  input: unknown,
  setting: string,
  clientName: string,
): { key: KeyObject; jwk?: JsonWebKey } {
  let jwk: JsonWebKey | undefined;
  if (typeof input === 'string') {
    const text = input.trim();
    if (text.startsWith('{')) {
      try {
        jwk = JSON.parse(text) as JsonWebKey;
      } catch {
        throw invalid(
          setting,
          'is neither a PEM private key nor a JWK (the JSON does not parse)',
          clientName,
        );
      }
    } else if (PEM_PRIVATE_KEY.test(text)) {
      if (text.includes('ENCRYPTED PRIVATE KEY')) {
        throw invalid(
          setting,
          'is an encrypted private key: give it unencrypted (protect the file instead)',
          clientName,
        );
      }
      try {
        return { key: createPrivateKey({ key: normalizePem(text), format: 'pem' }) };
      } catch {
        throw invalid(setting, 'is not a readable PEM private key', clientName);
      }
    } else {
      throw invalid(
        setting,
        'must be a PEM private key (-----BEGIN PRIVATE KEY-----) or a private JWK',
        clientName,
      );
    }
  } else if (input !== null && typeof input === 'object') {
    jwk = input as JsonWebKey;
  } else {
    throw invalid(setting, 'must be a PEM private key or a private JWK', clientName);
  }
  if (typeof jwk !== 'object' || jwk === null || typeof jwk.kty !== 'string') {
    throw invalid(setting, 'is not a JWK (no "kty")', clientName);
  }
  if (jwk.d === undefined)
    throw invalid(setting, 'is a public JWK: the private key (with "d") is needed', clientName);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: jwk, format: 'jwk' });
    // Node takes a JWK's public members as given: a signature checked with them proves the private part belongs.
    const probe = Buffer.from('key check');
    const digest = key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
    const publicKey = createPublicKey({ key: jwk, format: 'jwk' });
    if (!verify(digest, probe, publicKey, sign(digest, probe, key))) throw new Error('mismatch');
  } catch {
    throw invalid(setting, 'is not a usable private JWK', clientName);
  }
  return { key, jwk };
}

const EC_ALGORITHMS: Readonly<Record<string, string>> = {
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
};

/** The JWS algorithms a key can sign with, its usual one first. */
export function signingAlgorithmsOf(key: KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
    case 'ec': {
      const alg = EC_ALGORITHMS[key.asymmetricKeyDetails?.namedCurve ?? ''];
      return alg ? [alg] : [];
    }
    case 'ed25519':
      return ['Ed25519', 'EdDSA'];
    default:
      return [];
  }
}

export interface PrivateKeyRules {
  /** The algorithm asked for by a setting of its own, and that setting's name. */
  alg?: { value: string | undefined; setting: string };
  /** Algorithms the consumer accepts (e.g. DPoP servers commonly take ES256, PS256, Ed25519). */
  allowed?: readonly string[];
}

/**
 * Validates a private key for signing JWTs (client assertions, DPoP proofs) and picks its algorithm.
 * @throws AccessTokenError `ERR_CONFIG_INVALID` naming `setting`, never echoing the key.
 */
export function resolvePrivateKey(
  input: unknown,
  setting: string,
  clientName: string,
  rules: PrivateKeyRules = {},
): ResolvedPrivateKey {
  const { key, jwk } = toKeyObject(input, setting, clientName);
  const supported = signingAlgorithmsOf(key).filter((alg) => !rules.allowed || rules.allowed.includes(alg));
  if (supported.length === 0) {
    throw invalid(
      setting,
      `has an unsupported key type (${key.asymmetricKeyType ?? 'unknown'}${
        key.asymmetricKeyType === 'ec'
          ? ` on ${key.asymmetricKeyDetails?.namedCurve ?? 'an unknown curve'}`
          : ''
      }); use an EC P-256/P-384/P-521, RSA (2048 bits or more) or Ed25519 key`,
      clientName,
    );
  }
  if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    throw invalid(setting, 'is an RSA key shorter than 2048 bits', clientName);
  }
  const requested = rules.alg?.value ?? (typeof jwk?.alg === 'string' ? jwk.alg : undefined);
  if (requested !== undefined && !supported.includes(requested)) {
    const where = rules.alg?.value !== undefined ? rules.alg.setting : `the "alg" of ${setting}`;
    throw invalid(
      where,
      `does not fit the key (a ${key.asymmetricKeyType} key signs with: ${supported.join(', ')})`,
      clientName,
    );
  }
  const kid = typeof jwk?.kid === 'string' && jwk.kid !== '' ? jwk.kid : undefined;
  return Object.freeze({ key, alg: requested ?? (supported[0] as string), ...(kid ? { kid } : {}) });
}

/** Settings names of the TLS material, for messages. */
export interface TlsSettingNames {
  certificate: string;
  key: string;
  ca: string;
}

/**
 * Validates the client's TLS material: a certificate with its key (both or neither), and optional CA certificates.
 * @throws AccessTokenError `ERR_CONFIG_INVALID` naming the setting at fault.
 */
export function resolveTlsOptions(
  values: { certificate?: unknown; key?: unknown; ca?: unknown },
  settings: TlsSettingNames,
  clientName: string,
): ResolvedTlsOptions | undefined {
  const { certificate, key, ca } = values;
  if (certificate === undefined && key === undefined && ca === undefined) return undefined;
  if ((certificate === undefined) !== (key === undefined)) {
    const [missing, present] =
      certificate === undefined ? [settings.certificate, settings.key] : [settings.key, settings.certificate];
    throw invalid(missing, `is missing (${present} is set; a client certificate needs its key)`, clientName);
  }
  const resolved: { certificate?: string; ca?: string; certificateThumbprint?: string } = {};
  let keyPem: string | undefined;
  if (certificate !== undefined) {
    const pem = pemCertificates(certificate, settings.certificate, clientName);
    const leaf = parseCertificate(pem, settings.certificate, clientName);
    if (typeof key !== 'string' || !PEM_PRIVATE_KEY.test(key)) {
      throw invalid(settings.key, 'must be a PEM private key (-----BEGIN PRIVATE KEY-----)', clientName);
    }
    const keyObject = toKeyObject(key, settings.key, clientName).key;
    if (!leaf.checkPrivateKey(keyObject)) {
      throw invalid(settings.key, `is not the key of the certificate in ${settings.certificate}`, clientName);
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

/**
 * What a certificate credential (RFC 7515 §4.1.7, §4.1.8) adds to the assertion header: the base64url SHA-1 and SHA-256
 * thumbprints of the certificate's DER, by which Entra ID and others find the registered certificate.
 */
export interface CertificateThumbprints {
  readonly x5t: string;
  readonly 'x5t#S256': string;
}

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
    throw invalid(settings.certificate, `is not the certificate of the key in ${settings.key}`, clientName);
  }
  return Object.freeze({
    x5t: createHash('sha1').update(leaf.raw).digest('base64url'),
    'x5t#S256': createHash('sha256').update(leaf.raw).digest('base64url'),
  });
}

function pemCertificates(value: unknown, setting: string, clientName: string): string {
  if (typeof value !== 'string' || !value.includes('-----BEGIN CERTIFICATE-----')) {
    throw invalid(setting, 'must be PEM certificate text (-----BEGIN CERTIFICATE-----)', clientName);
  }
  return normalizePem(value);
}

function parseCertificate(pem: string, setting: string, clientName: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw invalid(setting, 'is not a readable PEM certificate', clientName);
  }
}
