import { createAccessToken, type AccessTokenType } from '../access-token.js';
import type { CachedToken } from './cached-token.interface.js';
import type { TokenCipher } from './token-cipher.js';

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

/** How entries are written to a shared store and read back: encrypted under the cache key, or as plain JSON. */
export interface EntryCodec {
  encode(entry: CachedToken, key: string): string;
  /** The entry, or `undefined` for anything that is not one of ours for this key (a miss, never an exception). */
  decode(stored: unknown, key: string): CachedToken | undefined;
}

/** Encrypted with `cipher` (the key as associated data), or plain JSON without one. */
export function entryCodec(cipher: TokenCipher | undefined): EntryCodec {
  if (cipher === undefined) return { encode: (entry) => encodeEntry(entry), decode: decodeEntry };
  return {
    encode: (entry, key) => cipher.encrypt(encodeEntry(entry), key),
    decode: (stored, key) => decodeEntry(cipher.decrypt(stored, key)),
  };
}
