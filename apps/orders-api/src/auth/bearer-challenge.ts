import { HttpException, HttpStatus } from '@nestjs/common';

/** The `realm` of every challenge this API sends. */
export const REALM = 'orders-api';

export interface BearerChallenge {
  status: HttpStatus.BAD_REQUEST | HttpStatus.UNAUTHORIZED | HttpStatus.FORBIDDEN;
  /** RFC 6750 section 3.1 code (RFC 9449 section 7.1 adds the DPoP ones); absent when no token came at all. */
  error?:
    'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'invalid_dpop_proof' | 'use_dpop_nonce';
  description: string;
  /** With `insufficient_scope`: the scope the request needs. */
  scope?: string;
  /** The scheme of the challenge: `DPoP` (RFC 9449 section 7.1) for requests that came with a DPoP-bound token. */
  scheme?: 'Bearer' | 'DPoP';
  /** DPoP: the proof algorithms this API accepts. */
  algs?: string;
}

/** The RFC 6750 `WWW-Authenticate` value for a challenge. Descriptions are fixed texts, never token content. */
export function wwwAuthenticate(challenge: BearerChallenge): string {
  const params: Array<[string, string]> = [['realm', REALM]];
  if (challenge.error) {
    params.push(['error', challenge.error]);
    // Kept off the 403 header so that it reads exactly `error="insufficient_scope", scope="..."`.
    if (challenge.error !== 'insufficient_scope') params.push(['error_description', challenge.description]);
  }
  if (challenge.scope) params.push(['scope', challenge.scope]);
  if (challenge.algs) params.push(['algs', challenge.algs]);
  return `${challenge.scheme ?? 'Bearer'} ${params.map(([name, value]) => `${name}="${value.replace(/["\\]/g, '')}"`).join(', ')}`;
}

/** The JSON body that goes with a challenge. */
export function challengeException(challenge: BearerChallenge): HttpException {
  return new HttpException(
    { error: challenge.error ?? 'unauthorized', error_description: challenge.description },
    challenge.status,
  );
}
