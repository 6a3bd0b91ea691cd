import 'reflect-metadata';
import { Logger, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ordersCallerSettingsFromEnv, type OrdersCallerSettings } from './orders-caller.config.js';
import { OrdersCallerModule } from './orders-caller.module.js';

/**
 * Starts the orders-caller. Env comes from the process, then `.env` in the working directory (loaded by the app
 * module's `ConfigModule`, with `${VAR}` references expanded); a variable set in the process always wins.
 * `.env.example` is never read here.
 */
async function bootstrap(): Promise<void> {
  const logger = new Logger('OrdersCaller');
  let app: INestApplication | undefined;
  let settings: OrdersCallerSettings;
  try {
    // abortOnError: false lets a configuration error end start-up with our one-line message instead of an exit.
    app = await NestFactory.create(OrdersCallerModule.forRoot(), { abortOnError: false });
    settings = ordersCallerSettingsFromEnv(process.env); // `.env` is in process.env by now
  } catch (error) {
    logger.error(`invalid configuration: ${(error as Error).message}`);
    await app?.close();
    process.exitCode = 1;
    return;
  }
  app.enableShutdownHooks();
  await app.listen(settings.port, settings.host);
  logger.log(
    `orders-caller listening on ${settings.host}:${settings.port}; try: curl localhost:${settings.port}/orders`,
  );
}

bootstrap().catch((error: unknown) => {
  new Logger('OrdersCaller').error(
    `failed to start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exitCode = 1;
});
