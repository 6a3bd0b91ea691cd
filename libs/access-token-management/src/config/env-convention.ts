import { AUTHENTICATION_SETTINGS } from './authentication-settings.table.js';
import type { SettingNamer } from './options.validation.js';
import type { Setting } from './setting.interface.js';
import { CLIENT_SETTINGS, CLIENTS_SETTING, MODULE_SETTINGS } from './settings.table.js';

/**
 * The env convention, derived from the settings table: `ACCESS_TOKEN_<SUFFIX>` module-wide,
 * `ACCESS_TOKEN_<NAME>_<SUFFIX>` per client, `<variable>_FILE` for settings that may come from a file.
 */

export const ENV_PREFIX = 'ACCESS_TOKEN_';

/**
 * The env prefix of a client: `ACCESS_TOKEN_` + the name upper-cased with `-` and `.` as `_`
 * (`orders-api` -> `ACCESS_TOKEN_ORDERS_API_`).
 */
export function clientEnvPrefix(clientName: string): string {
  return `${ENV_PREFIX}${clientName.toUpperCase().replace(/[-.]/g, '_')}_`;
}

/** The suffixes a setting row reads: its own, and its `_FILE` variant. */
function suffixesOf(rows: readonly Setting[]): string[] {
  const own = rows.flatMap((row) => (row.env === undefined ? [] : [row.env]));
  const files = rows.flatMap((row) =>
    row.env !== undefined && row.file === 'variant' ? [`${row.env}_FILE`] : [],
  );
  return [...own, ...files];
}

/** Module-wide variables, full names: a client named `default` or `refresh` must not take them for its own. */
export const MODULE_VARIABLES: ReadonlySet<string> = new Set(
  suffixesOf([CLIENTS_SETTING, ...MODULE_SETTINGS]).map((suffix) => ENV_PREFIX + suffix),
);

/** Every suffix a client reads after its prefix, the `_FILE` variants last. */
export const CLIENT_SUFFIXES: readonly string[] = suffixesOf(CLIENT_SETTINGS);

/** The suffixes of client authentication and key material, the `_FILE` variants included. */
export const AUTHENTICATION_SUFFIXES: readonly string[] = suffixesOf(AUTHENTICATION_SETTINGS);

const moduleRows = new Map([CLIENTS_SETTING, ...MODULE_SETTINGS].map((row) => [row.option, row]));
const clientRows = new Map(CLIENT_SETTINGS.map((row) => [row.option, row]));
/** A client's `<option>File` options -> the variable naming the file. */
const clientFileSuffixes = new Map<string, string>(
  CLIENT_SETTINGS.flatMap((row): Array<[string, string]> =>
    row.env === undefined || row.file === undefined
      ? []
      : [[`${row.option}File`, row.file === 'variant' ? `${row.env}_FILE` : row.env]],
  ),
);

/** Names settings by their env variables, so validation errors name what the user set (`_FILE` ones included). */
export const envSettingNamer: SettingNamer = (field, clientName) => {
  if (clientName === undefined) return ENV_PREFIX + (moduleRows.get(field)?.env ?? field);
  const suffix = clientFileSuffixes.get(field) ?? clientRows.get(field)?.env ?? field;
  return clientEnvPrefix(clientName) + suffix;
};
