import { createHash, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import * as oauth from 'oauth4webapi';
import { loadJose } from './jose-module.js';
import type { ResolvedPrivateKey } from '../config/key-material.js';

/** Nonces remembered per server origin (RFC 9449 §8, §9); old origins make way for new ones. */
const MAX_NONCE_ORIGINS = 100;

/**
 * A client's DPoP key pair (RFC 9449): the given one, or an ES256 pair generated when the client's material is built
 * (once per client, when the manager is).
 *
 * Token requests get their proofs from oauth4webapi's DPoP handle (which also keeps the token endpoint's nonces);
 * requests to the API get theirs from {@link proof}, signed with jose, since they go out through axios rather than
 * oauth4webapi's fetch.
 */
export class DPoPKey {
  /**
   * Identifies the key in cache keys: a SHA-256 over the public key (SPKI). Known synchronously, unlike the RFC 7638
   * thumbprint, and as unique; a token bound to one key is never served to a holder of another.
   */
  readonly id: string;
  readonly alg: string;
  private readonly privateKey: KeyObject;
  private readonly publicJwk: JWK;
  private keys?: Promise<oauth.CryptoKeyPair>;
  private handle?: Promise<oauth.DPoPHandle>;
  private readonly apiNonces = new Map<string, string>();

  constructor(given?: ResolvedPrivateKey) {
    this.privateKey = given?.key ?? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    this.alg = given?.alg ?? 'ES256';
    const publicKey = createPublicKey(this.privateKey);
    this.publicJwk = publicKey.export({ format: 'jwk' }) as JWK;
    this.id = createHash('sha256')
      .update(publicKey.export({ type: 'spki', format: 'der' }))
      .digest('base64url');
  }

  /** The handle oauth4webapi signs token request proofs with; it keeps the token endpoint's nonces. */
  tokenEndpointHandle(): Promise<oauth.DPoPHandle> {
    this.handle ??= this.cryptoKeys().then((keyPair) =>
      oauth.DPoP({}, keyPair, this.alg === 'EdDSA' ? { [oauth.modifyAssertion]: legacyEdDsa } : {}),
    );
    return this.handle;
  }

  /** RFC 7638 thumbprint of the public key: the `cnf.jkt` of the tokens bound to it. */
  async thumbprint(): Promise<string> {
    return (await this.tokenEndpointHandle()).calculateThumbprint();
  }

  /**
   * A proof for one API request (RFC 9449 §4.2, §7): `htm`, `htu` without query and fragment, `iat`, a fresh `jti`,
   * `ath` (the access token's hash) and the server's nonce when it gave one.
   */
  async proof(method: string, url: URL, accessToken: string): Promise<string> {
    const { privateKey } = await this.cryptoKeys();
    const { SignJWT } = await loadJose();
    const nonce = this.apiNonces.get(url.origin);
    return new SignJWT({
      htm: method.toUpperCase(),
      htu: `${url.origin}${url.pathname}`,
      ath: createHash('sha256').update(accessToken).digest('base64url'),
      ...(nonce !== undefined ? { nonce } : {}),
    })
      .setProtectedHeader({ alg: this.alg, typ: 'dpop+jwt', jwk: this.publicJwk })
      .setIssuedAt()
      .setJti(randomBytes(24).toString('base64url'))
      .sign(privateKey);
  }

  /** Remembers the nonce a server sent (`DPoP-Nonce`) for the next proofs to its origin. */
  rememberNonce(url: URL, nonce: string | undefined): void {
    if (!nonce) return;
    this.apiNonces.delete(url.origin);
    if (this.apiNonces.size >= MAX_NONCE_ORIGINS) {
      this.apiNonces.delete(this.apiNonces.keys().next().value as string);
    }
    this.apiNonces.set(url.origin, nonce);
  }

  private cryptoKeys(): Promise<oauth.CryptoKeyPair> {
    this.keys ??= (async () => {
      const { importJWK } = await loadJose();
      const alg = this.alg === 'EdDSA' ? 'Ed25519' : this.alg;
      const privateJwk = this.privateKey.export({ format: 'jwk' }) as JWK;
      return {
        privateKey: (await importJWK(privateJwk, alg)) as oauth.CryptoKey,
        publicKey: (await importJWK(this.publicJwk, alg, { extractable: true })) as oauth.CryptoKey,
      };
    })();
    return this.keys;
  }
}

function legacyEdDsa(header: Record<string, unknown>): void {
  if (header.alg === 'Ed25519') header.alg = 'EdDSA';
}
