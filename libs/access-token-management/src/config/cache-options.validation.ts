import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import type { AccessTokenOptions } from './client-options.interface.js';
import type { ResolvedAccessTokenOptions } from './resolved-options.interface.js';

type CacheOptions = Pick<ResolvedAccessTokenOptions, 'cacheUrl' | 'cacheEncryptionKeys'>;

function invalid(message: string): AccessTokenError {
  return new AccessTokenError(AccessTokenErrorCode.ConfigInvalid, message);
}

/**
 * Checks the shared cache settings. A shared store without encryption is refused unless plaintext is allowed
 * explicitly: whoever can read Redis must not be able to use what is in it. Keys are never echoed.
 */
export function validateCacheOptions(
  options: AccessTokenOptions,
  nameOf: (field: string) => string,
): CacheOptions {
  const cacheUrl = options.cacheUrl;
  if (cacheUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(cacheUrl);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'redis:' && url.protocol !== 'rediss:')) {
      throw invalid(`${nameOf('cacheUrl')} must be a redis:// or rediss:// URL`);
    }
    if (options.cache !== undefined) {
      throw invalid(`${nameOf('cacheUrl')} and ${nameOf('cache')} are both set: set one of them`);
    }
  }
  if (options.allowPlaintextCache !== undefined && typeof options.allowPlaintextCache !== 'boolean') {
    throw invalid(`${nameOf('allowPlaintextCache')} must be true or false`);
  }
  const given = options.cacheEncryptionKey;
  const encoded = given === undefined ? [] : Array.isArray(given) ? given : [given];
  const cacheEncryptionKeys = encoded.map((key, index) => {
    const decoded =
      typeof key === 'string' && /^[A-Za-z0-9+/_-]+={0,2}$/.test(key.trim())
        ? Buffer.from(key.trim(), 'base64')
        : undefined;
    if (decoded === undefined || decoded.length !== 32) {
      throw invalid(
        `${nameOf('cacheEncryptionKey')} must be 32 bytes, base64-encoded` +
          (encoded.length > 1 ? ` (key ${index + 1} is not)` : '') +
          ': generate one with `openssl rand -base64 32`',
      );
    }
    return decoded;
  });
  const shared = cacheUrl !== undefined || options.cache !== undefined;
  if (shared && cacheEncryptionKeys.length === 0 && options.allowPlaintextCache !== true) {
    throw invalid(
      `${nameOf('cacheEncryptionKey')} is missing: a shared token cache must be encrypted ` +
        `(or set ${nameOf('allowPlaintextCache')}=true to store tokens in plaintext)`,
    );
  }
  return { cacheUrl, cacheEncryptionKeys };
}
