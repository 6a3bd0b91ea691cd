import 'reflect-metadata';

import { Logger } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';

import { jwksUriOf, ordersApiSettingsFromEnv } from './orders-api.config.js';
import { createOrdersApiApp } from './orders-api-app.factory.js';

/**
 * Starts the orders-api. Env comes from the process, then `.env`, then `.env.example` (in the working
 * directory); a variable set in the process always wins.
 */
async function bootstrap(): Promise<void> {
  const logger = new Logger('OrdersApi');
  await ConfigModule.forRoot({ envFilePath: ['.env', '.env.example'] });

  let settings;
  try {
    settings = ordersApiSettingsFromEnv(process.env);
  } catch (error) {
    logger.error(`invalid configuration: ${(error as Error).message}`);
    process.exitCode = 1;
    return;
  }

  const app = await createOrdersApiApp(settings);
  app.enableShutdownHooks();
  await app.listen(settings.port);
  logger.log(
    `orders-api ${settings.audience} listening on port ${settings.port}; accepts tokens of ${settings.issuer} ` +
      `(keys from ${jwksUriOf(settings)})`,
  );
}

bootstrap().catch((error: unknown) => {
  new Logger('OrdersApi').error(`failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
