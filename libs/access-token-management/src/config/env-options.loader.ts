import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import type { AccessTokenOptions, ClientCredentialsClientOptions } from './client-options.interface.js';
import { KEY_MATERIAL_FIELDS, KEY_MATERIAL_SUFFIXES, readKeyMaterialFromEnv } from './key-material.loader.js';
import { readEnv, readEnvBoolean, type EnvSource } from './env-values.js';
import { misspeltVariableError } from './env-typos.js';
import { isClientName, validateAccessTokenOptions, type SettingNamer } from './options.validation.js';

export type { EnvSource } from './env-values.js';

const ENV_PREFIX = 'ACCESS_TOKEN_';

/** Option field -> env suffix. One table, so the loader and its error messages cannot drift apart. */
const CLIENT_FIELDS = {
  tokenEndpoint: 'TOKEN_ENDPOINT',
  issuer: 'ISSUER',
  clientId: 'CLIENT_ID',
  clientSecret: 'CLIENT_SECRET',
  authMethod: 'AUTH_METHOD',
  scope: 'SCOPE',
  resource: 'RESOURCE',
  parameters: 'PARAMETERS',
  baseURL: 'BASE_URL',
  requestTimeoutMs: 'REQUEST_TIMEOUT_MS',
  allowInsecureHttp: 'ALLOW_INSECURE_HTTP',
  clientAssertionAudience: 'CLIENT_ASSERTION_AUDIENCE',
  ...KEY_MATERIAL_FIELDS,
} as const;

const MODULE_FIELDS = {
  clients: 'CLIENTS',
  refreshBeforeExpirySeconds: 'REFRESH_BEFORE_EXPIRY_SECONDS',
  defaultLifetimeSeconds: 'DEFAULT_LIFETIME_SECONDS',
  cacheKeyPrefix: 'CACHE_KEY_PREFIX',
  refreshAhead: 'REFRESH_AHEAD',
  refreshJitter: 'REFRESH_JITTER',
  backoffBaseMs: 'BACKOFF_BASE_MS',
  backoffMaxMs: 'BACKOFF_MAX_MS',
  expirySafetyMarginSeconds: 'EXPIRY_SAFETY_MARGIN_SECONDS',
  cacheUrl: 'CACHE_URL',
  cacheEncryptionKey: 'CACHE_ENCRYPTION_KEY',
  allowPlaintextCache: 'CACHE_ALLOW_PLAINTEXT',
} as const;

/** Module-wide variables: a client named `default` or `refresh` must not take them for its own. */
const MODULE_VARIABLES = new Set(Object.values(MODULE_FIELDS).map((suffix) => ENV_PREFIX + suffix));

/**
 * The env prefix of a client: `ACCESS_TOKEN_` + the name upper-cased with `-` and `.` as `_`
 * (`orders-api` -> `ACCESS_TOKEN_ORDERS_API_`).
 */
export function clientEnvPrefix(clientName: string): string {
  return `${ENV_PREFIX}${clientName.toUpperCase().replace(/[-.]/g, '_')}_`;
}

const envName: SettingNamer = (field, clientName) => {
  if (clientName === undefined) {
    return ENV_PREFIX + (MODULE_FIELDS[field as keyof typeof MODULE_FIELDS] ?? field);
  }
  return clientEnvPrefix(clientName) + (CLIENT_FIELDS[field as keyof typeof CLIENT_FIELDS] ?? field);
};

function configError(message: string, clientName?: string): AccessTokenError {
  return new AccessTokenError(AccessTokenErrorCode.ConfigInvalid, message, clientName);
}

function readNumber(env: EnvSource, name: string): number | undefined {
  const raw = readEnv(env, name);
  if (raw === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(raw)) throw configError(`${name} must be a non-negative number`);
  return Number(raw);
}

/**
 * Maps each listed name to its prefix. Names are checked before any message quotes them, so a value that is no name
 * at all (a secret pasted into the wrong line) is not echoed.
 */
function clientPrefixes(names: readonly string[], clientsVariable: string): Map<string, string> {
  const owners = new Map<string, string>();
  for (const name of names) {
    if (!isClientName(name)) {
      throw configError(
        `${clientsVariable} has an invalid client name (use letters, digits, '.', '_' and '-')`,
      );
    }
    const prefix = clientEnvPrefix(name);
    const clash = owners.get(prefix);
    if (clash !== undefined) {
      throw configError(
        `${clientsVariable} names '${clash}' and '${name}', which share the prefix ${prefix}`,
      );
    }
    owners.set(prefix, name);
  }
  return new Map([...owners].map(([prefix, name]) => [name, prefix]));
}

const CLIENT_SUFFIXES: readonly string[] = [...Object.values(CLIENT_FIELDS), ...KEY_MATERIAL_SUFFIXES];

/**
 * The listed client a variable belongs to. One prefix can start another (`ACCESS_TOKEN_ORDERS_` and
 * `ACCESS_TOKEN_ORDERS_API_`, or `ACCESS_TOKEN_DEFAULT_` and `ACCESS_TOKEN_DEFAULT_LIFETIME_SECONDS`), so a plain
 * `startsWith` would let one client's variables hide that another has none. Module-wide variables belong to no
 * client; a known setting name to its client; anything else (a misspelt setting) to the longest prefix it starts with.
 */
