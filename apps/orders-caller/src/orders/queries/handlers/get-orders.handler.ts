import type { HttpService } from '@nestjs/axios';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { InjectHttpService } from 'nestjs-access-token-management';
import { firstValueFrom } from 'rxjs';
import type { Order } from '../../order.interface.js';
import { ORDERS_CLIENT } from '../../orders-client.constants.js';
import { GetOrdersQuery } from '../impl/get-orders.query.js';

@QueryHandler(GetOrdersQuery)
export class GetOrdersHandler implements IQueryHandler<GetOrdersQuery> {
  // The injected HttpService already carries the access token: no token code here.
  constructor(@InjectHttpService(ORDERS_CLIENT) private readonly orders: HttpService) {}

  async execute(): Promise<Order[]> {
    const response = await firstValueFrom(this.orders.get<Order[]>('/orders'));
    return response.data;
  }
}
