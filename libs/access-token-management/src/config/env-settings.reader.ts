import { configError } from '../errors.js';
import { readEnv, readEnvBoolean, readEnvNumber, type EnvSource } from './env-values.js';
import type { Setting } from './setting.interface.js';

/**
 * Reads settings from env by their table rows: each value in the form its kind has in env (a number, a flag, form
 * pairs, a comma-separated list, text). A setting that may come from a file gets the file's path in `<option>File`
 * (from `<variable>_FILE`, or the variable itself for a `path` row): validation reads it, and the client re-reads it
 * when it changes. An unset setting is there as `undefined`, so the options list every setting env can give.
 *
 * @param prefix `ACCESS_TOKEN_`, or a client's prefix
 */
export function readSettings(
  rows: readonly Setting[],
  env: EnvSource,
  prefix: string,
  clientName: string | undefined,
): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const row of rows) {
    if (row.env === undefined || row.kind === 'client-names') continue;
    const variable = prefix + row.env;
    if (row.file === 'path') {
      options[row.option] = undefined;
      options[`${row.option}File`] = readEnv(env, variable);
    } else {
      options[row.option] = read(env, row, variable, clientName);
      if (row.file === 'variant') options[`${row.option}File`] = readEnv(env, `${variable}_FILE`);
    }
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
