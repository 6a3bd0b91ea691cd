import type { HttpService } from '@nestjs/axios';
import { Injectable } from '@nestjs/common';
import { InjectHttpService } from 'nestjs-access-token-management';
import { firstValueFrom } from 'rxjs';
import type { NewOrder, Order } from './order.interface.js';
import { ORDERS_CLIENT } from './orders-client.constants.js';

/**
 * orders-api, as the handlers see it. Its `HttpService` (from `AccessTokenModule.forFeature`) has orders-api's
 * `baseURL` and already carries the access token: no token code here.
 */
@Injectable()
export class OrdersApiClient {
  constructor(@InjectHttpService(ORDERS_CLIENT) private readonly http: HttpService) {}

  async list(): Promise<Order[]> {
    return (await firstValueFrom(this.http.get<Order[]>('/orders'))).data;
  }

  async create(order: NewOrder): Promise<Order> {
    return (await firstValueFrom(this.http.post<Order>('/orders', order))).data;
  }
}
