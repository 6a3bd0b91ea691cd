import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { CqrsModule } from '@nestjs/cqrs';
import { TerminusModule } from '@nestjs/terminus';
import { AccessTokenModule, accessTokenOptionsFromEnv, type EnvSource } from 'nestjs-access-token-management';
import { HealthController } from './health/health.controller.js';
import { OrdersModule } from './orders/orders.module.js';

/** "Microservice A": calls orders-api through the `orders` client configured in env (ACCESS_TOKEN_ORDERS_*). */
@Module({})
export class OrdersCallerModule {
  /**
   * @param env the variables to read instead of the process env and `.env` (the tests pass their own). By default
   *   `ConfigModule` loads `.env` from the working directory into the process env, which wins over it.
   */
  static forRoot(env?: EnvSource): DynamicModule {
    return {
      module: OrdersCallerModule,
      imports: [
        // `${VAR}` references are expanded. `.env.example` is a template that only the demo (`npm start`) reads.
        ConfigModule.forRoot({
          envFilePath: '.env',
          expandVariables: true,
          ignoreEnvFile: env !== undefined,
        }),
        CqrsModule.forRoot(),
        TerminusModule.forRoot({ logger: false }),
        AccessTokenModule.forRootAsync({
          isGlobal: true, // OrdersModule's forFeature(['orders']) finds the manager
          // ConfigModule has loaded `.env` by the time factories run.
          useFactory: () => accessTokenOptionsFromEnv(env ?? process.env),
        }),
        OrdersModule,
      ],
      controllers: [HealthController],
    };
  }
}
