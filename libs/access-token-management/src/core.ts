// The package without its Nest layer (`nestjs-access-token-management/core`): the manager, the env loader, the axios
// attachment, the authorized fetch and the errors. Nothing here imports Nest or rxjs, and axios and jose load only
// when used, so a service that calls APIs with plain `fetch` or axios does not carry them (see README "Without Nest").
// The main entry (index.ts) exports all of this and the Nest layer.
export type { AccessToken, AccessTokenType } from './access-token.js';
export { AccessTokenError, AccessTokenErrorCode, TokenEndpointError, isAccessTokenError } from './errors.js';
export {
  CLIENT_AUTH_METHODS,
  type AccessTokenOptions,
  type ClientAuthMethod,
  type ClientCredentialsClientOptions,
  type ClientResolver,
} from './config/client-options.interface.js';
export { accessTokenOptionsFromEnv, type EnvSource } from './config/env-options.loader.js';
export { AccessTokenManager, type AccessTokenManagerDependencies } from './manager/access-token-manager.js';
export type {
  AccessTokenClient,
  GetAccessTokenOptions,
  TokenSource,
} from './manager/token-source.interface.js';
export type { AccessTokenStatus } from './manager/token-status.interface.js';
export type { TokenLogger } from './token-logger.js';
export { attachAccessToken, type AttachAccessTokenOptions } from './http/attach-access-token.js';
export { redactAxiosError } from './http/redact.js';
export {
  createAuthorizedFetch,
  type AuthorizedFetchOptions,
  type FetchFunction,
} from './http/authorized-fetch.js';
