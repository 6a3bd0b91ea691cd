import type { ClientAuthMethod } from './client-options.interface.js';

/** Methods that send or sign with the client secret. */
export const SECRET_METHODS: readonly ClientAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
];

/** Methods that authenticate with a JWT assertion (RFC 7523), which has an audience. */
export const JWT_METHODS: readonly ClientAuthMethod[] = ['private_key_jwt', 'client_secret_jwt'];

/** Methods that authenticate with the TLS client certificate (RFC 8705). */
export const TLS_METHODS: readonly ClientAuthMethod[] = ['tls_client_auth', 'self_signed_tls_client_auth'];
