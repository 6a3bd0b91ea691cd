import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { validateAccessTokenOptions } from '../config/options.validation.js';
import type { AccessTokenOptions } from '../config/client-options.interface.js';
import { AccessTokenManager } from '../manager/access-token-manager.js';
import { AccessTokenHealthIndicator } from './access-token.health-indicator.js';
import { ACCESS_TOKEN_MODULE_OPTIONS, getHttpServiceToken } from './access-token.constants.js';
import type {
  AccessTokenModuleAsyncOptions,
  AccessTokenModuleOptions,
} from './access-token-module-options.interface.js';
import { accessTokenManagerProvider, createHttpServiceProvider } from './access-token.providers.js';

/**
 * Registers the {@link AccessTokenManager} and, for every client with a `baseURL`, an authorizing `HttpService`
 * injectable with `@InjectHttpService(name)`.
 */
@Module({})
export class AccessTokenModule {
  /** Registers clients from options known at import time. Invalid options throw here, before the app starts. */
  static forRoot(options: AccessTokenModuleOptions): DynamicModule {
    const { isGlobal, ...tokenOptions } = options;
    const resolved = validateAccessTokenOptions(tokenOptions);
    const clientNames = [...resolved.clients.values()]
      .filter((c) => c.baseURL !== undefined)
      .map((c) => c.name);
    return AccessTokenModule.assemble(
      { provide: ACCESS_TOKEN_MODULE_OPTIONS, useValue: tokenOptions },
      clientNames,
      isGlobal,
    );
  }

  /**
   * Registers clients from options built at start-up, typically from `ConfigService`:
   *
   * ```ts
   * AccessTokenModule.forRootAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: () => accessTokenOptionsFromEnv(),
   *   clientNames: ['orders'],
   * })
   * ```
   */
  static forRootAsync(options: AccessTokenModuleAsyncOptions): DynamicModule {
    const module = AccessTokenModule.assemble(
      {
        provide: ACCESS_TOKEN_MODULE_OPTIONS,
        // The manager validates these options when it is built, which happens right after, still during start-up.
        useFactory: (...args: never[]): AccessTokenOptions | Promise<AccessTokenOptions> =>
          options.useFactory(...args),
        inject: (options.inject ?? []) as never[],
      },
      options.clientNames ?? [],
      options.isGlobal,
    );
    return { ...module, imports: options.imports ?? [] };
  }

  private static assemble(
    optionsProvider: Provider,
    clientNames: string[],
    isGlobal?: boolean,
  ): DynamicModule {
    const httpServices = [...new Set(clientNames)].map(createHttpServiceProvider);
    return {
      module: AccessTokenModule,
      global: isGlobal ?? false,
      providers: [optionsProvider, accessTokenManagerProvider, AccessTokenHealthIndicator, ...httpServices],
      exports: [AccessTokenManager, AccessTokenHealthIndicator, ...clientNames.map(getHttpServiceToken)],
    };
  }
}
