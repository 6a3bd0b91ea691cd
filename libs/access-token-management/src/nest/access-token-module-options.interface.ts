import type { ConfigurableModuleAsyncOptions } from '@nestjs/common';
import type { CreateAxiosDefaults } from 'axios';
import type { AccessTokenOptions } from '../config/client-options.interface.js';

/** Options of `AccessTokenModule` beyond the token options themselves. */
export interface AccessTokenModuleExtras {
  /**
   * Register the module globally: the manager and the health indicator become injectable in every module, and
   * `AccessTokenModule.forFeature` (which creates the `HttpService`s in the module that imports it) can find the
   * manager. Default `false`, as in other Nest modules.
   */
  isGlobal?: boolean;
}

/** Options of `AccessTokenModule.forRoot`: the clients and module-wide settings, validated at import time. */
export type AccessTokenModuleOptions = AccessTokenOptions & AccessTokenModuleExtras;

/** A class that builds the options, for `forRootAsync({ useClass })` or `forRootAsync({ useExisting })`. */
export interface AccessTokenOptionsFactory {
  createAccessTokenOptions(): AccessTokenOptions | Promise<AccessTokenOptions>;
}

/**
 * Options of `AccessTokenModule.forRootAsync`: `useFactory` (with `inject`), `useClass` or `useExisting` build the
 * options at start-up, e.g. from `ConfigService`; they are validated as soon as they are built.
 */
export type AccessTokenModuleAsyncOptions = ConfigurableModuleAsyncOptions<
  AccessTokenOptions,
  keyof AccessTokenOptionsFactory
> &
  AccessTokenModuleExtras;

/**
 * A client whose `HttpService` `AccessTokenModule.forFeature` creates, with axios settings for it (what
 * `HttpModule.register` takes: `timeout`, `headers`, ...). Its `baseURL` is the client's own; one given here must be
 * the same URL.
 */
export type AccessTokenHttpServiceOptions = CreateAxiosDefaults & {
  /** The configured client, e.g. `'orders'` for `ACCESS_TOKEN_ORDERS_*`. */
  name: string;
};
