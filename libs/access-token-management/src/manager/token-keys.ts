import { tokenCacheKey } from '../cache/cache-key.js';
import { isResourceIndicator, isScope, normalizeScope } from '../config/options.validation.js';
import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import { CallIndex } from './call-index.js';
import type { ConfiguredClients } from './configured-clients.js';
import { TokenKeyState } from './token-key-state.js';
import type { TokenCallOptions } from './token-source.interface.js';

/**
 * Which token a call asks for: its arguments are checked (they skip start-up validation) and turned into a cache key
 * once, then found again without re-validating or re-hashing. One {@link TokenKeyState} per key.
 */
export class TokenKeys {
  private readonly states = new Map<string, TokenKeyState>();
  /** Call arguments as given -> their key's state. */
  private readonly calls = new CallIndex<TokenKeyState>();

  constructor(
    private readonly clients: ConfiguredClients,
    private readonly prefix: string,
  ) {}

  /**
   * The state of the key a call asks for, created on first use.
   * @throws AccessTokenError `ERR_CLIENT_NOT_FOUND`, `ERR_INVALID_ARGUMENT`
   */
  stateOf(clientName: string, options: TokenCallOptions): TokenKeyState {
    // Found only if these very values were validated before: they are map keys as given, none can pose as another.
    const state = this.calls.get(clientName, options.scope, options.resource);
    // A rotated certificate or DPoP key makes a new key: a token bound to the old one is not presented with the new.
    return state !== undefined && state.binding === state.material.binding
      ? state
      : this.derive(clientName, options);
  }

  /** Every key asked for so far. */
  all(): IterableIterator<TokenKeyState> {
    return this.states.values();
  }

  private derive(clientName: string, options: TokenCallOptions): TokenKeyState {
    const { options: client, material } = this.clients.get(clientName);
    if (options.scope !== undefined && !isScope(options.scope)) {
      throw invalidArgument(
        client.name,
        'scope',
        'must be a space-separated list of scope tokens (RFC 6749 §3.3)',
      );
    }
    if (options.resource !== undefined && !isResourceIndicator(options.resource)) {
      throw invalidArgument(client.name, 'resource', 'must be an absolute URI without a fragment (RFC 8707)');
    }
    // '' (or only spaces) stays '': explicitly no scope, which the token endpoint sends as no scope parameter and the
    // cache key holds as no scope; undefined means the client's default.
    const scope = options.scope === undefined ? client.scope : (normalizeScope(options.scope) ?? '');
    const resource = options.resource ?? client.resource;
    const key = tokenCacheKey({
      prefix: this.prefix,
      clientName: client.name,
      authorizationServer: client.tokenEndpoint ?? (client.issuer as string),
      clientId: client.clientId,
      scope,
      resource,
      parameters: client.parameters,
      // DPoP key / client certificate: a token bound to one is never served to a holder of another.
      binding: material.binding,
    });
    let state = this.states.get(key);
    if (state === undefined) {
      state = new TokenKeyState(key, client, material, { scope, resource });
      this.states.set(key, state);
    }
    this.calls.set(clientName, options.scope, options.resource, state);
    return state;
  }
}

function invalidArgument(clientName: string, name: string, problem: string): AccessTokenError {
  return new AccessTokenError(
    AccessTokenErrorCode.InvalidArgument,
    `${name} for client '${clientName}' ${problem}`,
    clientName,
  );
}
