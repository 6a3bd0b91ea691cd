import type { Cache } from 'cache-manager';
import type { Keyv } from 'keyv';
import type { ResolvedClientAuthentication } from './client-authentication.validation.js';
import type {
  ClientAuthMethod,
  ClientCredentialsClientOptions,
  ClientResolver,
} from './client-options.interface.js';
import type { CredentialSource } from './credential-files.js';
import type { ProxyAddress } from './proxy-address.js';
import type { RedisNodeAddress } from './redis-address.checks.js';

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
  /** Plain http to non-loopback hosts is allowed for this client (a private network). */
  readonly allowInsecureHttp: boolean;
  /** private_key_jwt: the key signing client assertions. */
  readonly clientAssertionKey?: ResolvedClientAuthentication['clientAssertionKey'];
  /** private_key_jwt with a certificate credential: the assertions' `x5t` / `x5t#S256` headers. */
  readonly clientAssertionCertificate?: ResolvedClientAuthentication['clientAssertionCertificate'];
  /** JWT client authentication: `token_endpoint`, `issuer` or an explicit URI, the assertions' `aud`. */
  readonly clientAssertionAudience?: ResolvedClientAuthentication['clientAssertionAudience'];
  /** Client certificate and trusted CAs (mTLS). */
  readonly tls?: ResolvedClientAuthentication['tls'];
  /** DPoP is on; a given key, or none (one is generated). */
  readonly dpop?: ResolvedClientAuthentication['dpop'];

  /** private_key_jwt with the platform's assertion: where to get it for each token request. */
  readonly clientAssertion?: ResolvedClientAuthentication['clientAssertion'];
  /** The credential files (live: re-read when they change) and how their contents become the authentication. */
  readonly credentials?: CredentialSource;
  /** The client's forward proxy, else the module's; `HTTPS_PROXY` & co. are read where requests are made. */
  readonly proxy?: ProxyAddress;
  /** The user's fetch for the authorization server. */
  readonly fetch?: ClientCredentialsClientOptions['fetch'];
}

/** Module options after validation. */
export interface ResolvedAccessTokenOptions {
  readonly clients: ReadonlyMap<string, ResolvedClientOptions>;
  readonly refreshBeforeExpirySeconds: number;
  readonly defaultLifetimeSeconds: number;
  readonly cacheKeyPrefix: string;
  readonly cache?: Cache | Keyv;
  readonly cacheUrl?: string;
  // Redis Cluster and Sentinel (issue 15).
  readonly cacheClusterNodes?: readonly string[];
  readonly cacheSentinels?: readonly RedisNodeAddress[];
  readonly cacheSentinelMaster?: string;
  readonly cachePassword?: string;
  readonly cacheSentinelPassword?: string;
  /** Decoded encryption keys, the current one first; empty for plaintext. */
  readonly cacheEncryptionKeys: readonly Buffer[];
  readonly refreshAhead: boolean;
  readonly refreshJitter: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly expirySafetyMarginSeconds: number;
  readonly maxCachedTokens: number;
  readonly clientResolver?: ClientResolver;
  /** The module-wide forward proxy (already applied to each client without its own). */
  readonly proxy?: ProxyAddress;
}
