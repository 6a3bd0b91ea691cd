import type { ResolvedClientOptions } from '../config/resolved-options.interface.js';
import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import { ClientMaterial } from '../protocol/client-material.js';
import { silentLogger, type TokenLogger } from '../token-logger.js';
import { LiveCredentials } from './live-credentials.js';
import type { AccessTokenClient, ClientTransport } from './token-source.interface.js';

/** A configured client: its validated settings and the material built for it. */
export interface ConfiguredClient {
  /** The settings as validated at start-up; the credentials in use are the material's. */
  readonly options: ResolvedClientOptions;
  readonly material: ClientMaterial;
  /** Its credential files, when it has any: re-read when they change. */
  readonly credentials?: LiveCredentials;
}

/** What a look at a client's credential files found. */
export type CredentialsCheck = 'unchanged' | 'changed' | 'rebound';

/**
 * The manager's clients by name, each with its material (keys, fetch, DPoP key) built once, here: the token endpoint,
 * the cache key and the HTTP layer of one client all use the same.
 */
export class ConfiguredClients {
  private readonly byName = new Map<string, ConfiguredClient>();

  constructor(clients: ReadonlyMap<string, ResolvedClientOptions>, logger: TokenLogger = silentLogger) {
    for (const [name, options] of clients) {
      const credentials = options.credentials && new LiveCredentials(options.credentials, name, logger);
      this.byName.set(name, { options, material: new ClientMaterial(options), credentials });
    }
  }

  /**
   * Re-reads the client's credential files if they changed, and has its material adopt what they hold now:
   * `rebound` when that changed what its tokens are bound to (a new certificate or DPoP key: a new cache key).
   */
  checkCredentials(clientName: string): CredentialsCheck {
    const { material, credentials } = this.get(clientName);
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

  /** Why a client's credential files keep a previous value, if they do (for health checks). */
  credentialProblem(clientName: string): string | undefined {
    return this.byName.get(clientName)?.credentials?.problem;
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
    // The DPoP key and the certificate as the material holds them now: they follow rotated files.
    return {
      baseURL: options.baseURL,
      allowInsecureHttp: options.allowInsecureHttp,
      get dpop() {
        return material.dpop;
      },
      get tls() {
        return material.current.tls;
      },
    };
  }
}
