import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { AxiosError } from 'axios';
import type { Response } from 'express';
import { AccessTokenError, AccessTokenErrorCode } from 'nestjs-access-token-management';

/**
 * Turns failures on the way to orders-api into answers for our own caller: token failures become 503 (the
 * authorization server is down) or 502 (it refused us), orders-api's own 4xx answers pass through, anything else on
 * the wire is a 502. Bodies are `{ code, message }` and never carry a token or a secret.
 */
@Catch(AccessTokenError, AxiosError)
export class UpstreamErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(UpstreamErrorFilter.name);

  catch(error: AccessTokenError | AxiosError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (error instanceof AccessTokenError) {
      const unavailable =
        error.code === AccessTokenErrorCode.TokenEndpointUnavailable ||
        error.code === AccessTokenErrorCode.DiscoveryFailed;
      this.logger.warn(`No access token for orders-api: ${error.message}`);
      response.status(unavailable ? 503 : 502).json({ code: error.code, message: error.message });
      return;
    }
    const status = error.response?.status;
    if (status !== undefined && status >= 400 && status < 500 && status !== 401 && status !== 403) {
      response.status(status).json(error.response?.data);
      return;
    }
    this.logger.warn(`orders-api call failed: ${status ? `HTTP ${status}` : (error.code ?? error.message)}`);
    response.status(502).json({
      code: status === 401 || status === 403 ? 'ERR_UPSTREAM_REJECTED' : 'ERR_UPSTREAM_FAILED',
      message: status ? `orders-api answered HTTP ${status}` : 'orders-api could not be reached',
    });
  }
}
