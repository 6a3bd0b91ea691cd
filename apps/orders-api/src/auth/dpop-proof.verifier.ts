import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, EmbeddedJWK, jwtVerify, type JWK } from 'jose';

import { publicUrlOf, type OrdersApiSettings } from '../orders-api.config.js';
import { ORDERS_API_SETTINGS } from '../orders-api.constants.js';
import { DPoPReplayCache } from './dpop-replay-cache.js';

/** Asymmetric algorithms accepted for DPoP proofs (RFC 9449 section 4.2: never `none`, never a MAC). */
export const DPOP_ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'Ed25519',
  'EdDSA',
];

/** A proof is accepted this long after its `iat`; its `jti` is remembered as long, which is what stops a replay. */
const PROOF_MAX_AGE_SECONDS = 60;
/** Tolerated clock difference between a client and this API. */
const CLOCK_TOLERANCE_SECONDS = 5;
/** A server nonce is replaced this often; the previous one is still accepted. */
const NONCE_LIFETIME_MS = 60_000;
/** Remembered `jti`s at most, unless the settings say otherwise; beyond that new proofs are refused. */
export const DEFAULT_DPOP_REPLAY_CACHE_SIZE = 100_000;
/** A proof accepted now has `iat` at most the tolerance ahead, so it stays acceptable this long: remember it as long. */
const PROOF_RETENTION_MS = (PROOF_MAX_AGE_SECONDS + 2 * CLOCK_TOLERANCE_SECONDS) * 1000;

/** The proof does not prove possession of the token's key for this request: 401 `invalid_dpop_proof`. */
export class InvalidDPoPProofError extends Error {}

/** Every remembered proof is still valid and there is no room for another: 503, try again after `retryAfterSeconds`. */
export class DPoPReplayCacheFullError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('too many DPoP proofs in the last minute; try again later');
  }
}

/** The proof lacks the server's current nonce: 401 `use_dpop_nonce` with `DPoP-Nonce: <nonce>`. */
export class DPoPNonceRequiredError extends Error {
  constructor(readonly nonce: string) {
    super('a DPoP nonce from this server is required in the proof');
  }
}

export interface DPoPProofCheck {
  /** The `DPoP` request header. */
  proof: string | undefined;
  /** The request method and its path (with the query, which is ignored); the URL is this API's configured one. */
  method: string;
  path: string;
  /** The access token from `Authorization: DPoP <token>`. */
  accessToken: string;
  /** `cnf.jkt` of the verified access token. */
  jkt: string;
}

/**
 * Checks the DPoP proof of a request to this API (RFC 9449 sections 4.3 and 7.1) with jose: a `dpop+jwt` signed by
 * the public key in its header, that key's thumbprint equal to the token's `cnf.jkt`, `htm`/`htu` naming this
 * request at this API's configured URL (never the `Host` header, which the caller chooses), `iat` fresh, `ath` the hash of the presented token, a `jti` never seen before, and — when nonces are on —
 * a nonce this server issued.
 */
@Injectable()
export class DPoPProofVerifier {
  private readonly replays: DPoPReplayCache;
  private nonce?: { current: string; previous?: string; rotatesAt: number };

  constructor(@Inject(ORDERS_API_SETTINGS) private readonly settings: OrdersApiSettings) {
    this.replays = new DPoPReplayCache(
      settings.dpopReplayCacheSize ?? DEFAULT_DPOP_REPLAY_CACHE_SIZE,
      PROOF_RETENTION_MS,
    );
  }

  /** @returns the nonce to send along with the response, when the client should switch to a newer one. */
  async verify(check: DPoPProofCheck): Promise<{ nextNonce?: string }> {
    if (!check.proof)
      throw new InvalidDPoPProofError('a DPoP proof (header DPoP) is required with a DPoP-bound token');
    let payload;
    let jwk: JWK;
    try {
      const verified = await jwtVerify(check.proof, EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: DPOP_ALGORITHMS,
        maxTokenAge: PROOF_MAX_AGE_SECONDS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      });
      payload = verified.payload;
      jwk = verified.protectedHeader.jwk as JWK;
    } catch {
      throw new InvalidDPoPProofError('the DPoP proof is malformed, badly signed or not fresh');
    }
    if ('d' in jwk) throw new InvalidDPoPProofError('the DPoP proof header carries a private key');
    if (typeof payload.jti !== 'string' || payload.jti === '') {
      throw new InvalidDPoPProofError('the DPoP proof has no jti');
    }
    if (payload.htm !== check.method)
      throw new InvalidDPoPProofError('the DPoP proof is for another method (htm)');
    if (!sameTarget(payload.htu, publicUrlOf(this.settings, check.path)))
      throw new InvalidDPoPProofError('the DPoP proof is for another URL (htu)');
    if (payload.ath !== createHash('sha256').update(check.accessToken).digest('base64url')) {
      throw new InvalidDPoPProofError('the DPoP proof is for another access token (ath)');
    }
    if ((await calculateJwkThumbprint(jwk)) !== check.jkt) {
      throw new InvalidDPoPProofError('the DPoP proof is signed with a key the access token is not bound to');
    }
    let nextNonce: string | undefined;
    if (this.settings.dpopNonce) {
      const nonce = this.currentNonce();
      if (
        payload.nonce !== nonce.current &&
        (payload.nonce === undefined || payload.nonce !== nonce.previous)
      ) {
        throw new DPoPNonceRequiredError(nonce.current);
      }
      if (payload.nonce !== nonce.current) nextNonce = nonce.current;
    }
    switch (this.replays.remember(payload.jti)) {
      case 'replayed':
        throw new InvalidDPoPProofError('the DPoP proof was already used (jti replay)');
      case 'full':
        throw new DPoPReplayCacheFullError(this.replays.secondsUntilRoom());
    }
    return nextNonce ? { nextNonce } : {};
  }

  private currentNonce(): { current: string; previous?: string } {
    const now = Date.now();
    if (this.nonce === undefined || now >= this.nonce.rotatesAt) {
      this.nonce = {
        current: randomBytes(16).toString('base64url'),
        previous: this.nonce?.current,
        rotatesAt: now + NONCE_LIFETIME_MS,
      };
    }
    return this.nonce;
  }
}

/** RFC 9449 section 4.3 step 9: `htu` names this request's URL, query and fragment ignored. */
function sameTarget(htu: unknown, url: string): boolean {
  if (typeof htu !== 'string') return false;
  try {
    const claimed = new URL(htu);
    const actual = new URL(url);
    claimed.search = claimed.hash = actual.search = actual.hash = '';
    return claimed.href === actual.href;
  } catch {
    return false;
  }
}
