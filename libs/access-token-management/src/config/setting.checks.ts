import { configError } from '../errors.js';
import { checkHostPorts, checkRedisUrls } from './redis-address.checks.js';
import type { Setting } from './setting.interface.js';
import { proxyAddressOf } from './proxy-address.js';
import { hasFragment, parseHttpUrl } from './url-rules.js';

/** Setting values after their own checks, by option, defaults filled in. */
export type CheckedValues = Readonly<Record<string, unknown>>;

type Fail = (problem: string) => Error;

/**
 * Checks each setting's value on its own, by its row, and fills in the defaults. The rules across settings come after
 * (`cross-field.rules.ts`), key material last (`client-authentication.validation.ts`): a value is judged alone here.
 * Messages name `setting(option)` and never echo a value.
 */
export function checkSettings(
  rows: readonly Setting[],
  given: object,
  setting: (option: string) => string,
  clientName?: string,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const row of rows) {
    const value = (given as Record<string, unknown>)[row.option];
    values[row.option] = checkSetting(row, value, setting(row.option), clientName);
  }
  return values;
}

function checkSetting(row: Setting, value: unknown, setting: string, clientName?: string): unknown {
  const fail: Fail = (problem) => configError(setting, problem, clientName);
  if (value === undefined) {
    if (row.required !== undefined) throw fail(row.required);
    return row.kind === 'form' ? {} : row.kind === 'aes-keys' ? [] : row.default;
  }
  switch (row.kind) {
    case 'text':
      return checkText(row, value, fail);
    case 'number':
      return checkNumber(row, value, fail);
    case 'boolean':
      if (typeof value !== 'boolean') throw fail('must be true or false');
      return value;
    case 'endpoint-url':
      return checkHttpUrl(value, fail, { fragment: false }).href;
    case 'http-url':
      checkHttpUrl(value, fail, { fragment: true });
      return value;
    case 'redis-url':
      return checkRedisUrl(value, fail);
    case 'redis-urls':
      return checkRedisUrls(value, fail);
    case 'host-ports':
      return checkHostPorts(value, fail);
    case 'form':
      return checkForm(row, value, fail);
    case 'aes-keys':
      return decodeAesKeys(value, fail);
    case 'assertion':
      if (typeof value !== 'function') throw fail('must be a function returning the assertion (a JWT)');
      return value;
    case 'proxy-url':
      return proxyAddressOf(value, setting, clientName);
    case 'function':
      if (typeof value !== 'function') throw fail('must be a function');
      return value;
    default:
      // Key material is parsed by its own part; the client names and a live cache object have no value checks.
      return value;
  }
}

function checkText(row: Setting, value: unknown, fail: Fail): unknown {
  if (row.required !== undefined && (typeof value !== 'string' || value.trim() === ''))
    throw fail(row.required);
  if (row.valid !== undefined && !row.valid(value)) throw fail(row.problem ?? 'is not valid');
  return value;
}

/** `min`/`max` are the documented range, in every message; `cap` a runtime limit, named when a value exceeds it. */
function checkNumber(row: Setting, value: unknown, fail: Fail): number {
  const min = row.min ?? Number.NEGATIVE_INFINITY;
  const range =
    `must be ${row.integer ? 'a whole number' : 'a number'} ${row.exclusiveMin ? '>' : '>='} ${min}` +
    (row.max === undefined ? '' : ` and <= ${row.max}`);
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < min ||
    (row.exclusiveMin === true && value === min) ||
    (row.max !== undefined && value > row.max) ||
    (row.integer === true && !Number.isInteger(value))
  ) {
    throw fail(range);
  }
  if (row.cap !== undefined && value > row.cap) throw fail(`${range} and <= ${row.cap}`);
  return value;
}

/** Credentials and tokens go to these URLs: no userinfo in them, and an authorization server's has no fragment. */
function checkHttpUrl(value: unknown, fail: Fail, allow: { fragment: boolean }): URL {
  const url = typeof value === 'string' ? parseHttpUrl(value) : undefined;
  if (!url) throw fail('must be an absolute http(s) URL');
  if (url.username || url.password) throw fail('must not contain credentials');
  if (!allow.fragment && hasFragment(url)) throw fail('must not contain a fragment');
  return url;
}

function checkRedisUrl(value: unknown, fail: Fail): unknown {
  let url: URL | undefined;
  try {
    url = new URL(value as string);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'redis:' && url.protocol !== 'rediss:')) {
    throw fail('must be a redis:// or rediss:// URL');
  }
  return value;
}

/** A frozen copy, so the map the user holds can change without changing what was validated. */
function checkForm(row: Setting, value: unknown, fail: Fail): Readonly<Record<string, string>> {
  if (value === null || typeof value !== 'object') throw fail('must be a map of strings');
  for (const [key, parameter] of Object.entries(value)) {
    if (typeof parameter !== 'string') throw fail(`has a non-string value for '${key}'`);
    if (row.reserved?.includes(key)) throw fail(`must not set '${key}' (it has a setting of its own)`);
  }
  return Object.freeze({ ...(value as Record<string, string>) });
}

/** AES-256-GCM keys, the current one first; the message says which of several is wrong, never what it holds. */
function decodeAesKeys(value: unknown, fail: Fail): Buffer[] {
  const encoded: unknown[] = Array.isArray(value) ? value : [value];
  return encoded.map((key, index) => {
    const decoded =
      typeof key === 'string' && /^[A-Za-z0-9+/_-]+={0,2}$/.test(key.trim())
        ? Buffer.from(key.trim(), 'base64')
        : undefined;
    if (decoded === undefined || decoded.length !== 32) {
      throw fail(
        'must be 32 bytes, base64-encoded' +
          (encoded.length > 1 ? ` (key ${index + 1} is not)` : '') +
          ': generate one with `openssl rand -base64 32`',
      );
    }
    return decoded;
  });
}
