import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Order } from '../../order.interface.js';
import { OrdersApiClient } from '../../orders-api.client.js';
import { CreateOrderCommand } from '../impl/create-order.command.js';

@CommandHandler(CreateOrderCommand)
export class CreateOrderHandler implements ICommandHandler<CreateOrderCommand> {
  constructor(private readonly ordersApi: OrdersApiClient) {}

  execute(command: CreateOrderCommand): Promise<Order> {
    return this.ordersApi.create(command.order);
  }
}
