import type { FactoryProvider } from '@nestjs/common';
import { createAuthorizedFetch } from '../http/authorized-fetch.js';
import { AccessTokenManager } from '../manager/access-token-manager.js';
import { getAuthorizedFetchToken } from './access-token.constants.js';
import type { AccessTokenHttpServiceOptions } from './access-token-module-options.interface.js';
import { visibleManager } from './http-service.providers.js';

/** One authorized `fetch` per named client of `forFeature`, beside its `HttpService`: the same origin, token, network. */
export function authorizedFetchProviders(
  clients: readonly AccessTokenHttpServiceOptions[],
): FactoryProvider[] {
  return clients.map(({ name }) => ({
    provide: getAuthorizedFetchToken(name),
    useFactory: (manager: AccessTokenManager | undefined) =>
      createAuthorizedFetch(visibleManager(manager, name), name),
    inject: [{ token: AccessTokenManager, optional: true }],
  }));
}
