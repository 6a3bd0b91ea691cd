import { Injectable } from '@nestjs/common';

import type { CreateOrderInput, Order } from './order.js';

/** The orders, in memory: a sample service, so a restart resets them to the two seeded orders. */
@Injectable()
export class OrdersService {
  private readonly orders: Order[] = [];
  private lastId = 0;

  constructor() {
    this.create({ item: 'Espresso beans, 1 kg', quantity: 2 });
    this.create({ item: 'Paper filters, pack of 100', quantity: 5 });
  }

  list(): Order[] {
    return this.orders.map((order) => ({ ...order }));
  }

  create(input: CreateOrderInput): Order {
    this.lastId += 1;
    const order: Order = { id: String(this.lastId), ...input, createdAt: new Date().toISOString() };
    this.orders.push(order);
    return { ...order };
  }
}
