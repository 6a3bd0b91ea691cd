import { readFileSync } from 'node:fs';
import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import type { ClientCredentialsClientOptions } from './client-options.interface.js';
import { readEnv, readEnvBoolean, type EnvSource } from './env-values.js';

/**
 * The env settings of client authentication and sender-constrained tokens, read from the variable or from the file a
 * `..._FILE` variable names (as container secrets are mounted). This is the one place in `config/` that reads files:
 * the env convention names them, and a key that cannot be read must stop start-up like any other bad setting.
 */

/** Option field -> env suffix, for the fields this file reads. */
export const KEY_MATERIAL_FIELDS = {
  privateKey: 'PRIVATE_KEY',
  privateKeyKid: 'PRIVATE_KEY_KID',
  clientAssertionCertificate: 'CLIENT_ASSERTION_CERT',
  clientAssertionAlg: 'CLIENT_ASSERTION_ALG',
  tlsCertificate: 'TLS_CERT',
  tlsKey: 'TLS_KEY',
  tlsCa: 'TLS_CA_FILE',
  dpop: 'DPOP',
  dpopPrivateKey: 'DPOP_PRIVATE_KEY',
} as const;

/** Fields that may also come from a file named by `<suffix>_FILE`. */
const FILE_FIELDS = [
  'privateKey',
  'clientAssertionCertificate',
  'tlsCertificate',
  'tlsKey',
  'dpopPrivateKey',
] as const;

/** Every env suffix this file reads, the `_FILE` variants included. */
export const KEY_MATERIAL_SUFFIXES: readonly string[] = [
  ...Object.values(KEY_MATERIAL_FIELDS),
  ...FILE_FIELDS.map((field) => `${KEY_MATERIAL_FIELDS[field]}_FILE`),
];

type KeyMaterialOptions = Pick<ClientCredentialsClientOptions, keyof typeof KEY_MATERIAL_FIELDS>;

function configError(message: string, clientName: string): AccessTokenError {
  return new AccessTokenError(AccessTokenErrorCode.ConfigInvalid, message, clientName);
}

function readFile(variable: string, path: string, clientName: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw configError(
      `${variable} names a file that cannot be read${typeof code === 'string' ? ` (${code})` : ''}`,
      clientName,
    );
  }
}

/**
 * Reads one client's key material settings. `fileVariables` receives, per option field, the `_FILE` variable it came
 * from, so validation messages can name the variable the user actually set.
 */
export function readKeyMaterialFromEnv(
  env: EnvSource,
  prefix: string,
  clientName: string,
  fileVariables: Map<string, string>,
): KeyMaterialOptions {
  const options: Record<string, unknown> = {};
  for (const field of FILE_FIELDS) {
    const variable = prefix + KEY_MATERIAL_FIELDS[field];
    const fileVariable = `${variable}_FILE`;
    const inline = readEnv(env, variable);
    const path = readEnv(env, fileVariable);
    if (inline !== undefined && path !== undefined) {
      throw configError(`${variable} and ${fileVariable} are both set: set one of them`, clientName);
    }
    if (path !== undefined) {
      options[field] = readFile(fileVariable, path, clientName);
      fileVariables.set(field, fileVariable);
    } else if (inline !== undefined) {
      options[field] = inline;
    }
  }
  const caVariable = prefix + KEY_MATERIAL_FIELDS.tlsCa;
  const caPath = readEnv(env, caVariable);
  if (caPath !== undefined) options.tlsCa = readFile(caVariable, caPath, clientName);

  for (const field of ['clientAssertionAlg', 'privateKeyKid'] as const) {
    const value = readEnv(env, prefix + KEY_MATERIAL_FIELDS[field]);
    if (value !== undefined) options[field] = value;
  }

  const dpopVariable = prefix + KEY_MATERIAL_FIELDS.dpop;
  const dpop = readEnvBoolean(env, dpopVariable, clientName);
  if (dpop !== undefined) options.dpop = dpop;
  return options as KeyMaterialOptions;
}
