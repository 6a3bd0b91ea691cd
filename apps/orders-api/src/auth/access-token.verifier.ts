import { Inject, Injectable } from '@nestjs/common';
import {
  createRemoteJWKSet,
  customFetch,
  errors,
  jwtVerify,
  type FetchImplementation,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { Agent, fetch as undiciFetch } from 'undici';

import { jwksUriOf, type OrdersApiSettings } from '../orders-api.config.js';
import { ORDERS_API_SETTINGS } from '../orders-api.constants.js';

/** The claims of a verified RFC 9068 access token that this API reads. */
export interface AccessTokenClaims extends JWTPayload {
  client_id: string;
  scope?: string;
  /** Confirmation (RFC 7800): the DPoP key (`jkt`, RFC 9449) or client certificate (`x5t#S256`, RFC 8705) it is bound to. */
  cnf?: { jkt?: string; 'x5t#S256'?: string };
}

/** The token is not acceptable: answer 401 `invalid_token` with this (token-free) description. */
export class InvalidAccessTokenError extends Error {}

/** The token could not be checked (signing keys unreachable): not the caller's fault, so not a 401. */
export class AccessTokenVerificationUnavailableError extends Error {}

/** Only asymmetric algorithms: the keys come from a public JWKS, so an HMAC "key" could be anybody's. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** RFC 9068 section 2.2: claims every JWT access token carries (`iss` and `aud` are checked by value). */
const REQUIRED_CLAIMS = ['exp', 'iat', 'sub', 'client_id', 'jti'];

/** Tolerated clock difference with the token server, for `iat` only (`exp` and `nbf` are checked strictly). */
const CLOCK_TOLERANCE_SECONDS = 5;
/** The longest lifetime (`exp - iat`) accepted: a longer-lived token is a stolen signer's or a misconfiguration. */
export const MAX_TOKEN_LIFETIME_SECONDS = 24 * 60 * 60;

/**
 * Verifies JWT access tokens against the token server's published keys: signature, `typ: at+jwt`, issuer,
 * audience, expiry, an `iat` that is not in the future and a lifetime of at most a day. The JWKS is fetched on first use, not at start-up, so the API starts (and answers 401s)
 * even while the token server is still starting; jose caches the keys and refetches on an unknown `kid`.
 */
@Injectable()
export class AccessTokenVerifier {
  private keys?: JWTVerifyGetKey;

  constructor(@Inject(ORDERS_API_SETTINGS) private readonly settings: OrdersApiSettings) {}

  async verify(token: string): Promise<AccessTokenClaims> {
    this.keys ??= createRemoteJWKSet(new URL(jwksUriOf(this.settings)), jwksFetchOptions(this.settings));
    try {
      const { payload } = await jwtVerify(token, this.keys, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        typ: 'at+jwt',
        algorithms: ALGORITHMS,
        requiredClaims: REQUIRED_CLAIMS,
      });
      if (
        typeof payload.client_id !== 'string' ||
        (payload.scope !== undefined && typeof payload.scope !== 'string') ||
        !isConfirmation(payload.cnf)
      ) {
        throw new InvalidAccessTokenError('the access token has malformed claims');
      }
      assertPlausibleTimes(payload as { iat: number; exp: number });
      return payload as AccessTokenClaims;
    } catch (error) {
      throw classify(error);
    }
  }
}

/**
 * jose checks `exp` and `nbf` but not `iat` (without `maxTokenAge`): a token issued in the future, or one living a
 * year, would pass for as long as its `exp` says.
 */
function assertPlausibleTimes({ iat, exp }: { iat: number; exp: number }): void {
  if (iat > Math.floor(Date.now() / 1000) + CLOCK_TOLERANCE_SECONDS) {
    throw new InvalidAccessTokenError('the access token was issued in the future (iat)');
  }
  if (exp - iat > MAX_TOKEN_LIFETIME_SECONDS) {
    throw new InvalidAccessTokenError(
      `the access token lives longer than this API accepts (exp - iat over ${MAX_TOKEN_LIFETIME_SECONDS} s)`,
    );
  }
}

/** Token problems become `InvalidAccessTokenError`; anything else (network, a broken JWKS) is "unavailable". */
function classify(error: unknown): Error {
  if (error instanceof InvalidAccessTokenError) return error;
  if (error instanceof errors.JWTExpired) return new InvalidAccessTokenError('the access token expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    return new InvalidAccessTokenError(describeClaimFailure(error.claim, error.reason));
  }
  if (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return new InvalidAccessTokenError('the access token signature could not be verified');
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return new InvalidAccessTokenError('the access token uses an unsupported algorithm');
  }
  if (error instanceof errors.JWTInvalid || error instanceof errors.JWSInvalid) {
    return new InvalidAccessTokenError('the access token is malformed');
  }
  return new AccessTokenVerificationUnavailableError(
    `the token signing keys could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
  );
}

function describeClaimFailure(claim: string, reason: string): string {
  if (reason === 'missing') return `the access token lacks the "${claim}" claim`;
  switch (claim) {
    case 'aud':
      return 'the access token is not intended for this API';
    case 'iss':
      return 'the access token was not issued by the trusted token server';
    case 'nbf':
      return 'the access token is not valid yet';
    case 'typ':
      return 'the token is not a JWT access token (typ at+jwt)';
    default:
      return `the access token has an invalid "${claim}" claim`;
  }
}

/** `cnf` is absent, or an object whose binding members, when present, are strings. */
function isConfirmation(cnf: unknown): boolean {
  if (cnf === undefined) return true;
  if (cnf === null || typeof cnf !== 'object') return false;
  const { jkt, 'x5t#S256': x5t } = cnf as Record<string, unknown>;
  return (jkt === undefined || typeof jkt === 'string') && (x5t === undefined || typeof x5t === 'string');
}

/** A token server on a private CA (the dev TLS setup): fetch its JWKS trusting that CA. */
function jwksFetchOptions(settings: OrdersApiSettings): { [customFetch]?: FetchImplementation } {
  if (settings.tokenServerCa === undefined) return {};
  const dispatcher = new Agent({ connect: { ca: settings.tokenServerCa } });
  return {
    [customFetch]: ((url: string, options: Parameters<typeof undiciFetch>[1]) =>
      undiciFetch(url, { ...options, dispatcher })) as unknown as FetchImplementation,
  };
}