function ownerOf(key: string, prefixes: ReadonlyMap<string, string>): string | undefined {
  if (MODULE_VARIABLES.has(key)) return undefined;
  let owner: string | undefined;
  let longest = 0;
  for (const [name, prefix] of prefixes) {
    if (!key.startsWith(prefix)) continue;
    if (CLIENT_SUFFIXES.includes(key.slice(prefix.length))) return name;
    if (prefix.length > longest) [owner, longest] = [name, prefix.length];
  }
  return owner;
}

/** The listed clients with at least one variable set. */
function clientsWithVariables(
  env: EnvSource,
  prefixes: ReadonlyMap<string, string>,
): Set<string | undefined> {
  const setKeys = Object.keys(env).filter((key) => readEnv(env, key) !== undefined);
  return new Set(setKeys.map((key) => ownerOf(key, prefixes)));
}

function readParameters(env: EnvSource, name: string): Record<string, string> | undefined {
  const raw = readEnv(env, name);
  if (raw === undefined) return undefined;
  const parameters: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    if (key === '') throw configError(`${name} must be form-encoded pairs, e.g. audience=api&tenant=a`);
    parameters[key] = value;
  }
  return parameters;
}

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
 * Throws an {@link AccessTokenError} (`ERR_CONFIG_INVALID`) naming the variable at fault.
 *
 * @param env where to read from; `process.env` by default. With `@nestjs/config`, pass a reader over `ConfigService`
 *   or simply `process.env` after `ConfigModule` has loaded `.env`.
 */
export function accessTokenOptionsFromEnv(env: EnvSource = process.env): AccessTokenOptions {
  const clientsVariable = envName('clients');
  const names = (readEnv(env, clientsVariable) ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0) {
    throw configError(`${clientsVariable} is missing: list the client names, comma-separated (e.g. orders)`);
  }

  const prefixes = clientPrefixes(names, clientsVariable);
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
  const clients: Record<string, ClientCredentialsClientOptions> = {};
  const fromFiles = new Map<string, Map<string, string>>();
  const fileVariables = (name: string) => fromFiles.set(name, new Map()).get(name) as Map<string, string>;
  for (const [name, prefix] of prefixes) {
    if (!configured.has(name)) {
      throw configError(`${clientsVariable} names '${name}' but no ${prefix}* variables are set`, name);
    }
    const variable = (field: keyof typeof CLIENT_FIELDS) => envName(field, name);
    clients[name] = {
      tokenEndpoint: readEnv(env, variable('tokenEndpoint')),
      issuer: readEnv(env, variable('issuer')),
      clientId: readEnv(env, variable('clientId')) as string,
      clientSecret: readEnv(env, variable('clientSecret')),
      authMethod: readEnv(env, variable('authMethod')) as ClientCredentialsClientOptions['authMethod'],
      scope: readEnv(env, variable('scope')),
      resource: readEnv(env, variable('resource')),
      parameters: readParameters(env, variable('parameters')),
      baseURL: readEnv(env, variable('baseURL')),
      requestTimeoutMs: readNumber(env, variable('requestTimeoutMs')),
      allowInsecureHttp: readEnvBoolean(env, variable('allowInsecureHttp'), name),
      clientAssertionAudience: readEnv(env, variable('clientAssertionAudience')),
      ...readKeyMaterialFromEnv(env, prefix, name, fileVariables(name)),
    };
  }

  const options: AccessTokenOptions = {
    clients,
    refreshBeforeExpirySeconds: readNumber(env, envName('refreshBeforeExpirySeconds')),
    defaultLifetimeSeconds: readNumber(env, envName('defaultLifetimeSeconds')),
    cacheKeyPrefix: readEnv(env, envName('cacheKeyPrefix')),
    refreshAhead: readEnvBoolean(env, envName('refreshAhead')),
    refreshJitter: readNumber(env, envName('refreshJitter')),
    backoffBaseMs: readNumber(env, envName('backoffBaseMs')),
    backoffMaxMs: readNumber(env, envName('backoffMaxMs')),
    expirySafetyMarginSeconds: readNumber(env, envName('expirySafetyMarginSeconds')),
    cacheUrl: readEnv(env, envName('cacheUrl')),
    // Comma-separated: the current key first, then keys still accepted for reading (rotation).
    cacheEncryptionKey: readEnv(env, envName('cacheEncryptionKey'))
      ?.split(',')
      .map((key) => key.trim())
      .filter(Boolean),
    allowPlaintextCache: readEnvBoolean(env, envName('allowPlaintextCache')),
  };
  // Validate here, where env names are known, so the error names the variable rather than an option path.
  // A key read from a `..._FILE` variable is named by that variable.
  validateAccessTokenOptions(options, (field, client) =>
    client === undefined ? envName(field) : (fromFiles.get(client)?.get(field) ?? envName(field, client)),
  );
  return options;
}
