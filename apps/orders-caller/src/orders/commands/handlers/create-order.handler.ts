import type { HttpService } from '@nestjs/axios';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { InjectHttpService } from 'nestjs-access-token-management';
import { firstValueFrom } from 'rxjs';
import type { Order } from '../../order.interface.js';
import { ORDERS_CLIENT } from '../../orders-client.constants.js';
import { CreateOrderCommand } from '../impl/create-order.command.js';

@CommandHandler(CreateOrderCommand)
export class CreateOrderHandler implements ICommandHandler<CreateOrderCommand> {
  constructor(@InjectHttpService(ORDERS_CLIENT) private readonly orders: HttpService) {}

  async execute(command: CreateOrderCommand): Promise<Order> {
    const response = await firstValueFrom(this.orders.post<Order>('/orders', command.order));
    return response.data;
  }
}
