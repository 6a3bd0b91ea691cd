import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import { validateClientAuthentication } from './client-authentication.validation.js';
import type { AccessTokenOptions, ClientCredentialsClientOptions } from './client-options.interface.js';
import {
  DEFAULT_CACHE_KEY_PREFIX,
  DEFAULT_LIFETIME_SECONDS,
  DEFAULT_REFRESH_BEFORE_EXPIRY_SECONDS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  MAX_TOKEN_LIFETIME_SECONDS,
} from './defaults.js';
import { validateCacheOptions } from './cache-options.validation.js';
import { validateRefreshOptions } from './refresh-options.validation.js';
import type { ResolvedAccessTokenOptions, ResolvedClientOptions } from './resolved-options.interface.js';
import { isTransportAllowed, parseHttpUrl } from './url-rules.js';

/** Names the setting behind an option, so errors speak the user's language (an env variable or an option path). */
export type SettingNamer = (field: string, clientName?: string) => string;

const optionPath: SettingNamer = (field, clientName) =>
  clientName === undefined ? field : `clients.${clientName}.${field}`;

const CLIENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Client names are letters, digits, `.`, `_` and `-`, starting with a letter or digit. */
export function isClientName(name: string): boolean {
  return CLIENT_NAME.test(name);
}

function invalid(setting: string, problem: string, clientName?: string): AccessTokenError {
  return new AccessTokenError(AccessTokenErrorCode.ConfigInvalid, `${setting} ${problem}`, clientName);
}

/** Options objects this module validated: handed on, they are used as they are, never validated twice. */
const validated = new WeakSet<ResolvedAccessTokenOptions>();

/**
 * The validated form of module options: `options` itself when it is already validated, else the result of
 * {@link validateAccessTokenOptions}. The one entry point for consumers of options (the manager, the Nest module).
 */
export function resolveAccessTokenOptions(
  options: AccessTokenOptions | ResolvedAccessTokenOptions,
): ResolvedAccessTokenOptions {
  if (validated.has(options as ResolvedAccessTokenOptions)) return options as ResolvedAccessTokenOptions;
  return validateAccessTokenOptions(options as AccessTokenOptions);
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
    throw invalid('options', 'must be an object with a `clients` map');
  }
  const entries = Object.entries(options.clients ?? {});
  if (entries.length === 0) {
    throw invalid(nameOf('clients'), 'must name at least one client');
  }
  const clients = new Map<string, ResolvedClientOptions>();
  for (const [name, client] of entries) {
    if (!isClientName(name)) {
      throw invalid(nameOf('clients'), `has an invalid client name (use letters, digits, '.', '_' and '-')`);
    }
    clients.set(name, validateClient(name, client, nameOf));
  }
  const resolved: ResolvedAccessTokenOptions = {
    clients,
    refreshBeforeExpirySeconds: nonNegativeNumber(
      options.refreshBeforeExpirySeconds,
      DEFAULT_REFRESH_BEFORE_EXPIRY_SECONDS,
      nameOf('refreshBeforeExpirySeconds'),
    ),
    defaultLifetimeSeconds: lifetimeSeconds(options.defaultLifetimeSeconds, nameOf('defaultLifetimeSeconds')),
    cacheKeyPrefix: cacheKeyPrefix(options.cacheKeyPrefix, nameOf('cacheKeyPrefix')),
    cache: options.cache,
    ...validateRefreshOptions(options, (field) => nameOf(field)),
    ...validateCacheOptions(options, (field) => nameOf(field)),
  };
  validated.add(resolved);
  return resolved;
}

function validateClient(
  name: string,
  client: ClientCredentialsClientOptions | undefined,
  nameOf: SettingNamer,
): ResolvedClientOptions {
  const setting = (field: string) => nameOf(field, name);
  if (client === null || typeof client !== 'object') {
    throw invalid(setting('clientId'), 'is missing: the client has no settings', name);
  }
  if (typeof client.clientId !== 'string' || client.clientId.trim() === '') {
    throw invalid(setting('clientId'), 'is missing', name);
  }
  if (client.tokenEndpoint === undefined && client.issuer === undefined) {
    throw invalid(setting('tokenEndpoint'), `is missing (or set ${setting('issuer')} for discovery)`, name);
  }
  if (client.tokenEndpoint !== undefined && client.issuer !== undefined) {
    throw invalid(setting('tokenEndpoint'), `and ${setting('issuer')} are both set: set one of them`, name);
  }
  if (client.allowInsecureHttp !== undefined && typeof client.allowInsecureHttp !== 'boolean') {
    throw invalid(setting('allowInsecureHttp'), 'must be true or false', name);
  }
  const allowInsecureHttp = client.allowInsecureHttp === true;
  const tokenEndpoint = authorizationServerUrl(
    client.tokenEndpoint,
    setting('tokenEndpoint'),
    name,
    allowInsecureHttp,
  );
  const issuer = authorizationServerUrl(client.issuer, setting('issuer'), name, allowInsecureHttp);
  // The method and its credentials (secret, private key, certificate) and DPoP: client-authentication.validation.ts.
  const authentication = validateClientAuthentication(name, client, setting, tokenEndpoint);
  if (client.scope !== undefined && !isScope(client.scope)) {
    throw invalid(setting('scope'), 'must be a space-separated list of scope tokens (RFC 6749 §3.3)', name);
  }
  return {
    name,
    tokenEndpoint,
    issuer,
    clientId: client.clientId,
    ...authentication,
    scope: normalizeScope(client.scope),
    resource: resourceIndicator(client.resource, setting('resource'), name),
    parameters: extraParameters(client.parameters, setting('parameters'), name),
    baseURL: baseUrl(client.baseURL, setting('baseURL'), name, allowInsecureHttp),
    requestTimeoutMs: timeoutMs(client.requestTimeoutMs, setting('requestTimeoutMs')),
    allowInsecureHttp,
  };
}

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export function isScope(value: unknown): boolean {
  return (
    typeof value === 'string' && value.split(' ').every((token) => token === '' || SCOPE_TOKEN.test(token))
  );
}

