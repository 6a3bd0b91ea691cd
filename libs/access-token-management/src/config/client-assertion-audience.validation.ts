import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import type { ClientAuthMethod, ClientCredentialsClientOptions } from './client-options.interface.js';
import { DEFAULT_CLIENT_ASSERTION_AUDIENCE } from './defaults.js';

const JWT_METHODS: readonly ClientAuthMethod[] = ['private_key_jwt', 'client_secret_jwt'];

function invalid(setting: string, problem: string, clientName: string): AccessTokenError {
  return new AccessTokenError(AccessTokenErrorCode.ConfigInvalid, `${setting} ${problem}`, clientName);
}

function isAbsoluteUriWithoutFragment(value: string): boolean {
  try {
    return !new URL(value).href.includes('#');
  } catch {
    return false;
  }
}

/**
 * The `aud` of a client's JWT assertions: `token_endpoint` (the default), `issuer` (needs discovery, where the issuer is
 * known) or an explicit absolute URI. Undefined for methods without assertions, where setting it is a mistake.
 */
export function validateClientAssertionAudience(
  client: ClientCredentialsClientOptions,
  authMethod: ClientAuthMethod,
  setting: (field: string) => string,
  name: string,
): string | undefined {
  const audience = client.clientAssertionAudience;
  if (!JWT_METHODS.includes(authMethod)) {
    if (audience === undefined) return undefined;
    throw invalid(
      setting('clientAssertionAudience'),
      `is only used by private_key_jwt and client_secret_jwt (${setting('authMethod')} is ${authMethod})`,
      name,
    );
  }
  if (audience === undefined) return DEFAULT_CLIENT_ASSERTION_AUDIENCE;
  if (audience === 'token_endpoint') return audience;
  if (audience === 'issuer') {
    if (client.issuer === undefined) {
      throw invalid(
        setting('clientAssertionAudience'),
        `is issuer, which is known only with discovery: set ${setting('issuer')} instead of ${setting('tokenEndpoint')}, or give the issuer URI itself`,
        name,
      );
    }
    return audience;
  }
  if (typeof audience !== 'string' || audience.length > 2048 || !isAbsoluteUriWithoutFragment(audience)) {
    throw invalid(
      setting('clientAssertionAudience'),
      'must be token_endpoint, issuer or an absolute URI without a fragment',
      name,
    );
  }
  return audience;
}
