import { configError } from '../errors.js';
import type { AccessTokenOptions } from './client-options.interface.js';
import { clientsWithVariables, listedClients, ownerOf } from './env-clients.js';
import {
  CLIENT_SUFFIXES,
  clientEnvPrefix,
  ENV_PREFIX,
  envSettingNamer,
  MODULE_VARIABLES,
} from './env-convention.js';
import { readSettings } from './env-settings.reader.js';
import { misspeltVariableError } from './env-typos.js';
import type { EnvSource } from './env-values.js';
import { validateAccessTokenOptions } from './options.validation.js';
import { CLIENT_SETTINGS, CLIENTS_SETTING, MODULE_SETTINGS } from './settings.table.js';

export type { EnvSource } from './env-values.js';
export { clientEnvPrefix } from './env-convention.js';

/**
 * Reads the env convention into {@link AccessTokenOptions}, so clients are configured in `.env` with no mapping code:
 *
 * ```
 * ACCESS_TOKEN_CLIENTS=orders
 * ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT=https://login.example.com/token
 * ACCESS_TOKEN_ORDERS_CLIENT_ID=orders-caller
 * ACCESS_TOKEN_ORDERS_CLIENT_SECRET=...
 * ACCESS_TOKEN_ORDERS_SCOPE=orders.read orders.write
 * ACCESS_TOKEN_ORDERS_BASE_URL=https://orders.example.com
 * ```
 *
 * The options are validated here, so an error names the variable at fault (`ERR_CONFIG_INVALID`), and they carry
 * their validated form: the manager and the module that receive them use it as it is, without validating again or
 * parsing keys again (while the object is not changed).
 *
 * @param env where to read from; `process.env` by default. With `@nestjs/config`, pass a reader over `ConfigService`
 *   or simply `process.env` after `ConfigModule` has loaded `.env`.
 */
export function accessTokenOptionsFromEnv(env: EnvSource = process.env): AccessTokenOptions {
  const clientsVariable = ENV_PREFIX + CLIENTS_SETTING.env;
  const prefixes = listedClients(env, clientsVariable);
  // Before anything else: a misspelt name explains the "missing" setting that would otherwise be reported.
  const misspelt = misspeltVariableError(env, {
    prefix: ENV_PREFIX,
    moduleVariables: MODULE_VARIABLES,
    clientSuffixes: CLIENT_SUFFIXES,
    clientPrefixes: prefixes,
    ownerOf: (key) => ownerOf(key, prefixes),
  });
  if (misspelt) throw misspelt;
  const configured = clientsWithVariables(env, prefixes);
  const clients: Record<string, unknown> = {};
  for (const [name, prefix] of prefixes) {
    if (!configured.has(name)) {
      throw configError(clientsVariable, `names '${name}' but no ${prefix}* variables are set`, name);
    }
    clients[name] = readSettings(CLIENT_SETTINGS, env, clientEnvPrefix(name), name);
  }
  const options = {
    clients,
    ...readSettings(MODULE_SETTINGS, env, ENV_PREFIX, undefined),
  } as AccessTokenOptions;
  // Validated here, where env names are known, so the error names the variable rather than an option path.
  validateAccessTokenOptions(options, envSettingNamer);
  return options;
}
