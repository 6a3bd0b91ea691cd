// Public API: exactly what the README's "Public API" table documents (api-report.md lists it; a test checks both).
// Everything not exported here is internal and may change in any release.
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
export { AccessTokenModule } from './nest/access-token.module.js';
export type {
  AccessTokenHttpServiceOptions,
  AccessTokenModuleAsyncOptions,
  AccessTokenModuleOptions,
  AccessTokenOptionsFactory,
} from './nest/access-token-module-options.interface.js';
export { InjectAuthorizedFetch, InjectHttpService } from './nest/access-token.decorators.js';
export { AccessTokenHttpServices } from './nest/access-token-http-services.js';
export { getAuthorizedFetchToken, getHttpServiceToken } from './nest/access-token.constants.js';
export {
  AccessTokenHealthIndicator,
  type AccessTokenHealthResult,
  type AccessTokenHealthStatus,
} from './nest/access-token.health-indicator.js';
