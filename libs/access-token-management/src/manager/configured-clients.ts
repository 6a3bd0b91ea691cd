import { RecencyList, type RecencyLinks } from '../cache/recency-list.js';
import type { ResolvedClientOptions } from '../config/resolved-options.interface.js';
import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import { ClientMaterial } from '../protocol/client-material.js';
import type { TokenLogger } from '../token-logger.js';
import { LiveCredentials } from './live-credentials.js';
import type { AccessTokenClient, ClientTransport } from './token-source.interface.js';

/** Where a client came from: the start-up options, `registerClient`, or the `clientResolver` (only these are evicted). */
export type ClientOrigin = 'configured' | 'registered' | 'resolved';

/** A known client: its validated settings, the material built for it, its public view. */
export interface ConfiguredClient extends RecencyLinks<ConfiguredClient> {
  /** The settings as validated; the credentials in use are the material's (they follow rotated files). */
  readonly options: ResolvedClientOptions;
  readonly material: ClientMaterial;
  /** Its credential files, when it has any: re-read when they change. */
  readonly credentials?: LiveCredentials;
  /** One object per client for its whole life here: a cache keyed by it is freed with the client. */
  readonly view: AccessTokenClient;
  /** What the HTTP layer needs, built once: read on every request that carries the client's token. */
  readonly transport: ClientTransport;
  readonly origin: ClientOrigin;
  /** Removed, evicted or replaced: nothing new may be derived from it. */
  gone: boolean;
}

/** What a look at a client's credential files found. */
export type CredentialsCheck = 'unchanged' | 'changed' | 'rebound';

/** Names shown in a "not found" message at most: a service with thousands of tenants does not list them all. */
const NAMES_SHOWN = 10;

/**
 * The manager's clients by name, each with its material (keys, fetch, DPoP key) built once, here: the token endpoint,
 * the cache key and the HTTP layer of one client all use the same. Configured and registered clients stay until
 * removed; resolved ones are a cache of what the resolver said, `maxResolved` at most, the least recently used
 * evicted first (`onEvicted` forgets what was kept for them).
 */
export class ConfiguredClients {
  private readonly byName = new Map<string, ConfiguredClient>();
  private readonly resolved = new RecencyList<ConfiguredClient>();

