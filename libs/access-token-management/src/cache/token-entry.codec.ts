import { createAccessToken, type AccessTokenType } from '../access-token.js';
import type { CachedToken } from './cached-token.interface.js';

/** The serialised form: short JSON members, so any store can hold it as a string. */
interface StoredEntry {
  v: string;
  t: AccessTokenType;
  e: number;
  r: number;
  s?: string;
}

export function encodeEntry(entry: CachedToken): string {
  const stored: StoredEntry = {
    v: entry.token.value,
    t: entry.token.type,
    e: entry.token.expiresAt.getTime(),
    r: entry.renewAt,
    s: entry.token.scope,
  };
  return JSON.stringify(stored);
}

/** Parses a stored entry; anything malformed is `undefined` (a miss), never an exception. */
export function decodeEntry(text: unknown): CachedToken | undefined {
  if (typeof text !== 'string') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const entry = value as Partial<StoredEntry>;
  const valid =
    typeof entry.v === 'string' &&
    (entry.t === 'Bearer' || entry.t === 'DPoP') &&
    typeof entry.e === 'number' &&
    typeof entry.r === 'number' &&
    (entry.s === undefined || typeof entry.s === 'string');
  if (!valid) return undefined;
  return {
    token: createAccessToken({
      value: entry.v as string,
      type: entry.t as AccessTokenType,
      expiresAt: new Date(entry.e as number),
      scope: entry.s,
    }),
    renewAt: entry.r as number,
  };
}
