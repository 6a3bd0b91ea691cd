import {
  createPrivateKey,
  createPublicKey,
  sign,
  verify,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { configError } from '../errors.js';
import { normalizePem, PEM_PRIVATE_KEY, type ResolvedPrivateKey } from './key-material.js';

/**
 * Parses a private key given as PEM or JWK. Messages name the setting and the problem, never any part of the value.
 */
export function parsePrivateKey(
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
        throw configError(
          setting,
          'is neither a PEM private key nor a JWK (the JSON does not parse)',
          clientName,
        );
      }
    } else if (PEM_PRIVATE_KEY.test(text)) {
      return { key: parsePemPrivateKey(text, setting, clientName) };
    } else {
      throw configError(
        setting,
        'must be a PEM private key (-----BEGIN PRIVATE KEY-----) or a private JWK',
        clientName,
      );
    }
  } else if (input !== null && typeof input === 'object') {
    jwk = input as JsonWebKey;
  } else {
    throw configError(setting, 'must be a PEM private key or a private JWK', clientName);
  }
  return { key: parseJwkPrivateKey(jwk, setting, clientName), jwk };
}

function parsePemPrivateKey(text: string, setting: string, clientName: string): KeyObject {
  if (text.includes('ENCRYPTED PRIVATE KEY')) {
    throw configError(
      setting,
      'is an encrypted private key: give it unencrypted (protect the file instead)',
      clientName,
    );
  }
  try {
    return createPrivateKey({ key: normalizePem(text), format: 'pem' });
  } catch {
    throw configError(setting, 'is not a readable PEM private key', clientName);
  }
}

function parseJwkPrivateKey(jwk: JsonWebKey, setting: string, clientName: string): KeyObject {
  if (typeof jwk !== 'object' || jwk === null || typeof jwk.kty !== 'string') {
    throw configError(setting, 'is not a JWK (no "kty")', clientName);
  }
  if (jwk.d === undefined) {
    throw configError(setting, 'is a public JWK: the private key (with "d") is needed', clientName);
  }
  try {
    const key = createPrivateKey({ key: jwk, format: 'jwk' });
    // Node takes a JWK's public members as given: a signature checked with them proves the private part belongs.
    const probe = Buffer.from('key check');
    const digest = key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
    const publicKey = createPublicKey({ key: jwk, format: 'jwk' });
    if (!verify(digest, probe, publicKey, sign(digest, probe, key))) throw new Error('mismatch');
    return key;
  } catch {
    throw configError(setting, 'is not a usable private JWK', clientName);
  }
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
  alg?: { value: unknown; setting: string };
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
  const { key, jwk } = parsePrivateKey(input, setting, clientName);
  const supported = signingAlgorithmsOf(key).filter((alg) => !rules.allowed || rules.allowed.includes(alg));
  if (supported.length === 0) {
    const curve =
      key.asymmetricKeyType === 'ec'
        ? ` on ${key.asymmetricKeyDetails?.namedCurve ?? 'an unknown curve'}`
        : '';
    throw configError(
      setting,
      `has an unsupported key type (${key.asymmetricKeyType ?? 'unknown'}${curve}); use an EC P-256/P-384/P-521, RSA (2048 bits or more) or Ed25519 key`,
      clientName,
    );
  }
  if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    throw configError(setting, 'is an RSA key shorter than 2048 bits', clientName);
  }
  const requested = rules.alg?.value ?? (typeof jwk?.alg === 'string' ? jwk.alg : undefined);
  if (requested !== undefined && !supported.includes(requested as string)) {
    const where = rules.alg?.value !== undefined ? rules.alg.setting : `the "alg" of ${setting}`;
    throw configError(
      where,
      `does not fit the key (a ${key.asymmetricKeyType} key signs with: ${supported.join(', ')})`,
      clientName,
    );
  }
  const kid = typeof jwk?.kid === 'string' && jwk.kid !== '' ? jwk.kid : undefined;
  const alg = (requested as string | undefined) ?? (supported[0] as string);
  return Object.freeze({ key, alg, ...(kid ? { kid } : {}) });
}
