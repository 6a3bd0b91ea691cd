import type { Provider } from '@nestjs/common';
import type { AccessTokenOptions } from '../config/client-options.interface.js';
import { resolveAccessTokenOptions } from '../config/options.validation.js';
import type { ResolvedAccessTokenOptions } from '../config/resolved-options.interface.js';
import { ACCESS_TOKEN_MODULE_OPTIONS } from './access-token.constants.js';

type OptionsFactory = (...args: unknown[]) => AccessTokenOptions | Promise<AccessTokenOptions>;

/**
 * Makes the module options provider that `ConfigurableModuleBuilder` generates carry validated options, so that they
 * are validated exactly once: `forRoot`'s at import time (an error stops the app before Nest starts), `forRootAsync`'s
 * as soon as its factory returns. Other providers pass through.
 */
export function validatingOptionsProvider(provider: Provider): Provider {
  if (typeof provider !== 'object' || provider.provide !== ACCESS_TOKEN_MODULE_OPTIONS) return provider;
  if ('useValue' in provider) {
    return { provide: ACCESS_TOKEN_MODULE_OPTIONS, useValue: resolveAccessTokenOptions(provider.useValue) };
  }
  if ('useFactory' in provider) {
    const build = provider.useFactory as OptionsFactory;
    return {
      ...provider,
      useFactory: async (...args: unknown[]): Promise<ResolvedAccessTokenOptions> =>
        resolveAccessTokenOptions(await build(...args)),
    };
  }
  return provider; // not a shape the builder makes; the manager would still validate what it is given
}
