import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Order } from '../../order.interface.js';
import { OrdersApiClient } from '../../orders-api.client.js';
import { GetOrdersQuery } from '../impl/get-orders.query.js';

@QueryHandler(GetOrdersQuery)
export class GetOrdersHandler implements IQueryHandler<GetOrdersQuery> {
  constructor(private readonly ordersApi: OrdersApiClient) {}

  execute(): Promise<Order[]> {
    return this.ordersApi.list();
  }
}
