import {
  HttpException,
  HttpStatus,
  Injectable,
  Logger,
  ServiceUnavailableException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';

import {
  AccessTokenVerificationUnavailableError,
  AccessTokenVerifier,
  InvalidAccessTokenError,
  type AccessTokenClaims,
} from './access-token.verifier.js';
import { clientCertificateThumbprint } from './client-certificate.js';
import {
  DPOP_ALGORITHMS,
  DPoPNonceRequiredError,
  DPoPProofVerifier,
  DPoPReplayCacheFullError,
  InvalidDPoPProofError,
} from './dpop-proof.verifier.js';
import { challengeException, wwwAuthenticate, type BearerChallenge } from './bearer-challenge.js';
import { RequireScope } from './require-scope.decorator.js';

/** RFC 6750 section 2.1: `Bearer` (any case), one or more spaces, a b64token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
/** RFC 9449 section 7.1: the same token syntax under the `DPoP` scheme. */
const DPOP = /^DPoP +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Lets a request through only with a valid JWT access token (header `Authorization: Bearer ...`, or
 * `Authorization: DPoP ...` with a DPoP proof for a DPoP-bound token) that carries the scope the route names with
 * `@RequireScope`; a certificate-bound token only over TLS with its client certificate. Refusals follow RFC 6750 and
 * RFC 9449: 401 with `invalid_token`, `invalid_dpop_proof` or `use_dpop_nonce` (or no error when no token came),
 * 403 with `insufficient_scope`, each with a `WWW-Authenticate` challenge.
 * The token itself never reaches a log or a response.
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  private readonly logger = new Logger(AccessTokenGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: AccessTokenVerifier,
    private readonly dpopVerifier: DPoPProofVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const requiredScope = this.reflector.getAllAndOverride(RequireScope, [
      context.getHandler(),
      context.getClass(),
    ]);

    const refuse = (challenge: BearerChallenge): HttpException => {
      response.setHeader('WWW-Authenticate', wwwAuthenticate(challenge));
      // `path`, not `url`: a misguided client may put a token in the query string.
      this.logger.warn(
        `${request.method} ${request.path} refused (${challenge.status}): ${challenge.description}`,
      );
      return challengeException(challenge);
    };

    const header = request.headers.authorization;
    const scheme = /^(bearer|dpop)(\s|$)/i.exec(header ?? '')?.[1]?.toLowerCase();
    if (!header || scheme === undefined) {
      // No Bearer or DPoP credentials at all (none, or another scheme): a bare challenge, no error code (section 3.1).
      throw refuse({ status: HttpStatus.UNAUTHORIZED, description: 'a Bearer access token is required' });
    }
    const dpop = scheme === 'dpop';
    // Refusals of a DPoP request are DPoP challenges (RFC 9449 section 7.1), naming the accepted algorithms.
    const challenge = dpop ? ({ scheme: 'DPoP', algs: DPOP_ALGORITHMS.join(' ') } as const) : {};
    const token = (dpop ? DPOP : BEARER).exec(header)?.[1];
    if (!token) {
      throw refuse({
        ...challenge,
        status: HttpStatus.BAD_REQUEST,
        error: 'invalid_request',
        description: `the Authorization header is not a well-formed ${dpop ? 'DPoP' : 'Bearer'} credential`,
      });
    }

    let claims;
    try {
      claims = await this.verifier.verify(token);
    } catch (error) {
      if (error instanceof InvalidAccessTokenError) {
        throw refuse({
          ...challenge,
          status: HttpStatus.UNAUTHORIZED,
          error: 'invalid_token',
          description: error.message,
        });
      }
      if (error instanceof AccessTokenVerificationUnavailableError) {
        // The caller's token may be fine; a 401 would only make it fetch a new one and fail again.
        this.logger.error(error.message);
        throw new ServiceUnavailableException({
          error: 'temporarily_unavailable',
          error_description: 'access tokens cannot be verified right now',
        });
      }
      throw error;
    }

    // Sender-constrained tokens: DPoP (RFC 9449) and certificate-bound (RFC 8705) ones prove their holder.
    const problem = await this.checkSenderConstraint(request, response, token, claims, dpop);
    if (problem !== undefined) throw refuse({ ...challenge, status: HttpStatus.UNAUTHORIZED, ...problem });

    if (requiredScope && !(claims.scope ?? '').split(' ').includes(requiredScope)) {
      throw refuse({
        ...challenge,
        status: HttpStatus.FORBIDDEN,
        error: 'insufficient_scope',
        description: `the access token of client "${claims.client_id}" lacks the scope ${requiredScope}`,
        scope: requiredScope,
      });
    }
    return true;
  }

  /**
   * A DPoP-bound token (`cnf.jkt`) must come with the DPoP scheme and a valid proof of its key; a DPoP proof must
   * come with a DPoP-bound token; a certificate-bound token (`cnf["x5t#S256"]`) must come over a TLS connection with
   * that client certificate. Returns the refusal, or undefined when the request may pass.
   */
  private async checkSenderConstraint(
    request: Request,
    response: Response,
    token: string,
    claims: AccessTokenClaims,
    dpop: boolean,
  ): Promise<Pick<BearerChallenge, 'error' | 'description'> | undefined> {
    const jkt = claims.cnf?.jkt;
    if (!dpop && jkt !== undefined) {
      return {
        error: 'invalid_token',
        description: 'a DPoP-bound access token must be sent with the DPoP scheme',
      };
    }
    if (dpop) {
      if (typeof jkt !== 'string') {
        return { error: 'invalid_token', description: 'the access token is not DPoP-bound' };
      }
      try {
        const { nextNonce } = await this.dpopVerifier.verify({
          proof: request.get('dpop'),
          method: request.method,
          path: request.originalUrl,
          accessToken: token,
          jkt,
        });
        if (nextNonce !== undefined) response.setHeader('DPoP-Nonce', nextNonce);
      } catch (error) {
        if (error instanceof DPoPNonceRequiredError) {
          response.setHeader('DPoP-Nonce', error.nonce);
          return { error: 'use_dpop_nonce', description: error.message };
        }
        if (error instanceof InvalidDPoPProofError)
          return { error: 'invalid_dpop_proof', description: error.message };
        if (error instanceof DPoPReplayCacheFullError) {
          // Not the caller's fault, and a fresh proof would meet the same full cache: a 401 would only invite one.
          response.setHeader('Retry-After', String(error.retryAfterSeconds));
          this.logger.warn(`${request.method} ${request.path} refused (503): ${error.message}`);
          throw new ServiceUnavailableException({
            error: 'temporarily_unavailable',
            error_description: error.message,
          });
        }
        throw error;
      }
    }
    const x5t = claims.cnf?.['x5t#S256'];
    if (x5t !== undefined && clientCertificateThumbprint(request) !== x5t) {
      return {
        error: 'invalid_token',
        description: 'the access token is bound to a client certificate that this connection did not present',
      };
    }
    return undefined;
  }
}
