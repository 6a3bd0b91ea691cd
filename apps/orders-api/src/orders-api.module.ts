import { Module, type DynamicModule } from '@nestjs/common';

import { AccessTokenGuard } from './auth/access-token.guard.js';
import { AccessTokenVerifier } from './auth/access-token.verifier.js';
import { DPoPProofVerifier } from './auth/dpop-proof.verifier.js';
import type { OrdersApiSettings } from './orders-api.config.js';
import { ORDERS_API_SETTINGS } from './orders-api.constants.js';
import { OrdersController } from './orders/orders.controller.js';
import { OrdersService } from './orders/orders.service.js';

/**
 * "Microservice B": the orders, behind JWT access tokens. Settings come in as a value so that `main.ts`
 * (from env) and the test harness (from a running token server) build the same module.
 */
@Module({})
export class OrdersApiModule {
  static forRoot(settings: OrdersApiSettings): DynamicModule {
    return {
      module: OrdersApiModule,
      controllers: [OrdersController],
      providers: [
        { provide: ORDERS_API_SETTINGS, useValue: settings },
        AccessTokenVerifier,
        DPoPProofVerifier,
        AccessTokenGuard,
        OrdersService,
      ],
    };
  }
}
