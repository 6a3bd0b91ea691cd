import type { ResolvedClientOptions } from '../config/resolved-options.interface.js';
import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import { ClientMaterial } from '../protocol/client-material.js';
import type { AccessTokenClient, ClientTransport } from './token-source.interface.js';

/** A configured client: its validated settings and the material built for it. */
export interface ConfiguredClient {
  readonly options: ResolvedClientOptions;
  readonly material: ClientMaterial;
}

/**
 * The manager's clients by name, each with its material (keys, fetch, DPoP key) built once, here: the token endpoint,
 * the cache key and the HTTP layer of one client all use the same.
 */
export class ConfiguredClients {
  private readonly byName = new Map<string, ConfiguredClient>();

  constructor(clients: ReadonlyMap<string, ResolvedClientOptions>) {
    for (const [name, options] of clients) {
      this.byName.set(name, { options, material: new ClientMaterial(options) });
    }
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  /** @throws AccessTokenError `ERR_CLIENT_NOT_FOUND` */
  get(clientName: string): ConfiguredClient {
    const client = this.byName.get(clientName);
    if (client === undefined) {
      throw new AccessTokenError(
        AccessTokenErrorCode.ClientNotFound,
        `No access token client named '${clientName}' is configured (configured: ${this.names.join(', ')})`,
        clientName,
      );
    }
    return client;
  }

  /** What a client is, never its secret or keys. */
  view(clientName: string): AccessTokenClient {
    const { options } = this.get(clientName);
    return {
      name: options.name,
      clientId: options.clientId,
      baseURL: options.baseURL,
      scope: options.scope,
      resource: options.resource,
      authMethod: options.authMethod,
      dpop: options.dpop !== undefined,
    };
  }

  /** Where a client's credentials may go and what its tokens are bound to. */
  transport(clientName: string): ClientTransport {
    const { options, material } = this.get(clientName);
    return {
      baseURL: options.baseURL,
      allowInsecureHttp: options.allowInsecureHttp,
      dpop: material.dpop,
      tls: options.tls,
      ...(material.network !== undefined ? { network: material.network } : {}),
    };
  }
}
