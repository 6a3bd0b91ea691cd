import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import type { AccessTokenHttpServiceOptions } from './access-token-module-options.interface.js';

/** A client named by `AccessTokenModule.forFeature`: its name alone, or its name with axios settings. */
export type FeatureClient = string | AccessTokenHttpServiceOptions;

/**
 * The clients of a `forFeature` call in one shape, checked where they are written (at import time): each a non-empty
 * name, none twice. Whether each is configured is known only once the options are, at start-up.
 */
export function featureClients(clients: readonly FeatureClient[]): AccessTokenHttpServiceOptions[] {
  if (!Array.isArray(clients)) {
    throw invalid("AccessTokenModule.forFeature takes an array of client names, e.g. forFeature(['orders'])");
  }
  const seen = new Set<string>();
  return clients.map((client) => {
    const settings = typeof client === 'string' ? { name: client } : client;
    if (typeof settings?.name !== 'string' || settings.name.trim() === '') {
      throw invalid('AccessTokenModule.forFeature takes client names, or objects with a `name`');
    }
    if (seen.has(settings.name)) {
      throw invalid(`AccessTokenModule.forFeature names client '${settings.name}' twice`, settings.name);
    }
    seen.add(settings.name);
    return settings;
  });
}

function invalid(message: string, clientName?: string): AccessTokenError {
  return new AccessTokenError(AccessTokenErrorCode.ConfigInvalid, message, clientName);
}
