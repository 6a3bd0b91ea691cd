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
} from './access-token.verifier.js';
import { challengeException, wwwAuthenticate, type BearerChallenge } from './bearer-challenge.js';
import { RequireScope } from './require-scope.decorator.js';

/** RFC 6750 section 2.1: `Bearer` (any case), one or more spaces, a b64token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Lets a request through only with a valid JWT access token (header `Authorization: Bearer ...`) that carries
 * the scope the route names with `@RequireScope`. Refusals follow RFC 6750: 401 with `invalid_token` (or no
 * error when no token came), 403 with `insufficient_scope`, each with a `WWW-Authenticate` challenge.
 * The token itself never reaches a log or a response.
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  private readonly logger = new Logger(AccessTokenGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: AccessTokenVerifier,
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
    if (!header || !/^bearer(\s|$)/i.test(header)) {
      // No Bearer credentials at all (none, or another scheme): a bare challenge, no error code (section 3.1).
      throw refuse({ status: HttpStatus.UNAUTHORIZED, description: 'a Bearer access token is required' });
    }
    const token = BEARER.exec(header)?.[1];
    if (!token) {
      throw refuse({
        status: HttpStatus.BAD_REQUEST,
        error: 'invalid_request',
        description: 'the Authorization header is not a well-formed Bearer credential',
      });
    }

    let claims;
    try {
      claims = await this.verifier.verify(token);
    } catch (error) {
      if (error instanceof InvalidAccessTokenError) {
        throw refuse({ status: HttpStatus.UNAUTHORIZED, error: 'invalid_token', description: error.message });
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

    if (requiredScope && !(claims.scope ?? '').split(' ').includes(requiredScope)) {
      throw refuse({
        status: HttpStatus.FORBIDDEN,
        error: 'insufficient_scope',
        description: `the access token of client "${claims.client_id}" lacks the scope ${requiredScope}`,
        scope: requiredScope,
      });
    }
    return true;
  }
}
