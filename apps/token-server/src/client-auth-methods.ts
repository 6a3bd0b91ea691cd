/**
 * The token endpoint authentication methods this token server registers with oidc-provider (its `clientAuthMethods`)
 * and accepts in a client's settings. The token server's own list, typed against oidc-provider's, rather than the
 * library's: a server registers what its provider accepts, whatever a client library supports.
 */

import type { ClientAuthMethod as ProviderClientAuthMethod } from 'oidc-provider';

/** The methods of a shared secret (RFC 6749 §2.3.1; client_secret_jwt: RFC 7523). */
export const SECRET_AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
] as const satisfies readonly ProviderClientAuthMethod[];

/** A JWT signed with the client's registered key (RFC 7523). */
export const KEY_AUTH_METHODS = ['private_key_jwt'] as const satisfies readonly ProviderClientAuthMethod[];

/** Mutual TLS (RFC 8705 §2): offered only when the server runs TLS. */
export const TLS_AUTH_METHODS = [
  'tls_client_auth',
  'self_signed_tls_client_auth',
] as const satisfies readonly ProviderClientAuthMethod[];

export type ClientAuthMethod =
  | (typeof SECRET_AUTH_METHODS)[number]
  | (typeof KEY_AUTH_METHODS)[number]
  | (typeof TLS_AUTH_METHODS)[number];

/** Every method a client of this server may be registered with. */
export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = [
  ...SECRET_AUTH_METHODS,
  ...KEY_AUTH_METHODS,
  ...TLS_AUTH_METHODS,
];

/** What the provider is configured to accept: the mutual TLS methods only over TLS. */
export function providerClientAuthMethods(tls: boolean): ClientAuthMethod[] {
  return [...SECRET_AUTH_METHODS, ...KEY_AUTH_METHODS, ...(tls ? TLS_AUTH_METHODS : [])];
}

/** Whether `method` is one of `methods` (a narrowing `includes` for the readonly tuples above). */
export function isOneOf<T extends string>(methods: readonly T[], method: string): method is T {
  return (methods as readonly string[]).includes(method);
}
