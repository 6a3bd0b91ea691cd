import type { ModuleMetadata } from '@nestjs/common';
import type { AccessTokenOptions } from '../config/client-options.interface.js';

/** Options of {@link AccessTokenModule.forRoot}. */
export interface AccessTokenModuleOptions extends AccessTokenOptions {
  /** Register the module globally, so every module can inject the manager and the named `HttpService`s. */
  isGlobal?: boolean;
}

/** Options of {@link AccessTokenModule.forRootAsync}. */
export interface AccessTokenModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /** Providers to inject into `useFactory`, e.g. `ConfigService`. */
  inject?: unknown[];
  /** Builds the options, e.g. `(config: ConfigService) => accessTokenOptionsFromEnv(config.get(...))`. */
  useFactory: (...args: never[]) => AccessTokenOptions | Promise<AccessTokenOptions>;
  /**
   * Names of the clients that get an injectable `HttpService`. Providers must exist before the factory runs, so the
   * names are given here; each must be configured with a `baseURL`, or start-up fails.
   */
  clientNames?: string[];
  /** Register the module globally. */
  isGlobal?: boolean;
}
