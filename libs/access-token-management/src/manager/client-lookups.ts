import type { ClientResolver } from '../config/client-options.interface.js';
import { CLIENT_RESOLVER_TIMEOUT_MS } from '../config/defaults.js';
import { isClientName, validateRuntimeClient } from '../config/options.validation.js';
import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import type { Clock } from './clock.js';
import { removedMeanwhile, type ConfiguredClient, type ConfiguredClients } from './configured-clients.js';

/** One lookup in flight; a removal of its name takes it out of `pending`, and then its answer is not kept. */
interface Lookup {
  promise?: Promise<ConfiguredClient>;
}

/**
 * Finds a call's client: a known one at once, else through the `clientResolver` — one lookup per name at a time,
 * shared by every call that arrives meanwhile, bounded in time. What it answers is validated like start-up options and
 * kept among the clients as resolved (evicted like any other); a failure, a timeout or "no such client" is not kept,
 * so the next call asks again.
 */
export class ClientLookups {
  private readonly pending = new Map<string, Lookup>();

  constructor(
    private readonly clients: ConfiguredClients,
    private readonly resolver: ClientResolver | undefined,
    private readonly clock: Clock,
  ) {}

  /** @throws AccessTokenError `ERR_CLIENT_NOT_FOUND`, `ERR_CLIENT_RESOLUTION_FAILED`, `ERR_CONFIG_INVALID` */
  client(clientName: string): ConfiguredClient | Promise<ConfiguredClient> {
    const known = this.clients.find(clientName);
    if (known !== undefined) return known;
    // An impossible name never reaches the resolver (user input passed along as a tenant name).
    if (this.resolver === undefined || typeof clientName !== 'string' || !isClientName(clientName)) {
      return this.clients.get(clientName);
    }
    let lookup = this.pending.get(clientName);
    if (lookup === undefined) {
      const started: Lookup = {};
      this.pending.set(clientName, (lookup = started));
      started.promise = this.lookUp(clientName, this.resolver, started).finally(() => {
        if (this.pending.get(clientName) === started) this.pending.delete(clientName);
      });
    }
    return lookup.promise as Promise<ConfiguredClient>;
  }

  /** A lookup of `clientName` in flight is not kept (the client is being removed); says whether there was one. */
  cancel(clientName: string): boolean {
    return this.pending.delete(clientName);
  }

  private async lookUp(
    clientName: string,
    resolver: ClientResolver,
    lookup: Lookup,
  ): Promise<ConfiguredClient> {
    const given = await this.ask(clientName, resolver);
    if (this.pending.get(clientName) !== lookup) throw removedMeanwhile(clientName);
    // Registered while the lookup ran: the registration wins.
    const known = this.clients.find(clientName);
    if (known !== undefined) return known;
    if (given === undefined || given === null) return this.clients.get(clientName); // ERR_CLIENT_NOT_FOUND
    return this.clients.add(validateRuntimeClient(clientName, given), 'resolved').added;
  }

  /** The resolver's answer, within the time a token request may take: a lookup never hangs a call. */
  private ask(clientName: string, resolver: ClientResolver): ReturnType<ClientResolver> {
    return new Promise((resolve, reject) => {
      const cancel = this.clock.setTimer(
        () => reject(resolutionFailed(clientName, `did not answer within ${CLIENT_RESOLVER_TIMEOUT_MS} ms`)),
        CLIENT_RESOLVER_TIMEOUT_MS,
      );
      Promise.resolve()
        .then(() => resolver(clientName))
        .then(resolve, (cause: unknown) => reject(resolutionFailed(clientName, 'failed', cause)))
        .finally(cancel);
    });
  }
}

/** The resolver's own error is the cause, never part of the message (it may carry a connection string). */
function resolutionFailed(clientName: string, what: string, cause?: unknown): AccessTokenError {
  return new AccessTokenError(
    AccessTokenErrorCode.ClientResolutionFailed,
    `The clientResolver ${what} for client '${clientName}'` + (cause === undefined ? '' : ' (see the cause)'),
    clientName,
    cause === undefined ? undefined : { cause },
  );
}
