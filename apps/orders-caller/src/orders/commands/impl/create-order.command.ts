import { Command } from '@nestjs/cqrs';
import type { NewOrder, Order } from '../../order.interface.js';

/** Creates an order in orders-api. */
export class CreateOrderCommand extends Command<Order> {
  constructor(readonly order: NewOrder) {
    super();
  }
}
