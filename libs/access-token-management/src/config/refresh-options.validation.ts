import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import type { AccessTokenOptions } from './client-options.interface.js';
import {
  DEFAULT_BACKOFF_BASE_MS,
  DEFAULT_BACKOFF_MAX_MS,
  DEFAULT_EXPIRY_SAFETY_MARGIN_SECONDS,
  DEFAULT_REFRESH_AHEAD,
  DEFAULT_REFRESH_JITTER,
} from './defaults.js';
import type { ResolvedAccessTokenOptions } from './resolved-options.interface.js';

type RefreshOptions = Pick<
  ResolvedAccessTokenOptions,
  'refreshAhead' | 'refreshJitter' | 'backoffBaseMs' | 'backoffMaxMs' | 'expirySafetyMarginSeconds'
>;

/** Node timers hold a signed 32-bit delay; anything longer fires at once. */
const MAX_DELAY_MS = 2_147_483_647;

/** Checks the background refresh and failure policy settings and fills in their defaults. */
export function validateRefreshOptions(
  options: AccessTokenOptions,
  nameOf: (field: string) => string,
): RefreshOptions {
  const number = (
    field: keyof RefreshOptions,
    fallback: number,
    min: number,
    max: number,
    exclusiveMin = false,
  ) => {
    const value = options[field];
    if (value === undefined) return fallback;
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      value < min ||
      value > max ||
      (exclusiveMin && value === min)
    ) {
      throw new AccessTokenError(
        AccessTokenErrorCode.ConfigInvalid,
        `${nameOf(field)} must be a number ${exclusiveMin ? '>' : '>='} ${min} and <= ${max}`,
      );
    }
    return value;
  };
  if (options.refreshAhead !== undefined && typeof options.refreshAhead !== 'boolean') {
    throw new AccessTokenError(
      AccessTokenErrorCode.ConfigInvalid,
      `${nameOf('refreshAhead')} must be true or false`,
    );
  }
  const backoffBaseMs = number('backoffBaseMs', DEFAULT_BACKOFF_BASE_MS, 0, MAX_DELAY_MS, true);
  const backoffMaxMs = number(
    'backoffMaxMs',
    Math.max(DEFAULT_BACKOFF_MAX_MS, backoffBaseMs),
    0,
    MAX_DELAY_MS,
    true,
  );
  if (backoffMaxMs < backoffBaseMs) {
    throw new AccessTokenError(
      AccessTokenErrorCode.ConfigInvalid,
      `${nameOf('backoffMaxMs')} must be >= ${nameOf('backoffBaseMs')}`,
    );
  }
  return {
    refreshAhead: options.refreshAhead ?? DEFAULT_REFRESH_AHEAD,
    refreshJitter: number('refreshJitter', DEFAULT_REFRESH_JITTER, 0, 1),
    backoffBaseMs,
    backoffMaxMs,
    expirySafetyMarginSeconds: number(
      'expirySafetyMarginSeconds',
      DEFAULT_EXPIRY_SAFETY_MARGIN_SECONDS,
      0,
      3600,
    ),
  };
}
