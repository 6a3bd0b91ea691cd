import { clientNameOfKey } from '../cache/cache-key.js';
import type { ClientCredentialsClientOptions } from '../config/client-options.interface.js';
import { validateRuntimeClient } from '../config/options.validation.js';
import type {
  ResolvedAccessTokenOptions,
  ResolvedClientOptions,
} from '../config/resolved-options.interface.js';
import { ClientLookups } from './client-lookups.js';
import type { Clock } from './clock.js';
import type { TokenLogger } from '../token-logger.js';
import {
  checkCredentials,
  ConfiguredClients,
  type ConfiguredClient,
  type CredentialsCheck,
} from './configured-clients.js';
import type { TokenKeyState } from './token-key-state.js';
import { TokenKeys } from './token-keys.js';
import type { TokenMetrics } from './token-metrics.js';
import type { AccessTokenClient, ClientTransport } from './token-source.interface.js';

/**
 * The manager's clients over their life — configured at start-up, registered, resolved on first use — and the keys
 * made for them, both bounded by `maxCachedTokens`. Whatever goes (removed, evicted, replaced) takes its keys along:
 * their timers stop (`stopTimer`), they plan none and, once removed, keep no result.
 */
export class ClientDirectory {
  readonly keys: TokenKeys;
  /** Hears of each token the in-process store evicts. */
  readonly tokenEvicted: (key: string) => void;
  private readonly clients: ConfiguredClients;
  private readonly lookups: ClientLookups;

  constructor(
    options: ResolvedAccessTokenOptions,
    clock: Clock,
    private readonly metrics: TokenMetrics,
    private readonly stopTimer: (state: TokenKeyState) => void,
    logger: TokenLogger,
  ) {
    const { maxCachedTokens: bound, cacheKeyPrefix: prefix } = options;
    this.tokenEvicted = (key) => metrics.evicted(clientNameOfKey(key, prefix), 'token');
    this.clients = new ConfiguredClients(
      options.clients,
      bound,
      (client) => {
        metrics.evicted(client.options.name, 'client');
        this.forget(client, 'evicted');
      },
      logger,
    );
    this.lookups = new ClientLookups(this.clients, options.clientResolver, clock);
    this.keys = new TokenKeys(
      { of: (name) => this.lookups.client(name), used: (client) => this.clients.used(client) },
      prefix,
      bound,
      (state) => {
        metrics.evicted(state.client.name, 'key');
        this.retire(state, 'evicted');
      },
    );
  }

  get names(): string[] {
    return this.clients.names;
  }

  /** The configured and registered clients' settings. */
  settled(): IterableIterator<ResolvedClientOptions> {
    return this.clients.settled();
  }

  /** @throws AccessTokenError `ERR_CLIENT_NOT_FOUND` */
  view(clientName: string): AccessTokenClient {
    return this.clients.view(clientName);
  }

  /** @throws AccessTokenError `ERR_CLIENT_NOT_FOUND` */
  transport(clientName: string): ClientTransport {
    return this.clients.transport(clientName);
  }

  /**
   * Re-reads the credential files of the key's client if they changed (before each token request, and on
   * `invalid_client`). A key's client is the one it was made for, even if removed since.
   */
  checkCredentials(state: TokenKeyState): CredentialsCheck {
    return state.owner === undefined ? 'unchanged' : checkCredentials(state.owner);
  }

  /** Why a client's credential files keep a previous value, if they do (for health checks). */
  credentialProblem(clientName: string): string | undefined {
    return this.clients.credentialProblem(clientName);
  }

  /** @throws AccessTokenError `ERR_CONFIG_INVALID` */
  register(clientName: string, options: ClientCredentialsClientOptions): AccessTokenClient {
    const { added, replaced } = this.clients.add(validateRuntimeClient(clientName, options), 'registered');
    if (replaced !== undefined) this.forget(replaced, 'evicted');
    return added.view;
  }

  /** Forgets a client; returns whether it was known (or being looked up) and the keys it had, to be dropped. */
  remove(clientName: string): { known: boolean; states: TokenKeyState[] } {
    const looking = this.lookups.cancel(clientName);
    const client = this.clients.remove(clientName);
    if (client === undefined) return { known: looking, states: [] };
    return { known: true, states: this.forget(client, 'removed') };
  }

  /** @throws AccessTokenError `ERR_CLIENT_NOT_FOUND`, `ERR_CLIENT_RESOLUTION_FAILED`, `ERR_CONFIG_INVALID` */
  async resolve(clientName: string): Promise<AccessTokenClient> {
    return (await this.lookups.client(clientName)).view;
  }

  private forget(client: ConfiguredClient, why: 'evicted' | 'removed'): TokenKeyState[] {
    const states = this.keys.forgetClient(client.options.name);
    for (const state of states) this.retire(state, why);
    this.metrics.forget(client.options.name);
    return states;
  }

  private retire(state: TokenKeyState, why: 'evicted' | 'removed'): void {
    state.retired = why;
    this.stopTimer(state);
    // A removed client's renewal in flight must not fall back to its token.
    if (why === 'removed') state.deleted();
  }
}
