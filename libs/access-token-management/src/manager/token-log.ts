import type { AccessTokenError } from '../errors.js';
import type { TokenLogger } from '../token-logger.js';
import { isPermanentFailure } from './failure-classification.js';

/** What the manager logs, worded in one place. Lines name the client and the error code, never a token or secret. */
export class TokenLog {
  constructor(private readonly logger: TokenLogger) {}

  obtained(clientName: string, expiresAt: Date, renewed: boolean, tookMs: number, recovered: number): void {
    this.logger.log(
      `Token ${renewed ? 'renewed' : 'acquired'} for client '${clientName}' ` +
        `(expires ${expiresAt.toISOString()}, took ${tookMs} ms` +
        (recovered > 0 ? `, after ${recovered} failed attempt${recovered > 1 ? 's' : ''})` : ')'),
    );
  }

  /** A failure at warn level when it is the first of its code in the streak, else at debug: outages do not flood. */
  failed(clientName: string, error: AccessTokenError, nextInMs: number, first: boolean): void {
    const message =
      `Token request for client '${clientName}' failed (${error.code}): ${error.message}; ` +
      `next attempt in ${Math.round(nextInMs)} ms` +
      (isPermanentFailure(error) ? ' (a permanent error: check the client settings)' : '');
    if (first) this.logger.warn(message);
    else this.logger.debug?.(message);
  }

  forcedRenewalsBackOff(clientName: string, nextInMs: number): void {
    this.logger.warn(
      `The API keeps rejecting fresh tokens of client '${clientName}'; forced renewals now wait for the ` +
        `backoff (next in ${Math.round(nextInMs)} ms)`,
    );
  }
}
