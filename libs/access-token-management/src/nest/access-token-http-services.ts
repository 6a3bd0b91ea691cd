import type { HttpService } from '@nestjs/axios';
import { Injectable } from '@nestjs/common';
import { AccessTokenManager } from '../manager/access-token-manager.js';
import type { AccessTokenClient } from '../manager/token-source.interface.js';
import { createHttpService } from './http-service.providers.js';

/**
 * The authorizing `HttpService` of any client by name, at runtime: a tenant registered with `registerClient`, or
 * looked up through the `clientResolver` on first use, as well as the configured clients. Each is created once per
 * client, on an axios instance of its own pinned to the client's `baseURL` like the `forFeature` ones, and goes with
 * its client: once the client is removed or evicted, the manager no longer holds it, and neither does this.
 *
 * ```ts
 * constructor(private readonly tenants: AccessTokenHttpServices) {}
 * async listOrders(tenant: string) {
 *   const http = await this.tenants.get(tenant);
 *   return (await http.axiosRef.get('/orders')).data;
 * }
 * ```
 */
@Injectable()
export class AccessTokenHttpServices {
  /** Keyed by the client's public view, one object per client for its life in the manager: freed with it. */
  private readonly services = new WeakMap<AccessTokenClient, HttpService>();

  constructor(private readonly manager: AccessTokenManager) {}

  /**
   * The client's `HttpService`, the client looked up first if the manager does not know it yet.
   * @throws AccessTokenError `ERR_CLIENT_NOT_FOUND`, `ERR_CLIENT_RESOLUTION_FAILED`, `ERR_CONFIG_INVALID` (a resolved
   *   client's settings, or a client without a `baseURL`)
   */
  async get(clientName: string): Promise<HttpService> {
    const client = await this.manager.resolveClient(clientName);
    let service = this.services.get(client);
    if (service === undefined) {
      service = createHttpService(this.manager, client, { name: client.name });
      this.services.set(client, service);
    }
    return service;
  }
}
