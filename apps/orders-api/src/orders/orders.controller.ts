import { Body, Controller, Get, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';

import { AccessTokenGuard } from '../auth/access-token.guard.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { parseCreateOrderInput } from './create-order.validation.js';
import type { Order } from './order.js';
import { OrdersService } from './orders.service.js';

@Controller('orders')
@UseGuards(AccessTokenGuard)
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Get()
  @RequireScope('orders.read')
  list(): Order[] {
    return this.orders.list();
  }

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @RequireScope('orders.write')
  create(@Body() body: unknown): Order {
    return this.orders.create(parseCreateOrderInput(body));
  }
}
