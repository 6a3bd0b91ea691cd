import { Injectable } from '@nestjs/common';
import { AccessTokenManager } from '../manager/access-token-manager.js';
import type { AccessTokenStatus } from '../manager/token-status.interface.js';

/** `up`, `degraded` (renewal failing, the cached token still serving; or a credential file unreadable) or `down` (no usable token, requests failing). */
export type AccessTokenHealthStatus = 'up' | 'degraded' | 'down';

/** The shape `@nestjs/terminus` expects from a health indicator: `{ [key]: { status, ...details } }`. */
export type AccessTokenHealthResult<Key extends string = string> = Record<
  Key,
  { status: AccessTokenHealthStatus; tokens: AccessTokenStatus[] }
>;

/**
 * Reports the token state of every client for a health endpoint, in the result shape of `@nestjs/terminus` (which this
 * library does not depend on). Contains expiry times and error codes, never a token.
 *
 * ```ts
 * @Get('health') @HealthCheck()
 * check() { return this.health.check([() => this.tokens.check('access_tokens')]); }
 * ```
 */
@Injectable()
export class AccessTokenHealthIndicator {
  constructor(private readonly manager: AccessTokenManager) {}

  check<const Key extends string = 'access_tokens'>(
    key: Key = 'access_tokens' as Key,
  ): AccessTokenHealthResult<Key> {
    const tokens = this.manager.getStatus();
    const failing = tokens.filter((token) => token.failures > 0);
    // A credential file that cannot be read: the value read before still works, until the server stops taking it.
    const stale = tokens.some((token) => token.credentialProblem !== undefined);
    const status: AccessTokenHealthStatus = failing.some((token) => !token.valid)
      ? 'down'
      : failing.length > 0 || stale
        ? 'degraded'
        : 'up';
    return { [key]: { status, tokens } } as AccessTokenHealthResult<Key>;
  }
}
