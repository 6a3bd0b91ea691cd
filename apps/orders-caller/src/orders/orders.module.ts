import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AccessTokenModule } from 'nestjs-access-token-management';
import { CommandHandlers } from './commands/handlers/index.js';
import { OrdersApiClient } from './orders-api.client.js';
import { ORDERS_CLIENT } from './orders-client.constants.js';
import { OrdersController } from './orders.controller.js';
import { QueryHandlers } from './queries/handlers/index.js';
import { UpstreamErrorFilter } from './upstream-error.filter.js';

/** `GET /orders` and `POST /orders`, served by CQRS handlers that call orders-api through {@link OrdersApiClient}. */
@Module({
  imports: [AccessTokenModule.forFeature([ORDERS_CLIENT])],
  controllers: [OrdersController],
  providers: [
    OrdersApiClient,
    ...QueryHandlers,
    ...CommandHandlers,
    { provide: APP_FILTER, useClass: UpstreamErrorFilter },
  ],
})
export class OrdersModule {}
