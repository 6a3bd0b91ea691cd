import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { OrdersCallerModule } from '../../apps/orders-caller/src/orders-caller.module.js';

export interface RunningOrdersCaller {
  url: string;
  app: INestApplication;
  close(): Promise<void>;
}

/** The orders-caller's env for a token server and an orders-api started by a test. */
export function ordersCallerEnv(
  tokenEndpoint: string,
  ordersApiUrl: string,
  overrides: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    ACCESS_TOKEN_CLIENTS: 'orders',
    ACCESS_TOKEN_ORDERS_TOKEN_ENDPOINT: tokenEndpoint,
    ACCESS_TOKEN_ORDERS_CLIENT_ID: 'orders-caller',
    ACCESS_TOKEN_ORDERS_CLIENT_SECRET: 'orders-caller-test-secret',
    ACCESS_TOKEN_ORDERS_SCOPE: 'orders.read orders.write',
    ACCESS_TOKEN_ORDERS_BASE_URL: ordersApiUrl,
    ...overrides,
  };
}

/** Starts the real orders-caller app in-process on a free loopback port, configured only through env. */
export async function startOrdersCaller(
  env: Record<string, string | undefined>,
): Promise<RunningOrdersCaller> {
  const app = await NestFactory.create(OrdersCallerModule.forRoot(env), {
    logger: false,
    abortOnError: false,
  });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, app, close: () => app.close() };
}
