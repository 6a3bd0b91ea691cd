import 'reflect-metadata';

import { Logger } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';

import { DEFAULT_HOST, tokenServerSettingsFromEnv } from './token-server.config.js';
import { createTokenServerApp } from './token-server-app.factory.js';

/**
 * Starts the dev token server. Env comes from the process, then `.env` in the working directory
 * (with `${VAR}` references expanded); a variable set in the process always wins. `.env.example` is never read here.
 */
async function bootstrap(): Promise<void> {
  const logger = new Logger('TokenServer');
  // `.env.example` is a template, read by the demo launcher (`npm start`) only: a deployment gets what it sets.
  await ConfigModule.forRoot({ envFilePath: '.env', expandVariables: true });

  let settings;
  try {
    settings = tokenServerSettingsFromEnv(process.env);
  } catch (error) {
    // The message names the variable and never carries its value.
    logger.error(`invalid configuration: ${(error as Error).message}`);
    process.exitCode = 1;
    return;
  }

  const app = await createTokenServerApp(settings);
  app.enableShutdownHooks();
  await app.listen(settings.port, settings.host ?? DEFAULT_HOST);
  logger.log(
    `token server for ${settings.resource} listening on ${settings.host}:${settings.port}, issuer ${settings.issuer}, ` +
      `clients: ${settings.clients.map((client) => client.clientId).join(', ')}`,
  );
}

bootstrap().catch((error: unknown) => {
  new Logger('TokenServer').error(
    `failed to start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exitCode = 1;
});
