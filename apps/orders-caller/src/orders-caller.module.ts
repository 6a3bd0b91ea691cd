import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { TerminusModule } from '@nestjs/terminus';
import { AccessTokenModule, accessTokenOptionsFromEnv, type EnvSource } from 'nestjs-access-token-management';
import { HealthController } from './health/health.controller.js';
import { CreateOrderHandler } from './orders/commands/handlers/create-order.handler.js';
import { ORDERS_CLIENT } from './orders/orders-client.constants.js';
import { OrdersController } from './orders/orders.controller.js';
import { GetOrdersHandler } from './orders/queries/handlers/get-orders.handler.js';
import { UpstreamErrorFilter } from './orders/upstream-error.filter.js';

/** "Microservice A": calls orders-api through the `orders` client configured in env (ACCESS_TOKEN_ORDERS_*). */
@Module({})
export class OrdersCallerModule {
  /** @param env where the ACCESS_TOKEN_* settings are read; `process.env` (with `.env` loaded) by default. */
  static forRoot(env: EnvSource = process.env): DynamicModule {
    return {
      module: OrdersCallerModule,
      imports: [
        CqrsModule.forRoot(),
        TerminusModule.forRoot({ logger: false }),
        AccessTokenModule.forRootAsync({
          isGlobal: true, // forFeature finds the manager
          useFactory: () => accessTokenOptionsFromEnv(env),
        }),
        AccessTokenModule.forFeature([ORDERS_CLIENT]),
      ],
      controllers: [OrdersController, HealthController],
      providers: [
        GetOrdersHandler,
        CreateOrderHandler,
        { provide: APP_FILTER, useClass: UpstreamErrorFilter },
      ],
    };
  }
}
