import { Inject } from '@nestjs/common';
import { getAuthorizedFetchToken, getHttpServiceToken } from './access-token.constants.js';

/**
 * Injects the `@nestjs/axios` `HttpService` of a client: its `baseURL` is the client's, and its requests carry the
 * client's access token.
 *
 * ```ts
 * constructor(@InjectHttpService('orders') private readonly orders: HttpService) {}
 * ```
 */
export const InjectHttpService = (clientName: string): ParameterDecorator & PropertyDecorator =>
  Inject(getHttpServiceToken(clientName));

/**
 * Injects the authorized `fetch` of a client (`AccessTokenModule.forFeature`): a `fetch`-compatible function whose
 * requests to the client's `baseURL` carry its access token, for code that does not use `@nestjs/axios` (plain
 * `fetch`, `ky`, `ofetch`).
 *
 * ```ts
 * constructor(@InjectAuthorizedFetch('orders') private readonly fetchOrders: FetchFunction) {}
 * ```
 */
export const InjectAuthorizedFetch = (clientName: string): ParameterDecorator & PropertyDecorator =>
  Inject(getAuthorizedFetchToken(clientName));
