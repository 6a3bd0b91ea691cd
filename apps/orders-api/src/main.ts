import 'reflect-metadata';

import { Logger } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';

import { DEFAULT_HOST, jwksUriOf, ordersApiSettingsFromEnv } from './orders-api.config.js';
import { createOrdersApiApp } from './orders-api-app.factory.js';

/**
 * Starts the orders-api. Env comes from the process, then `.env` in the working directory
 * (with `${VAR}` references expanded); a variable set in the process always wins. `.env.example` is never read here.
 */
async function bootstrap(): Promise<void> {
  const logger = new Logger('OrdersApi');
  // `.env.example` is a template, read by the demo launcher (`npm start`) only: a deployment gets what it sets.
  await ConfigModule.forRoot({ envFilePath: '.env', expandVariables: true });

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
  await app.listen(settings.port, settings.host ?? DEFAULT_HOST);
  logger.log(
    `orders-api ${settings.audience} listening on ${settings.host}:${settings.port}; accepts tokens of ${settings.issuer} ` +
      `(keys from ${jwksUriOf(settings)})`,
  );
}

bootstrap().catch((error: unknown) => {
  new Logger('OrdersApi').error(`failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
