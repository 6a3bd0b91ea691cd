import { TokenEndpointError, type AccessTokenError } from '../errors.js';

/**
 * A failure that asking again will not fix: the token endpoint refused our credentials or our request (a 400/401
 * OAuth error such as `invalid_client`, `unauthorized_client`, `invalid_scope`, `invalid_target`). Everything else
 * (unreachable, timeouts, 5xx, 429, garbled answers) is transient.
 */
export function isPermanentFailure(error: AccessTokenError): boolean {
  return error instanceof TokenEndpointError && error.status < 500 && error.status !== 429;
}

/** The server refused the client's credentials (`invalid_client`): maybe it learnt rotated ones before our files did. */
export function isRefusedClient(error: AccessTokenError): boolean {
  return error instanceof TokenEndpointError && error.error === 'invalid_client';
}
