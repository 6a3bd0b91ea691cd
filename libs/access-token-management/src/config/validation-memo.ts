import type { ResolvedAccessTokenOptions, ResolvedClientOptions } from './resolved-options.interface.js';

/**
 * What validation made of an options object, remembered with what the object held then. So options validated once
 * (by the env loader, naming env variables) are not validated again, nor their keys parsed again, by the manager or the
 * Nest module that receive them; a spread copy (`{ ...options, isGlobal }`) reuses its unchanged clients. Options
 * changed since are validated anew: a remembered result is used only while the object still holds what was checked.
 */

interface Remembered<T> {
  /** What the object held when it was validated (see {@link contentOf}). */
  readonly content: unknown;
  readonly resolved: T;
  /** For a client: the name it was validated under. */
  readonly name?: string;
}

const results = new WeakSet<object>();
const modules = new WeakMap<object, Remembered<ResolvedAccessTokenOptions>>();
const clients = new WeakMap<object, Remembered<ResolvedClientOptions>>();

/** True for the result of a validation: already resolved, used as it is. */
export function isResolvedOptions(options: object): options is ResolvedAccessTokenOptions {
  return results.has(options);
}

/** The remembered result for module options that hold what they held when validated, else undefined. */
export function recallOptions(options: object): ResolvedAccessTokenOptions | undefined {
  const remembered = modules.get(options);
  return remembered && sameContent(remembered.content, contentOf(options)) ? remembered.resolved : undefined;
}

export function rememberOptions(
  options: object,
  content: unknown,
  resolved: ResolvedAccessTokenOptions,
): void {
  results.add(resolved);
  modules.set(options, { content, resolved });
}

/** The remembered result for a client validated under `name` that holds what it held then, else undefined. */
export function recallClient(client: object, name: string): ResolvedClientOptions | undefined {
  const remembered = clients.get(client);
  if (remembered === undefined || remembered.name !== name) return undefined;
  return sameContent(remembered.content, copyData(client)) ? remembered.resolved : undefined;
}

export function rememberClient(
  client: object,
  name: string,
  content: unknown,
  resolved: ResolvedClientOptions,
) {
  clients.set(client, { content, resolved, name });
}

/** What module options hold: their data copied, the live `cache` object by reference (its state is its own). */
export function contentOf(options: object): unknown {
  return Object.entries(options).map(([key, value]) => [key, key === 'cache' ? value : copyData(value)]);
}

/** A copy of plain data (objects, arrays, primitives); anything else (a class instance, a function) by reference. */
export function copyData(value: unknown, depth = 0): unknown {
  if (depth > 16) return value;
  if (Array.isArray(value)) return value.map((item) => copyData(item, depth + 1));
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, copyData(item, depth + 1)]));
}

function sameContent(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => sameContent(item, b[index]));
  }
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length && keys.every((key) => key in b && sameContent(a[key], b[key]))
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
