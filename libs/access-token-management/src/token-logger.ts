/**
 * Where the manager reports what it does. Nest's `Logger` fits as is; the default writes nothing.
 * Messages never contain a token or a secret.
 */
export interface TokenLogger {
  log(message: string): void;
  warn(message: string): void;
  debug?(message: string): void;
}

export const silentLogger: TokenLogger = { log: () => undefined, warn: () => undefined };
