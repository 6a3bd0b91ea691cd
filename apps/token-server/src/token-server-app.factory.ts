import type { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';

import type { TokenServerSettings } from './token-server.config.js';
import { TokenServerModule } from './token-server.module.js';

export interface TokenServerAppOptions {
  /** Nest log levels; `false` silences Nest (tests). */
  logger?: LogLevel[] | false;
}

/** Creates (but does not start) the token server app; shared by `main.ts` and the test harness. */
export async function createTokenServerApp(
  settings: TokenServerSettings,
  options: TokenServerAppOptions = {},
): Promise<INestApplication> {
  return NestFactory.create<NestExpressApplication>(TokenServerModule.forRoot(settings), {
    // oidc-provider parses the token request body itself.
    bodyParser: false,
    // Keep-alive sockets of token clients must not hold a shutdown open.
    forceCloseConnections: true,
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
  });
}
