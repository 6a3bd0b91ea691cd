import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { AccessTokenOptions } from '../config/client-options.interface.js';
import { ACCESS_TOKEN_MODULE_OPTIONS } from './access-token.constants.js';
import type {
  AccessTokenModuleExtras,
  AccessTokenOptionsFactory,
} from './access-token-module-options.interface.js';
import { validatingOptionsProvider } from './access-token-options.provider.js';

/** `forRoot` / `forRootAsync` (`useFactory | useClass | useExisting`), `isGlobal`, options validated as provided. */
export const { ConfigurableModuleClass } = new ConfigurableModuleBuilder<AccessTokenOptions>({
  moduleName: 'AccessToken',
  optionsInjectionToken: ACCESS_TOKEN_MODULE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createAccessTokenOptions' satisfies keyof AccessTokenOptionsFactory)
  .setExtras<AccessTokenModuleExtras>({ isGlobal: false }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
    providers: definition.providers?.map(validatingOptionsProvider),
  }))
  .build();
