import KeyvRedis, { type createClient } from '@keyv/redis';

/** The single-node client (`createClient`); a cluster URL is not supported by `cacheUrl`. */
type RedisClient = ReturnType<typeof createClient>;

/**
 * The Redis behind the shared store. Commands are only sent on a ready connection: node-redis would otherwise queue
 * them while it reconnects (and replay stale writes later) or, with the offline queue off, fail them while a first
 * connection is still being made.
 */
export class RedisConnection {
  readonly store: KeyvRedis<string>;

  constructor(url: string) {
    this.store = new KeyvRedis<string>(
      {
        url,
        disableOfflineQueue: true,
        socket: {
          connectTimeout: 1_000,
          reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2_000),
        },
      },
      { throwOnConnectError: true, throwOnErrors: true, connectionTimeout: 1_000 },
    );
    // Failures are reported by the operations that hit them; an unhandled 'error' event would crash the process.
    this.store.on('error', () => undefined);
    // Connect now, so the first token request does not pay for it.
    void this.ready().catch(() => undefined);
  }

  /** The client once it is ready; waits for a (re)connection in progress. Callers bound the wait with a timeout. */
  async ready(): Promise<RedisClient> {
    const client = (await this.store.getClient()) as RedisClient;
    if (client.isReady) {
      this.connectedOnce = true;
      return client;
    }
    // One listener however many operations wait (they time out on their own; the listener stays until Redis is back).
    this.reconnected ??= new Promise<void>((resolve) =>
      client.once('ready', () => {
        this.reconnected = undefined;
        resolve();
      }),
    );
    await this.reconnected;
    return client;
  }

  /**
   * How long one command may take, waiting for a connection included. The first connection of a process gets longer:
   * a service starting under load should not give up on sharing for a slow first handshake.
   */
  get operationTimeoutMs(): number {
    return this.connectedOnce ? 250 : 1_500;
  }

  private reconnected: Promise<void> | undefined;
  private connectedOnce = false;
}