/** Scopes are a set (RFC 6749 §3.3): one spelling per set keeps cache keys stable. */
export function normalizeScope(scope: string | undefined): string | undefined {
  const tokens = [...new Set((scope ?? '').split(' ').filter(Boolean))].sort();
  return tokens.length > 0 ? tokens.join(' ') : undefined;
}

const CLEARTEXT = 'must use https (plain http is allowed only for loopback hosts)';

function authorizationServerUrl(
  value: string | undefined,
  setting: string,
  clientName: string,
  allowInsecureHttp: boolean,
): string | undefined {
  if (value === undefined) return undefined;
  const url = typeof value === 'string' ? parseHttpUrl(value) : undefined;
  if (!url) throw invalid(setting, 'must be an absolute http(s) URL', clientName);
  if (url.username || url.password) throw invalid(setting, 'must not contain credentials', clientName);
  if (hasFragment(url)) throw invalid(setting, 'must not contain a fragment', clientName);
  if (!isTransportAllowed(url, allowInsecureHttp)) throw invalid(setting, CLEARTEXT, clientName);
  return url.href;
}

/**
 * `url.hash` is '' for an empty fragment (`https://as/token#`), yet the `#` is still a fragment component. An unescaped
 * `#` survives parsing only as the fragment delimiter, so the serialised URL tells.
 */
function hasFragment(url: URL): boolean {
  return url.href.includes('#');
}

/** RFC 8707 §2: an absolute URI without a fragment. */
export function isResourceIndicator(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return !hasFragment(new URL(value));
  } catch {
    return false;
  }
}

function resourceIndicator(
  value: string | undefined,
  setting: string,
  clientName: string,
): string | undefined {
  if (value === undefined) return undefined;
  if (!isResourceIndicator(value)) {
    throw invalid(setting, 'must be an absolute URI without a fragment (RFC 8707)', clientName);
  }
  return value;
}

/** The API receives the token: the same https rule as the token endpoint. */
function baseUrl(
  value: string | undefined,
  setting: string,
  clientName: string,
  allowInsecureHttp: boolean,
): string | undefined {
  if (value === undefined) return undefined;
  const url = typeof value === 'string' ? parseHttpUrl(value) : undefined;
  if (!url) throw invalid(setting, 'must be an absolute http(s) URL', clientName);
  if (url.username || url.password) throw invalid(setting, 'must not contain credentials', clientName);
  if (!isTransportAllowed(url, allowInsecureHttp)) throw invalid(setting, CLEARTEXT, clientName);
  return value;
}

const RESERVED_PARAMETERS = new Set(['grant_type', 'client_id', 'client_secret', 'scope', 'resource']);

function extraParameters(
  value: Record<string, string> | undefined,
  setting: string,
  clientName: string,
): Readonly<Record<string, string>> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object')
    throw invalid(setting, 'must be a map of strings', clientName);
  for (const [key, parameter] of Object.entries(value)) {
    if (typeof parameter !== 'string')
      throw invalid(setting, `has a non-string value for '${key}'`, clientName);
    if (RESERVED_PARAMETERS.has(key)) {
      throw invalid(setting, `must not set '${key}' (it has a setting of its own)`, clientName);
    }
  }
  return Object.freeze({ ...value });
}

function nonNegativeNumber(value: number | undefined, fallback: number, setting: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalid(setting, 'must be a number >= 0');
  }
  return value;
}

function positiveNumber(value: number | undefined, fallback: number, setting: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalid(setting, 'must be a number > 0');
  }
  return value;
}

function lifetimeSeconds(value: number | undefined, setting: string): number {
  const lifetime = positiveNumber(value, DEFAULT_LIFETIME_SECONDS, setting);
  if (lifetime > MAX_TOKEN_LIFETIME_SECONDS)
    throw invalid(setting, `must be a number > 0 and <= ${MAX_TOKEN_LIFETIME_SECONDS}`);
  return lifetime;
}

/** Node timers hold a signed 32-bit delay; a longer one (`AbortSignal.timeout`) fires after 1 ms instead. */
const MAX_TIMEOUT_MS = 2_147_483_647;

function timeoutMs(value: number | undefined, setting: string): number {
  const timeout = positiveNumber(value, DEFAULT_REQUEST_TIMEOUT_MS, setting);
  if (timeout > MAX_TIMEOUT_MS) throw invalid(setting, `must be a number > 0 and <= ${MAX_TIMEOUT_MS}`);
  return timeout;
}

function cacheKeyPrefix(value: string | undefined, setting: string): string {
  if (value === undefined) return DEFAULT_CACHE_KEY_PREFIX;
  if (typeof value !== 'string' || !/^[A-Za-z0-9._:-]{1,64}$/.test(value)) {
    throw invalid(setting, "must be 1-64 characters of letters, digits, '.', '_', ':' and '-'");
  }
  return value;
}