  constructor(
    clients: ReadonlyMap<string, ResolvedClientOptions>,
    private readonly maxResolved: number,
    private readonly onEvicted: (client: ConfiguredClient) => void,
    private readonly logger: TokenLogger,
  ) {
    for (const options of clients.values()) {
      this.byName.set(options.name, configure(options, 'configured', logger));
    }
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  /** The settings of the configured and registered clients (not the resolved ones: a cache). */
  *settled(): IterableIterator<ResolvedClientOptions> {
    for (const client of this.byName.values()) if (client.origin !== 'resolved') yield client.options;
  }

  /** The client of that name, if known; a resolved one counts as used. */
  find(clientName: string): ConfiguredClient | undefined {
    const client = this.byName.get(clientName);
    if (client?.origin === 'resolved') this.resolved.touch(client);
    return client;
  }

  /** A call used `client`: a resolved one becomes the most recently used (the hot path: no lookup). */
  used(client: ConfiguredClient): void {
    if (client.origin === 'resolved' && !client.gone) this.resolved.touch(client);
  }

  /** @throws AccessTokenError `ERR_CLIENT_NOT_FOUND` */
  get(clientName: string): ConfiguredClient {
    return this.find(clientName) ?? throwNotFound(clientName, this.names);
  }

  /**
   * Adds a client registered or resolved at runtime; a registered one replaces a resolved one of the same name (which
   * is returned, to be forgotten). @throws AccessTokenError `ERR_CONFIG_INVALID` for a name configured or registered
   */
  add(
    options: ResolvedClientOptions,
    origin: 'registered' | 'resolved',
  ): { added: ConfiguredClient; replaced?: ConfiguredClient } {
    const existing = this.byName.get(options.name);
    if (existing !== undefined && existing.origin !== 'resolved') {
      throw new AccessTokenError(
        AccessTokenErrorCode.ConfigInvalid,
        `A client named '${options.name}' is configured already: remove it first (removeClient)`,
        options.name,
      );
    }
    if (existing !== undefined) this.delete(existing);
    const added = configure(options, origin, this.logger);
    this.byName.set(options.name, added);
    if (origin === 'resolved') {
      this.resolved.add(added);
      while (this.resolved.size > this.maxResolved) {
        const oldest = this.resolved.oldest as ConfiguredClient;
        this.delete(oldest);
        this.onEvicted(oldest);
      }
    }
    return { added, replaced: existing };
  }

  /** Forgets a client; returns it, or `undefined` when none had that name. */
  remove(clientName: string): ConfiguredClient | undefined {
    const client = this.byName.get(clientName);
    if (client !== undefined) this.delete(client);
    return client;
  }

  /** What a client is, never its secret or keys. */
  view(clientName: string): AccessTokenClient {
    return this.get(clientName).view;
  }

  /** Where a client's credentials may go and what its tokens are bound to. */
  transport(clientName: string): ClientTransport {
    return this.get(clientName).transport;
  }

  /** Why a client's credential files keep a previous value, if they do (for health checks). */
  credentialProblem(clientName: string): string | undefined {
    return this.byName.get(clientName)?.credentials?.problem;
  }

  private delete(client: ConfiguredClient): void {
    client.gone = true;
    this.byName.delete(client.options.name);
    this.resolved.remove(client);
  }
}

/**
 * Re-reads the client's credential files if they changed, and has its material adopt what they hold now: `rebound`
 * when that changed what its tokens are bound to (a new certificate or DPoP key: a new cache key).
 */
export function checkCredentials(client: ConfiguredClient): CredentialsCheck {
  const { material, credentials } = client;
  const found = credentials?.check();
  if (found === undefined) return 'unchanged';
  const binding = material.binding;
  const current = material.current;
  material.adopt({
    ...current,
    ...found.authentication,
    // Unchanged files keep their objects: the DPoP key (maybe generated) and the TLS agents are not made anew.
    ...(found.changed.has('dpopPrivateKey') ? {} : { dpop: current.dpop }),
    ...(['tlsCertificate', 'tlsKey', 'tlsCa'].some((option) => found.changed.has(option))
      ? {}
      : { tls: current.tls }),
  });
  return material.binding === binding ? 'changed' : 'rebound';
}

function configure(
  options: ResolvedClientOptions,
  origin: ClientOrigin,
  logger: TokenLogger,
): ConfiguredClient {
  const view: AccessTokenClient = Object.freeze({
    name: options.name,
    clientId: options.clientId,
    baseURL: options.baseURL,
    scope: options.scope,
    resource: options.resource,
    authMethod: options.authMethod,
    dpop: options.dpop !== undefined,
  });
  const material = new ClientMaterial(options);
  // Built once; the DPoP key, the certificate and the network are read from the material per use: they follow
  // rotated files.
  const transport: ClientTransport = Object.freeze({
    baseURL: options.baseURL,
    allowInsecureHttp: options.allowInsecureHttp,
    get dpop() {
      return material.dpop;
    },
    get tls() {
      return material.current.tls;
    },
    get network() {
      return material.network;
    },
  });
  const credentials = options.credentials && new LiveCredentials(options.credentials, options.name, logger);
  return {
    options,
    material,
    credentials,
    view,
    transport,
    origin,
    gone: false,
    older: undefined,
    newer: undefined,
  };
}

/** A call that found a client which is gone before its key was made: removed meanwhile. */
export function removedMeanwhile(clientName: string): AccessTokenError {
  return new AccessTokenError(
    AccessTokenErrorCode.ClientNotFound,
    `The access token client '${clientName}' was removed`,
    clientName,
  );
}

function throwNotFound(clientName: string, names: string[]): never {
  const shown = names.slice(0, NAMES_SHOWN).join(', ');
  const more = names.length > NAMES_SHOWN ? ` and ${names.length - NAMES_SHOWN} more` : '';
  throw new AccessTokenError(
    AccessTokenErrorCode.ClientNotFound,
    `No access token client named '${clientName}' is configured (configured: ${shown || 'none'}${more})`,
    clientName,
  );
}
