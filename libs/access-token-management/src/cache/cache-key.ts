import { createHash } from 'node:crypto';

/** Everything that makes two tokens interchangeable. Tokens differing in any of it must never share a cache entry. */
export interface CacheKeyParts {
  readonly prefix: string;
  readonly clientName: string;
  /** Token endpoint or issuer: the same client id at two servers is two clients. */
  readonly authorizationServer: string;
  readonly clientId: string;
  readonly scope?: string;
  readonly resource?: string;
  readonly parameters: Readonly<Record<string, string>>;
  /** What the token is bound to (DPoP key, client certificate): a bound token is useless to a holder of another key. */
  readonly binding?: string;
}

/**
 * `<prefix>:<client name>:<hash>` — the name keeps keys readable in a store, the hash (SHA-256 over a length-prefixed
 * encoding, so no two part lists collide by concatenation) separates servers, ids, scopes, resources and parameters.
 */
export function tokenCacheKey(parts: CacheKeyParts): string {
  const parameters = Object.keys(parts.parameters)
    .sort()
    .flatMap((name) => [name, parts.parameters[name] as string]);
  const fields = [
    parts.authorizationServer,
    parts.clientId,
    parts.scope ?? '',
    parts.resource ?? '',
    ...parameters,
    // Parameters come in pairs, so one more field cannot be mistaken for a parameter; unbound keys stay as they were.
    ...(parts.binding !== undefined ? [parts.binding] : []),
  ];
  const hash = createHash('sha256');
  for (const field of fields) hash.update(`${Buffer.byteLength(field)}:${field};`);
  return `${parts.prefix}:${parts.clientName}:${hash.digest('base64url')}`;
}

/** The client name inside a key made by {@link tokenCacheKey} (names hold no `:`, the hash none either). */
export function clientNameOfKey(key: string, prefix: string): string {
  return key.slice(prefix.length + 1, key.lastIndexOf(':'));
}
