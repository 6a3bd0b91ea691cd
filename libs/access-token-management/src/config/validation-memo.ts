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
  return sameContent(remembered.content, contentOf(client)) ? remembered.resolved : undefined;
}

export function rememberClient(
  client: object,
  name: string,
  content: unknown,
  resolved: ResolvedClientOptions,
) {
  clients.set(client, { content, resolved, name });
}

/**
 * What an options or client object holds: its data copied field by field, whatever the objects' classes, except the
 * live `cache` object, kept by reference (its state is its own, not a setting).
 */
export function contentOf(options: object): unknown {
  return Object.entries(options).map(([key, value]) => [key, key === 'cache' ? value : copyData(value)]);
}

/** Arrays and objects copied field by field (a depth cap for cycles); primitives and functions as they are. */
function copyData(value: unknown, depth = 0): unknown {
  if (depth > 16 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => copyData(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, copyData(item, depth + 1)]));
}

/** Whether `value` still holds what `copy` (made by {@link copyData}) holds. */
function sameContent(copy: unknown, value: unknown): boolean {
  if (Object.is(copy, value)) return true;
  if (Array.isArray(copy)) {
    return (
      Array.isArray(value) &&
      copy.length === value.length &&
      copy.every((item, i) => sameContent(item, value[i]))
    );
  }
  if (copy === null || typeof copy !== 'object' || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return false;
  const keys = Object.keys(copy);
  const given = value as Record<string, unknown>;
  return (
    keys.length === Object.keys(given).length &&
    keys.every((key) => key in given && sameContent((copy as Record<string, unknown>)[key], given[key]))
  );
}
