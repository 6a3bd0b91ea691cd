import type { Cache } from 'cache-manager';
import type { Keyv } from 'keyv';
import type { ClientAuthMethod } from './client-options.interface.js';

/** A client after validation, with every default filled in. */
export interface ResolvedClientOptions {
  readonly name: string;
  readonly tokenEndpoint?: string;
  readonly issuer?: string;
  readonly clientId: string;
  readonly clientSecret?: string;
  readonly authMethod: ClientAuthMethod;
  readonly scope?: string;
  readonly resource?: string;
  readonly parameters: Readonly<Record<string, string>>;
  readonly baseURL?: string;
  readonly requestTimeoutMs: number;
}

/** Module options after validation. */
export interface ResolvedAccessTokenOptions {
  readonly clients: ReadonlyMap<string, ResolvedClientOptions>;
  readonly refreshBeforeExpirySeconds: number;
  readonly defaultLifetimeSeconds: number;
  readonly cacheKeyPrefix: string;
  readonly cache?: Cache | Keyv;
  readonly refreshAhead: boolean;
  readonly refreshJitter: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly expirySafetyMarginSeconds: number;
}
