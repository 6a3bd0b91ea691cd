/**
 * What a setting holds, which decides how it is read from env and how its value is checked:
 *
 * - `text`: a string; `valid` and `problem` when it has a grammar, `required` when it must be given;
 * - `number`: finite, within `min`..`max`; env: digits with an optional fraction;
 * - `boolean`: env `true`/`1` or `false`/`0`;
 * - `endpoint-url`: an authorization server URL: absolute http(s), no credentials, no fragment; kept normalised;
 * - `http-url`: the API's URL: absolute http(s), no credentials; kept as given;
 * - `redis-url`: `redis://` or `rediss://`;
 * - `redis-urls`: one or more `redis://` / `rediss://` URLs of one deployment (same scheme and credentials, database
 *   0); in code an array or a comma-separated string, in env comma-separated;
 * - `host-ports`: one or more `host:port`; in code an array or a comma-separated string, in env comma-separated;
 * - `form`: extra request parameters, a map of strings; env: form-encoded pairs;
 * - `aes-keys`: 32-byte keys, base64; env: comma-separated;
 * - `key`, `pem`: key material (private keys, certificates), checked by the key material part, not here;
 * - `assertion`: a client assertion from the platform, read for each token request: a function in code, a file in env;
 * - `client-names`: the clients' names (the `clients` map; env: a comma-separated list);
 * - `object`: a live object given in code only (a cache);
 * - `proxy-url`: a forward proxy's http(s) URL, credentials allowed (kept out of logs); no scheme means `http://`;
 * - `function`: a function given in code only (a client resolver, a `fetch`).
 */
export type SettingKind =
  | 'text'
  | 'number'
  | 'boolean'
  | 'endpoint-url'
  | 'http-url'
  | 'redis-url'
  | 'redis-urls'
  | 'host-ports'
  | 'form'
  | 'aes-keys'
  | 'key'
  | 'pem'
  | 'assertion'
  | 'client-names'
  | 'object'
  | 'proxy-url'
  | 'function';

/**
 * One setting: its option, its env variable, what it holds and its default, and the line the README's env table shows
 * for it. The tables of these rows drive the env reader, the value checks and the error names.
 */
export interface Setting {
  /** The option field (`tokenEndpoint`), also what messages name when the value came from code. */
  readonly option: string;
  /** Module-wide (`ACCESS_TOKEN_<ENV>`) or per client (`ACCESS_TOKEN_<NAME>_<ENV>`). */
  readonly scope: 'module' | 'client';
  readonly kind: SettingKind;
  /** The env suffix; absent for options that only code can give. */
  readonly env?: string;
  /**
   * `variant`: `<env>_FILE` may name a file to read the value from instead (container secrets);
   * `path`: the variable itself names the file. Either way the option `<option>File` holds the file's path in code,
   * and the file is live: re-read when it changes (see `credential-files.ts`).
   */
  readonly file?: 'variant' | 'path';
  /**
   * Checked before the rules on which settings go together: they branch on it (the method), or it is what every
   * other message is about (the client id).
   */
  readonly checkedFirst?: boolean;
  /** The value when the setting is not given. */
  readonly default?: string | number | boolean;
  /** `number`: the range every message states; `exclusiveMin` makes `min` itself invalid. */
  readonly min?: number;
  readonly exclusiveMin?: boolean;
  readonly max?: number;
  /** `number`: whole numbers only (a count). */
  readonly integer?: boolean;
  /** `number`: a limit of the runtime (a timer's longest delay), stated only when a value exceeds it. */
  readonly cap?: number;
  /** `text`: the grammar of the value, and what the message says when it does not fit. */
  readonly valid?: (value: unknown) => boolean;
  readonly problem?: string;
  /** `text`: the setting must be given, non-blank; what the message says when it is not. */
  readonly required?: string;
  /** `form`: parameter names that have settings of their own. */
  readonly reserved?: readonly string[];
  /** The README env table row: the option cell when it is more than the option's name. */
  readonly readmeOption?: string;
  /** The README env table row: the default cell, for settings without a default value (`—`, `none`, `from the key`). */
  readonly readmeDefault?: string;
  /** The README env table row: what the setting means (markdown). */
  readonly doc: string;
}
