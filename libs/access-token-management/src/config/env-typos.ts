import { configError, type AccessTokenError } from '../errors.js';
import { readEnv, type EnvSource } from './env-values.js';

/** What the env convention knows, as the loader's field tables define it. */
export interface EnvConvention {
  /** `ACCESS_TOKEN_` */
  readonly prefix: string;
  /** Full names of the module-wide variables. */
  readonly moduleVariables: ReadonlySet<string>;
  /** Every suffix a client reads after its prefix. */
  readonly clientSuffixes: readonly string[];
  /** Listed client name -> its prefix. */
  readonly clientPrefixes: ReadonlyMap<string, string>;
  /** The listed client a variable belongs to (see the loader's `ownerOf`), or undefined. */
  readonly ownerOf: (variable: string) => string | undefined;
}

/**
 * Stops start-up on a set variable that looks like a misspelt setting, naming it and the closest known one, so a
 * typo (`ACCESS_TOKEN_ORDERS_SCOPES`) does not leave a client running on a default the user did not mean:
 *
 * - under a listed client's prefix, any name that is not one of its settings (nor another listed client's, nor
 *   module-wide) is a typo;
 * - elsewhere, a name one or two edits from a known variable (`ACCESS_TOKEN_REFRESH_BEFOR_EXPIRY_SECONDS`) is; other
 *   names that merely start with `ACCESS_TOKEN_` belong to someone else and are left alone.
 *
 * Only names are compared and quoted, never values.
 */
export function misspeltVariableError(
  env: EnvSource,
  convention: EnvConvention,
): AccessTokenError | undefined {
  const known = new Set(convention.moduleVariables);
  for (const prefix of convention.clientPrefixes.values()) {
    for (const suffix of convention.clientSuffixes) known.add(prefix + suffix);
  }
  const candidates = Object.keys(env)
    .filter((key) => key.startsWith(convention.prefix) && !known.has(key) && readEnv(env, key) !== undefined)
    .sort();
  for (const variable of candidates) {
    const owner = convention.ownerOf(variable);
    if (owner !== undefined) {
      const ownPrefix = convention.clientPrefixes.get(owner) as string;
      const ownSettings = convention.clientSuffixes.map((suffix) => ownPrefix + suffix);
      const suggestion = closest(
        variable,
        [...ownSettings, ...convention.moduleVariables],
        convention.prefix,
        {
          orExtension: ownPrefix,
        },
      );
      return typo(variable, `is not a setting of client '${owner}'`, suggestion, owner);
    }
    const suggestion = closest(variable, [...known], convention.prefix);
    if (suggestion !== undefined) {
      return typo(variable, 'is not a known setting', suggestion, convention.ownerOf(suggestion));
    }
  }
  return undefined;
}

function typo(
  variable: string,
  problem: string,
  suggestion: string | undefined,
  clientName?: string,
): AccessTokenError {
  const hint = suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`;
  return configError(variable, `${problem}${hint}`, clientName);
}

/**
 * The known name a variable is most likely a slip for: at most one edit away (two for names of 12 characters or more
 * after `ACCESS_TOKEN_`), counting a swap of neighbours as one. With `orExtension`, a setting of that prefix which the
 * variable is the start of (`_TLS_CA` for `_TLS_CA_FILE`) also counts.
 */
function closest(
  variable: string,
  names: readonly string[],
  prefix: string,
  options: { orExtension?: string } = {},
): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of names) {
    const distance = editDistance(variable, name);
    const near = distance <= (name.length - prefix.length >= 12 ? 2 : 1);
    const extension =
      options.orExtension !== undefined &&
      name.startsWith(options.orExtension) &&
      variable.length > options.orExtension.length &&
      name.startsWith(variable);
    if ((near || extension) && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, rows[i - 2][j - 2] + 1);
      }
      rows[i][j] = value;
    }
  }
  return rows[a.length][b.length];
}
