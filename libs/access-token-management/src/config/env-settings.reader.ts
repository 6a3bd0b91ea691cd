import { readFileSync } from 'node:fs';
import { configError } from '../errors.js';
import { readEnv, readEnvBoolean, readEnvNumber, type EnvSource } from './env-values.js';
import type { Setting } from './setting.interface.js';

/**
 * Reads settings from env by their table rows: each value in the form its kind has in env (a number, a flag, form
 * pairs, a comma-separated list, text), from the file a `_FILE` variable names where the row allows it. An unset
 * setting is there as `undefined`, so the options list every setting env can give.
 *
 * This is the one place in `config/` that reads files: the env convention names them, and a key that cannot be read
 * must stop start-up like any other bad setting.
 *
 * @param prefix `ACCESS_TOKEN_`, or a client's prefix
 * @param fileVariables receives, per option, the `_FILE` variable its value came from, so validation messages can
 *   name the variable the user actually set
 */
export function readSettings(
  rows: readonly Setting[],
  env: EnvSource,
  prefix: string,
  clientName: string | undefined,
  fileVariables: Map<string, string>,
): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const row of rows) {
    if (row.env === undefined || row.kind === 'client-names') continue;
    const variable = prefix + row.env;
    options[row.option] = row.file
      ? readFromFile(env, row, variable, clientName, fileVariables)
      : read(env, row, variable, clientName);
  }
  return options;
}

function read(env: EnvSource, row: Setting, variable: string, clientName?: string): unknown {
  switch (row.kind) {
    case 'number':
      return readEnvNumber(env, variable, clientName);
    case 'boolean':
      return readEnvBoolean(env, variable, clientName);
    case 'form':
      return readForm(env, variable, clientName);
    case 'aes-keys':
      // Comma-separated: the current key first, then keys still accepted for reading (rotation).
      return readEnv(env, variable)
        ?.split(',')
        .map((key) => key.trim())
        .filter(Boolean);
    default:
      return readEnv(env, variable);
  }
}

function readForm(env: EnvSource, variable: string, clientName?: string): Record<string, string> | undefined {
  const raw = readEnv(env, variable);
  if (raw === undefined) return undefined;
  const parameters: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    if (key === '')
      throw configError(variable, 'must be form-encoded pairs, e.g. audience=api&tenant=a', clientName);
    parameters[key] = value;
  }
  return parameters;
}

/** `path`: the variable names the file. `variant`: the value inline, or in the file `<variable>_FILE` names. */
function readFromFile(
  env: EnvSource,
  row: Setting,
  variable: string,
  clientName: string | undefined,
  fileVariables: Map<string, string>,
): string | undefined {
  if (row.file === 'path') {
    const path = readEnv(env, variable);
    return path === undefined ? undefined : readFile(variable, path, clientName);
  }
  const fileVariable = `${variable}_FILE`;
  const inline = readEnv(env, variable);
  const path = readEnv(env, fileVariable);
  if (inline !== undefined && path !== undefined) {
    throw configError(variable, `and ${fileVariable} are both set: set one of them`, clientName);
  }
  if (path === undefined) return inline;
  fileVariables.set(row.option, fileVariable);
  return readFile(fileVariable, path, clientName);
}

function readFile(variable: string, path: string, clientName?: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw configError(
      variable,
      `names a file that cannot be read${typeof code === 'string' ? ` (${code})` : ''}`,
      clientName,
    );
  }
}
