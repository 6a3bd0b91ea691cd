import { Query } from '@nestjs/cqrs';
import type { Order } from '../../order.interface.js';

/** Lists the orders held by orders-api. */
export class GetOrdersQuery extends Query<Order[]> {}
