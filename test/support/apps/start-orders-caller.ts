import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { OrdersCallerModule } from '../../../apps/orders-caller/src/orders-caller.module.js';
import { freePort, sampleAppMain, startNodeProcess, type RunningProcess } from '../processes.js';

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

/**
 * Starts the built orders-caller (`dist/`, see `buildSampleApps`) as its own process, as a deployment does: `node
 * main.js` in `cwd` with only `env` (and PATH), on a free loopback port unless `env` names one.
 */
export async function startOrdersCallerProcess(
  env: Record<string, string | undefined>,
  cwd: string,
): Promise<RunningProcess & { url: string; port: number }> {
  const port = Number(env.ORDERS_CALLER_PORT ?? (await freePort()));
  const url = `http://127.0.0.1:${port}`;
  const running = await startNodeProcess([sampleAppMain('orders-caller')], {
    cwd,
    env: { ORDERS_CALLER_PORT: String(port), ...env },
    ready: [`${url}/health`],
  });
  return { ...running, url, port };
}
