import { configError } from '../errors.js';
import type { AccessTokenOptions, ClientCredentialsClientOptions } from './client-options.interface.js';
import { validateClient } from './client.validation.js';
import { checkModuleRules } from './cross-field.rules.js';
import type { RedisNodeAddress } from './redis-address.checks.js';
import type { ResolvedAccessTokenOptions, ResolvedClientOptions } from './resolved-options.interface.js';
import type { ProxyAddress } from './proxy-address.js';
import { checkSettings } from './setting.checks.js';
import { MODULE_SETTINGS } from './settings.table.js';
import { contentOf, isResolvedOptions, recallOptions, rememberOptions } from './validation-memo.js';

// Where the manager finds the per-call checks it shares with the options.
export { isScope, normalizeScope } from './scope-rules.js';
export { isResourceIndicator } from './url-rules.js';

/** Names the setting behind an option, so errors speak the user's language (an env variable or an option path). */
export type SettingNamer = (field: string, clientName?: string) => string;

const optionPath: SettingNamer = (field, clientName) =>
  clientName === undefined ? field : `clients.${clientName}.${field}`;

const CLIENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Client names are letters, digits, `.`, `_` and `-`, starting with a letter or digit. */
export function isClientName(name: string): boolean {
  return CLIENT_NAME.test(name);
}

/**
 * The validated form of module options: `options` itself when it is already validated, the remembered result when
 * these options were validated before and are unchanged (what `accessTokenOptionsFromEnv` returns), else the
 * result of {@link validateAccessTokenOptions}. The one entry point for consumers of options (the manager, the Nest
 * module), so options are validated, and keys parsed, once.
 */
export function resolveAccessTokenOptions(
  options: AccessTokenOptions | ResolvedAccessTokenOptions,
): ResolvedAccessTokenOptions {
  if (options !== null && typeof options === 'object') {
    if (isResolvedOptions(options)) return options;
    const remembered = recallOptions(options);
    if (remembered !== undefined) return remembered;
  }
  return validateAccessTokenOptions(options as AccessTokenOptions);
}

/**
 * Checks one client that arrives at runtime (registered or resolved) like a client of the start-up options: the same
 * checks, the same messages (`clients.<name>.<option>`). @throws AccessTokenError `ERR_CONFIG_INVALID`
 */
export function validateRuntimeClient(
  name: string,
  client: ClientCredentialsClientOptions,
): ResolvedClientOptions {
  if (typeof name !== 'string' || !isClientName(name)) {
    throw configError('clients', "has an invalid client name (use letters, digits, '.', '_' and '-')");
  }
  return validateClient(name, client, optionPath);
}

/**
 * Checks module options and fills in defaults. Throws one {@link AccessTokenError} (`ERR_CONFIG_INVALID`) naming the
 * first setting at fault. Messages describe the problem and never echo a value, so a secret pasted into the wrong
 * variable is not printed.
 */
export function validateAccessTokenOptions(
  options: AccessTokenOptions,
  nameOf: SettingNamer = optionPath,
): ResolvedAccessTokenOptions {
  if (options === null || typeof options !== 'object') {
    throw configError('options', 'must be an object with a `clients` map');
  }
  const content = contentOf(options);
  const entries = Object.entries(options.clients ?? {});
  // With a resolver every client may arrive at runtime.
  if (entries.length === 0 && options.clientResolver === undefined) {
    throw configError(nameOf('clients'), 'must name at least one client');
  }
  const clients = new Map<string, ResolvedClientOptions>();
  for (const [name, client] of entries) {
    if (!isClientName(name)) {
      throw configError(
        nameOf('clients'),
        "has an invalid client name (use letters, digits, '.', '_' and '-')",
      );
    }
    clients.set(name, validateClient(name, client, nameOf));
  }
  const moduleName = (field: string) => nameOf(field);
  const values = checkSettings(MODULE_SETTINGS, options, moduleName);
  checkModuleRules(options, values, moduleName);
  const proxy = values.proxyUrl as ProxyAddress | undefined;
  const resolved: ResolvedAccessTokenOptions = {
    clients: proxy === undefined ? clients : withModuleProxy(clients, proxy),
    refreshBeforeExpirySeconds: values.refreshBeforeExpirySeconds as number,
    defaultLifetimeSeconds: values.defaultLifetimeSeconds as number,
    cacheKeyPrefix: values.cacheKeyPrefix as string,
    cache: options.cache,
    cacheUrl: values.cacheUrl as string | undefined,
    cacheClusterNodes: values.cacheClusterNodes as readonly string[] | undefined,
    cacheSentinels: values.cacheSentinels as readonly RedisNodeAddress[] | undefined,
    cacheSentinelMaster: values.cacheSentinelMaster as string | undefined,
    cachePassword: values.cachePassword as string | undefined,
    cacheSentinelPassword: values.cacheSentinelPassword as string | undefined,
    cacheEncryptionKeys: values.cacheEncryptionKey as Buffer[],
    refreshAhead: values.refreshAhead as boolean,
    refreshJitter: values.refreshJitter as number,
    backoffBaseMs: values.backoffBaseMs as number,
    backoffMaxMs: values.backoffMaxMs as number,
    expirySafetyMarginSeconds: values.expirySafetyMarginSeconds as number,
    maxCachedTokens: values.maxCachedTokens as number,
    clientResolver: values.clientResolver as AccessTokenOptions['clientResolver'],
    ...(proxy !== undefined ? { proxy } : {}),
  };
  rememberOptions(options, content, resolved);
  return resolved;
}

/** The module's proxy for each client that has none of its own. */
function withModuleProxy(
  clients: ReadonlyMap<string, ResolvedClientOptions>,
  proxy: ProxyAddress,
): Map<string, ResolvedClientOptions> {
  return new Map([...clients].map(([name, client]) => [name, client.proxy ? client : { ...client, proxy }]));
}
