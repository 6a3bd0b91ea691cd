import { configError } from '../errors.js';
import { CLIENT_SUFFIXES, clientEnvPrefix, MODULE_VARIABLES } from './env-convention.js';
import { readEnv, type EnvSource } from './env-values.js';
import { isClientName } from './options.validation.js';

/**
 * The clients `ACCESS_TOKEN_CLIENTS` lists, each with its env prefix. Names are checked before any message quotes
 * them, so a value that is no name at all (a secret pasted into the wrong line) is not echoed.
 */
export function listedClients(env: EnvSource, clientsVariable: string): Map<string, string> {
  const names = (readEnv(env, clientsVariable) ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0) {
    throw configError(clientsVariable, 'is missing: list the client names, comma-separated (e.g. orders)');
  }
  const owners = new Map<string, string>();
  for (const name of names) {
    if (!isClientName(name)) {
      throw configError(
        clientsVariable,
        "has an invalid client name (use letters, digits, '.', '_' and '-')",
      );
    }
    const prefix = clientEnvPrefix(name);
    const clash = owners.get(prefix);
    if (clash !== undefined) {
      throw configError(clientsVariable, `names '${clash}' and '${name}', which share the prefix ${prefix}`);
    }
    owners.set(prefix, name);
  }
  return new Map([...owners].map(([prefix, name]) => [name, prefix]));
}

/**
 * The listed client a variable belongs to. One prefix can start another (`ACCESS_TOKEN_ORDERS_` and
 * `ACCESS_TOKEN_ORDERS_API_`, or `ACCESS_TOKEN_DEFAULT_` and `ACCESS_TOKEN_DEFAULT_LIFETIME_SECONDS`), so a plain
 * `startsWith` would let one client's variables hide that another has none. Module-wide variables belong to no
 * client; a known setting name to its client; anything else (a misspelt setting) to the longest prefix it starts with.
 */
export function ownerOf(key: string, prefixes: ReadonlyMap<string, string>): string | undefined {
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
export function clientsWithVariables(
  env: EnvSource,
  prefixes: ReadonlyMap<string, string>,
): Set<string | undefined> {
  const setKeys = Object.keys(env).filter((key) => readEnv(env, key) !== undefined);
  return new Set(setKeys.map((key) => ownerOf(key, prefixes)));
}
