import { HttpService } from '@nestjs/axios';
import { Logger, type Provider } from '@nestjs/common';
import axios from 'axios';
import type { AccessTokenOptions } from '../config/client-options.interface.js';
import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import { attachAccessToken } from '../http/attach-access-token.js';
import { AccessTokenManager } from '../manager/access-token-manager.js';
import { ACCESS_TOKEN_MODULE_OPTIONS, getHttpServiceToken } from './access-token.constants.js';

/** The manager, built once from the module options; Nest calls its `onModuleDestroy` on shutdown. */
export const accessTokenManagerProvider: Provider = {
  provide: AccessTokenManager,
  useFactory: (options: AccessTokenOptions) =>
    new AccessTokenManager(options, { logger: new Logger(AccessTokenManager.name) }),
  inject: [ACCESS_TOKEN_MODULE_OPTIONS],
};

/** One `HttpService` per client, on an axios instance of its own, so interceptors never leak between clients. */
export function createHttpServiceProvider(clientName: string): Provider {
  return {
    provide: getHttpServiceToken(clientName),
    useFactory: (manager: AccessTokenManager) => {
      const { baseURL } = manager.getClientOptions(clientName);
      if (baseURL === undefined) {
        throw new AccessTokenError(
          AccessTokenErrorCode.ConfigInvalid,
          `Client '${clientName}' has an injectable HttpService but no baseURL: set its baseURL`,
          clientName,
        );
      }
      const instance = axios.create({ baseURL });
      attachAccessToken(instance, manager, clientName);
      return new HttpService(instance);
    },
    inject: [AccessTokenManager],
  };
}
