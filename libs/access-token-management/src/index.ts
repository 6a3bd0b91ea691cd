// Public API. Everything not exported here is internal and may change in any release.
export type { AccessToken, AccessTokenType } from './access-token.js';
export { AccessTokenError, AccessTokenErrorCode, TokenEndpointError, isAccessTokenError } from './errors.js';
export {
  CLIENT_AUTH_METHODS,
  type AccessTokenOptions,
  type ClientAssertionAudience,
  type ClientAuthMethod,
  type ClientCredentialsClientOptions,
} from './config/client-options.interface.js';
export type {
  ResolvedAccessTokenOptions,
  ResolvedClientOptions,
} from './config/resolved-options.interface.js';
export { accessTokenOptionsFromEnv, clientEnvPrefix, type EnvSource } from './config/env-options.loader.js';
export { validateAccessTokenOptions } from './config/options.validation.js';
export type {
  CertificateThumbprints,
  PrivateKeyInput,
  ResolvedPrivateKey,
  ResolvedTlsOptions,
} from './config/key-material.js';
export type { ResolvedClientAuthentication } from './config/client-authentication.validation.js';
export {
  AccessTokenManager,
  type AccessTokenManagerDependencies,
  type GetAccessTokenOptions,
} from './manager/access-token-manager.js';
export type { TokenLogger } from './token-logger.js';
export type { AccessTokenStatus } from './manager/token-status.interface.js';
export { METER_NAME } from './manager/token-metrics.js';
export { attachAccessToken, type AttachAccessTokenOptions } from './http/attach-access-token.js';
export { redactAxiosError } from './http/redact.js';
export { AccessTokenModule } from './nest/access-token.module.js';
export type {
  AccessTokenHttpServiceOptions,
  AccessTokenModuleAsyncOptions,
  AccessTokenModuleOptions,
  AccessTokenOptionsFactory,
} from './nest/access-token-module-options.interface.js';
export { InjectHttpService } from './nest/access-token.decorators.js';
export {
  AccessTokenHealthIndicator,
  type AccessTokenHealthResult,
  type AccessTokenHealthStatus,
} from './nest/access-token.health-indicator.js';
export { getHttpServiceToken, ACCESS_TOKEN_MODULE_OPTIONS } from './nest/access-token.constants.js';
