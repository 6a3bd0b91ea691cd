import { Reflector } from '@nestjs/core';

/**
 * The OAuth scope a route needs, e.g. `@RequireScope('orders.write')`. Read by `AccessTokenGuard`; a route
 * guarded without it needs a valid token and no particular scope.
 */
export const RequireScope = Reflector.createDecorator<string>();
