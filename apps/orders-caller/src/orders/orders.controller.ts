import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { CreateOrderCommand } from './commands/impl/create-order.command.js';
import type { NewOrder, Order } from './order.interface.js';
import { GetOrdersQuery } from './queries/impl/get-orders.query.js';

@Controller('orders')
export class OrdersController {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly commandBus: CommandBus,
  ) {}

  @Get()
  list(): Promise<Order[]> {
    return this.queryBus.execute(new GetOrdersQuery());
  }

  /** The body is passed on as is: orders-api validates it and its 400 comes back unchanged. */
  @Post()
  @HttpCode(201)
  create(@Body() body: NewOrder): Promise<Order> {
    return this.commandBus.execute(new CreateOrderCommand(body));
  }
}
