import type { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';

import type { OrdersApiSettings } from './orders-api.config.js';
import { OrdersApiModule } from './orders-api.module.js';

export interface OrdersApiAppOptions {
  /** Nest log levels; `false` silences Nest (tests). */
  logger?: LogLevel[] | false;
}

/** Creates (but does not start) the orders-api app; shared by `main.ts` and the test harness. */
export async function createOrdersApiApp(
  settings: OrdersApiSettings,
  options: OrdersApiAppOptions = {},
): Promise<INestApplication> {
  return NestFactory.create<NestExpressApplication>(OrdersApiModule.forRoot(settings), {
    // Keep-alive sockets of callers must not hold a shutdown open.
    forceCloseConnections: true,
    // Client certificates are asked for and never required: only certificate-bound tokens need one, and the token
    // binds the very certificate, so its issuer is not checked here.
    ...(settings.tls
      ? { httpsOptions: { ...settings.tls, requestCert: true, rejectUnauthorized: false } }
      : {}),
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
  });
}
