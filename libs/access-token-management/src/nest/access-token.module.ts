import { Module, type DynamicModule, type OnModuleDestroy } from '@nestjs/common';
import { AccessTokenManager } from '../manager/access-token-manager.js';
import { AccessTokenFeatureModule } from './access-token-feature.module.js';
import { AccessTokenHealthIndicator } from './access-token.health-indicator.js';
import { AccessTokenHttpServices } from './access-token-http-services.js';
import { ConfigurableModuleClass } from './access-token.module-definition.js';
import { accessTokenManagerProvider } from './access-token.providers.js';
import { featureClients, type FeatureClient } from './feature-clients.js';
import { authorizedFetchProviders } from './authorized-fetch.providers.js';
import { httpServiceProviders } from './http-service.providers.js';

/**
 * Registers the {@link AccessTokenManager}, the {@link AccessTokenHealthIndicator} and {@link AccessTokenHttpServices}
 * (the `HttpService` of any client by name, at runtime); `forFeature` gives a module the authorizing `HttpService` of
 * each client it calls, injectable with `@InjectHttpService(name)`.
 *
 * ```ts
 * @Module({
 *   imports: [
 *     ConfigModule.forRoot(),
 *     AccessTokenModule.forRootAsync({ isGlobal: true, useFactory: () => accessTokenOptionsFromEnv() }),
 *     OrdersModule, // imports AccessTokenModule.forFeature(['orders'])
 *   ],
 * })
 * export class AppModule {}
 * ```
 *
 * `forRoot(options)` validates the options at import time (`ERR_CONFIG_INVALID`); `forRootAsync({ useFactory |
 * useClass | useExisting, imports, inject })` as soon as they are built, during start-up.
 */
@Module({
  providers: [accessTokenManagerProvider, AccessTokenHealthIndicator, AccessTokenHttpServices],
  exports: [AccessTokenManager, AccessTokenHealthIndicator, AccessTokenHttpServices],
})
export class AccessTokenModule extends ConfigurableModuleClass implements OnModuleDestroy {
  constructor(private readonly manager: AccessTokenManager) {
    super();
  }

  /**
   * Creates, in the module that imports it, an authorizing `HttpService` for each named client: an axios instance of
   * its own with the client's `baseURL`, and the axios settings given with the name (`timeout`, `headers`, ... as
   * `HttpModule.register` takes); and its authorized `fetch` (`@InjectAuthorizedFetch(name)`). Needs the manager visible there: register `forRoot`/`forRootAsync` with
   * `isGlobal: true`. Start-up fails with `ERR_CLIENT_NOT_FOUND` for a name that is not configured and
   * `ERR_CONFIG_INVALID` for a client without a `baseURL`.
   *
   * ```ts
   * AccessTokenModule.forFeature(['orders', { name: 'billing', timeout: 5_000 }])
   * ```
   */
  static forFeature(clients: readonly FeatureClient[]): DynamicModule {
    const named = featureClients(clients);
    const providers = [...httpServiceProviders(named), ...authorizedFetchProviders(named)];
    return {
      module: AccessTokenFeatureModule,
      providers,
      exports: providers.map((provider) => provider.provide),
    };
  }

  /** Stops the manager's background renewals and releases its cache connections when the app shuts down. */
  async onModuleDestroy(): Promise<void> {
    await this.manager.close();
  }
}
