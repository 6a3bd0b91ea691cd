import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { ordersCallerSettingsFromEnv } from './orders-caller.config.js';
import { OrdersCallerModule } from './orders-caller.module.js';

/**
 * Starts the orders-caller. Env comes from the process, then `.env` in the working directory (with `${VAR}`
 * references expanded); a variable set in the process always wins. `.env.example` is never read here.
 */
async function bootstrap(): Promise<void> {
  const logger = new Logger('OrdersCaller');
  // `.env.example` is a template, read by the demo launcher (`npm start`) only: a deployment gets what it sets.
  await ConfigModule.forRoot({ envFilePath: '.env', expandVariables: true });
  let settings;
  let app;
  try {
    settings = ordersCallerSettingsFromEnv(process.env);
    // abortOnError: false lets a configuration error end start-up with our one-line message instead of a stack.
    app = await NestFactory.create(OrdersCallerModule.forRoot(process.env), { abortOnError: false });
  } catch (error) {
    logger.error(`invalid configuration: ${(error as Error).message}`);
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
