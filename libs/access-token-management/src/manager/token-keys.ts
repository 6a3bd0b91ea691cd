import { tokenCacheKey } from '../cache/cache-key.js';
import { RecencyList } from '../cache/recency-list.js';
import { isResourceIndicator, isScope, normalizeScope } from '../config/options.validation.js';
import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import { CallIndex } from './call-index.js';
import { removedMeanwhile, type ConfiguredClient } from './configured-clients.js';
import { TokenKeyState } from './token-key-state.js';
import type { TokenCallOptions } from './token-source.interface.js';

/** Spellings of one key's arguments (`'a b'`, `'b a'`, ...) indexed at most; others are derived again per call. */
const CALLS_PER_STATE = 8;

/**
 * Where `TokenKeys` gets a call's client (`of`: at once when known, else once its lookup is done), and tells that a
 * client was used (`used`: a resolved client in use is not the least recently used one).
 */
export interface ClientsOfKeys {
  of(clientName: string): ConfiguredClient | Promise<ConfiguredClient>;
  used(client: ConfiguredClient): void;
}

/**
 * Which token a call asks for: its arguments are checked (they skip start-up validation) and turned into a cache key
 * once, then found again without re-validating or re-hashing. One {@link TokenKeyState} per key, `capacity` of them
 * at most: the least recently used is evicted (`onEvicted`), so per-call scopes from user input cannot grow memory.
 */
export class TokenKeys {
  private readonly states = new Map<string, TokenKeyState>();
  private readonly recency = new RecencyList<TokenKeyState>();
  /** Call arguments as given -> their key's state. */
  private readonly calls = new CallIndex<TokenKeyState>();
  private readonly byClient = new Map<string, Set<TokenKeyState>>();

  constructor(
    private readonly clients: ClientsOfKeys,
    private readonly prefix: string,
    private readonly capacity: number,
    private readonly onEvicted: (state: TokenKeyState) => void,
  ) {}

  /** The state of a call made before, marked as used: synchronous, no allocation (the hot path). */
  known(clientName: string, options: TokenCallOptions): TokenKeyState | undefined {
    // Found only if these very values were validated before: they are map keys as given, none can pose as another.
    const state = this.calls.get(clientName, options.scope, options.resource);
    // A rotated certificate or DPoP key makes a new key: a token bound to the old one is not presented with the new.
    if (state === undefined || state.binding !== state.material.binding) return undefined;
    this.recency.touch(state);
    this.clients.used(state.owner as ConfiguredClient);
    return state;
  }

  /**
   * The state of the key a call asks for, created on first use (the client looked up first if it is not known).
   * @throws AccessTokenError `ERR_CLIENT_NOT_FOUND`, `ERR_INVALID_ARGUMENT`, `ERR_CLIENT_RESOLUTION_FAILED`,
   *   `ERR_CONFIG_INVALID` (a resolved client's settings)
   */
  async stateOf(clientName: string, options: TokenCallOptions): Promise<TokenKeyState> {
    return this.known(clientName, options) ?? this.derive(await this.clients.of(clientName), options);
  }

  /** Every key kept. */
  all(): IterableIterator<TokenKeyState> {
    return this.states.values();
  }

  get size(): number {
    return this.states.size;
  }

  /** Forgets every key of a client (removed or evicted); returns their states. */
  forgetClient(clientName: string): TokenKeyState[] {
    const states = [...(this.byClient.get(clientName) ?? [])];
    for (const state of states) this.forget(state);
    this.calls.deleteClient(clientName);
    return states;
  }

  private derive(configured: ConfiguredClient, options: TokenCallOptions): TokenKeyState {
    const { options: client, material } = configured;
    // Removed while the call waited for it: a state of the old client must not be indexed under its name.
    if (configured.gone) throw removedMeanwhile(client.name);
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
      state = this.add(new TokenKeyState(key, client, material, { scope, resource }));
      state.owner = configured;
    } else this.recency.touch(state);
    if (state.calls.length < CALLS_PER_STATE) {
      state.calls.push([options.scope, options.resource]);
      this.calls.set(client.name, options.scope, options.resource, state);
    }
    return state;
  }

  private add(state: TokenKeyState): TokenKeyState {
    this.states.set(state.key, state);
    this.recency.add(state);
    const name = state.client.name;
    let ofClient = this.byClient.get(name);
    if (ofClient === undefined) this.byClient.set(name, (ofClient = new Set()));
    ofClient.add(state);
    while (this.recency.size > this.capacity) {
      const oldest = this.recency.oldest as TokenKeyState;
      this.forget(oldest);
      this.onEvicted(oldest);
    }
    return state;
  }

  private forget(state: TokenKeyState): void {
    const name = state.client.name;
    this.states.delete(state.key);
    this.recency.remove(state);
    const ofClient = this.byClient.get(name);
    ofClient?.delete(state);
    if (ofClient?.size === 0) this.byClient.delete(name);
    for (const [scope, resource] of state.calls) {
      // The same arguments may find the key of a newer binding (a rotated certificate) by now: that one stays.
      if (this.calls.get(name, scope, resource) === state) this.calls.delete(name, scope, resource);
    }
  }
}

function invalidArgument(clientName: string, name: string, problem: string): AccessTokenError {
  return new AccessTokenError(
    AccessTokenErrorCode.InvalidArgument,
    `${name} for client '${clientName}' ${problem}`,
    clientName,
  );
}
