import 'reflect-metadata';

import { Logger } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';

import { tokenServerSettingsFromEnv } from './token-server.config.js';
import { createTokenServerApp } from './token-server-app.factory.js';

/**
 * Starts the dev token server. Env comes from the process, then `.env`, then `.env.example` (in the working
 * directory); a variable set in the process always wins, so `TOKEN_SERVER_PORT=4100 npm run ...` works.
 */
async function bootstrap(): Promise<void> {
  const logger = new Logger('TokenServer');
  await ConfigModule.forRoot({ envFilePath: ['.env', '.env.example'] });

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
  await app.listen(settings.port);
  logger.log(
    `token server for ${settings.resource} listening on port ${settings.port}, issuer ${settings.issuer}, ` +
      `clients: ${settings.clients.map((client) => client.clientId).join(', ')}`,
  );
}

bootstrap().catch((error: unknown) => {
  new Logger('TokenServer').error(
    `failed to start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exitCode = 1;
});
