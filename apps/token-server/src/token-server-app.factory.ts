import type { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';

import type { TokenServerSettings, TokenServerTls } from './token-server.config.js';
import { TokenServerModule } from './token-server.module.js';

export interface TokenServerAppOptions {
  /** Nest log levels; `false` silences Nest (tests). */
  logger?: LogLevel[] | false;
}

/** Creates (but does not start) the token server app; shared by `main.ts` and the test harness. */
export async function createTokenServerApp(
  settings: TokenServerSettings,
  options: TokenServerAppOptions = {},
): Promise<INestApplication> {
  return NestFactory.create<NestExpressApplication>(TokenServerModule.forRoot(settings), {
    // oidc-provider parses the token request body itself.
    bodyParser: false,
    // Keep-alive sockets of token clients must not hold a shutdown open.
    forceCloseConnections: true,
    // With TLS: client certificates are asked for, never required (oidc-provider decides per client), and a
    // self-signed one is let through to be matched against the client's registered certificate.
    ...(settings.tls ? { httpsOptions: httpsOptionsOf(settings.tls) } : {}),
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
  });
}

/** The https server options of a TLS token server. */
export function httpsOptionsOf(
  tls: TokenServerTls,
  requestCert = true,
): { cert: string; key: string; ca?: string; requestCert: boolean; rejectUnauthorized: false } {
  return {
    cert: tls.cert,
    key: tls.key,
    ...(tls.clientCa !== undefined ? { ca: tls.clientCa } : {}),
    requestCert,
    rejectUnauthorized: false,
  };
}
