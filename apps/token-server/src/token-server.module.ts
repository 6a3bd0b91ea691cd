import { Inject, Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type Provider from 'oidc-provider';

import { OIDC_PROVIDER, TOKEN_SERVER_SETTINGS } from './token-server.constants.js';
import type { TokenServerSettings } from './token-server.config.js';
import { createTokenProvider } from './token-provider.factory.js';

/**
 * The dev authorization server: oidc-provider mounted at the root of the Nest HTTP server.
 *
 * The module takes its settings as a value (not from env) so that the same module serves `main.ts` and the
 * test harness. The app that hosts it must be created with `bodyParser: false` (see `createTokenServerApp`):
 * oidc-provider reads the raw request body itself and only falls back, with a warning, to a body that another
 * parser already consumed.
 */
@Module({})
export class TokenServerModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(OIDC_PROVIDER) private readonly provider: Provider,
  ) {}

  static forRoot(settings: TokenServerSettings): DynamicModule {
    return {
      module: TokenServerModule,
      providers: [
        { provide: TOKEN_SERVER_SETTINGS, useValue: settings },
        {
          provide: OIDC_PROVIDER,
          inject: [TOKEN_SERVER_SETTINGS],
          useFactory: (value: TokenServerSettings) => createTokenProvider(value),
        },
      ],
      exports: [TOKEN_SERVER_SETTINGS, OIDC_PROVIDER],
    };
  }

  /**
   * Mounted here rather than through `MiddlewareConsumer`: a plain `use()` at the root keeps `req.url` intact
   * (oidc-provider routes on the full path), and module init runs after the (absent) controllers' routes and
   * before Nest's 404 handler, so the provider answers every path, including its own 404s.
   */
  onModuleInit(): void {
    this.adapterHost.httpAdapter.use(this.provider.callback());
  }
}
