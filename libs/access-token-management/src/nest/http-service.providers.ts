import { HttpService } from '@nestjs/axios';
import type { FactoryProvider } from '@nestjs/common';
import axios from 'axios';
import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import { attachAccessToken } from '../http/attach-access-token.js';
import { AccessTokenManager } from '../manager/access-token-manager.js';
import type { AccessTokenClient } from '../manager/token-source.interface.js';
import { getHttpServiceToken } from './access-token.constants.js';
import type { AccessTokenHttpServiceOptions } from './access-token-module-options.interface.js';

/**
 * One `HttpService` per named client, each on an axios instance of its own (so interceptors never leak between
 * clients) with the client's `baseURL` and the axios settings given for it.
 */
export function httpServiceProviders(clients: readonly AccessTokenHttpServiceOptions[]): FactoryProvider[] {
  return clients.map((settings) => ({
    provide: getHttpServiceToken(settings.name),
    useFactory: (manager: AccessTokenManager | undefined) => httpServiceOf(manager, settings),
    // Optional, so that a missing manager gets an error saying what to do instead of Nest's "can't resolve".
    inject: [{ token: AccessTokenManager, optional: true }],
  }));
}

function httpServiceOf(
  manager: AccessTokenManager | undefined,
  settings: AccessTokenHttpServiceOptions,
): HttpService {
  const tokens = visibleManager(manager, settings.name);
  return createHttpService(tokens, tokens.getClient(settings.name), settings); // ERR_CLIENT_NOT_FOUND naming it
}

/**
 * The authorizing `HttpService` of `client`: an axios instance of its own on the client's `baseURL`, its token
 * attached. @throws AccessTokenError `ERR_CONFIG_INVALID` for a client without a `baseURL`, or another one given
 */
export function createHttpService(
  tokens: AccessTokenManager,
  client: AccessTokenClient,
  { name, ...axiosSettings }: AccessTokenHttpServiceOptions,
): HttpService {
  const { baseURL } = client;
  if (baseURL === undefined) {
    throw new AccessTokenError(
      AccessTokenErrorCode.ConfigInvalid,
      `Client '${name}' has an injectable HttpService but no baseURL: set its baseURL`,
      name,
    );
  }
  if (axiosSettings.baseURL !== undefined && !sameUrl(axiosSettings.baseURL, baseURL)) {
    // The client's baseURL is the one origin its token may go to: a second one here would contradict it.
    throw new AccessTokenError(
      AccessTokenErrorCode.ConfigInvalid,
      `AccessTokenModule.forFeature gives the HttpService of client '${name}' a baseURL other than the client's: ` +
        "leave it out (the client's baseURL is used)",
      name,
    );
  }
  const instance = axios.create({ ...axiosSettings, baseURL });
  attachAccessToken(instance, tokens, name);
  return new HttpService(instance);
}

/** The manager `forFeature` needs, or the error saying what to do instead of Nest's "can't resolve". */
export function visibleManager(manager: AccessTokenManager | undefined, name: string): AccessTokenManager {
  if (manager === undefined) {
    throw new AccessTokenError(
      AccessTokenErrorCode.ConfigInvalid,
      `AccessTokenModule.forFeature(['${name}']) cannot see the AccessTokenManager: register ` +
        'AccessTokenModule.forRoot() or forRootAsync() with isGlobal: true',
      name,
    );
  }
  return manager;
}

function sameUrl(given: string, configured: string): boolean {
  return URL.canParse(given) && new URL(given).href === new URL(configured).href;
}
