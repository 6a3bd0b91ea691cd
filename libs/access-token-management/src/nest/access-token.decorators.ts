import { Inject } from '@nestjs/common';
import { getHttpServiceToken } from './access-token.constants.js';

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
