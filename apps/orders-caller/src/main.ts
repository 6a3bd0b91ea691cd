import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { OrdersCallerModule } from './orders-caller.module.js';

/**
 * Starts the orders-caller. Env comes from the process, then `.env`, then `.env.example` (in the working directory);
 * a variable set in the process always wins.
 */
async function bootstrap(): Promise<void> {
  const logger = new Logger('OrdersCaller');
  await ConfigModule.forRoot({ envFilePath: ['.env', '.env.example'] });
  const port = Number(process.env.ORDERS_CALLER_PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    logger.error('invalid configuration: ORDERS_CALLER_PORT must be a port number');
    process.exitCode = 1;
    return;
  }
  let app;
  try {
    // abortOnError: false lets a configuration error end start-up with our one-line message instead of a stack.
    app = await NestFactory.create(OrdersCallerModule.forRoot(process.env), { abortOnError: false });
  } catch (error) {
    logger.error(`invalid configuration: ${(error as Error).message}`);
    process.exitCode = 1;
    return;
  }
  app.enableShutdownHooks();
  await app.listen(port);
  logger.log(`orders-caller listening on port ${port}; try: curl localhost:${port}/orders`);
}

bootstrap().catch((error: unknown) => {
  new Logger('OrdersCaller').error(
    `failed to start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exitCode = 1;
});
