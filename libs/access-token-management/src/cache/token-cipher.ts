import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;

/**
 * AES-256-GCM for cache entries at rest. The cache key is the associated data, so an entry copied to another key does
 * not decrypt. Every ciphertext names its key by a short id, so keys rotate: the first key encrypts, all decrypt.
 */
export class TokenCipher {
  private readonly keys = new Map<string, Buffer>();
  private readonly currentId: string;

  /** @param keys 32-byte keys, the current one first. */
  constructor(keys: readonly Buffer[]) {
    if (keys.length === 0 || keys.some((key) => key.length !== 32)) {
      throw new Error('TokenCipher needs one or more 32-byte keys');
    }
    for (const key of keys) this.keys.set(TokenCipher.keyId(key), key);
    this.currentId = TokenCipher.keyId(keys[0] as Buffer);
  }

  /** A public, non-reversible name for a key: a truncated hash under a fixed label. */
  static keyId(key: Buffer): string {
    return createHash('sha256')
      .update('access-token-cache-key-id:')
      .update(key)
      .digest('base64url')
      .slice(0, 8);
  }

  encrypt(plaintext: string, associatedData: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentId) as Buffer, iv);
    cipher.setAAD(Buffer.from(associatedData));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const parts = [VERSION, this.currentId, iv, ciphertext, cipher.getAuthTag()];
    return parts.map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
  }

  /** The plaintext, or `undefined` when the value was not made by one of our keys for this associated data. */
  decrypt(value: unknown, associatedData: string): string | undefined {
    if (typeof value !== 'string') return undefined;
    const [version, keyId, iv, ciphertext, tag, ...rest] = value.split('.');
    const key = keyId === undefined ? undefined : this.keys.get(keyId);
    if (
      version !== VERSION ||
      key === undefined ||
      !iv ||
      ciphertext === undefined ||
      !tag ||
      rest.length > 0
    ) {
      return undefined;
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(associatedData));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([
        decipher.update(Buffer.from(ciphertext, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
