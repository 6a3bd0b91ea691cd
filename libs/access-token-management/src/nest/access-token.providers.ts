import { Logger, type FactoryProvider } from '@nestjs/common';
import type { ResolvedAccessTokenOptions } from '../config/resolved-options.interface.js';
import { AccessTokenManager } from '../manager/access-token-manager.js';
import { ACCESS_TOKEN_MODULE_OPTIONS } from './access-token.constants.js';

/** The manager, built once from the validated module options. `AccessTokenModule` closes it on shutdown. */
export const accessTokenManagerProvider: FactoryProvider<AccessTokenManager> = {
  provide: AccessTokenManager,
  useFactory: (options: ResolvedAccessTokenOptions) =>
    new AccessTokenManager(options, { logger: new Logger(AccessTokenManager.name) }),
  inject: [ACCESS_TOKEN_MODULE_OPTIONS],
};
