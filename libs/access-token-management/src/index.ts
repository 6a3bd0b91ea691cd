// Public API: exactly what the README's "Public API" table documents (api-report.md lists it; a test checks both).
// Everything not exported here is internal and may change in any release.
// The Nest-free part is core.ts (also the `./core` entry of the package); the Nest layer follows.
export * from './core.js';
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
