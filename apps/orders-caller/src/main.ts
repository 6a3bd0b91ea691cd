import 'reflect-metadata';
import { Logger, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { OrdersCallerModule } from './orders-caller.module.js';

// `.env` first, `.env.example` as the embedded defaults; variables already in the process environment win.
@Module({
  imports: [ConfigModule.forRoot({ envFilePath: ['.env', '.env.example'] }), OrdersCallerModule.forRoot()],
})
class AppModule {}

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  app.enableShutdownHooks();
  const port = Number(process.env.ORDERS_CALLER_PORT ?? 3000);
  await app.listen(port);
  new Logger('OrdersCaller').log(`orders-caller listening on http://localhost:${port}`);
}

void bootstrap();
