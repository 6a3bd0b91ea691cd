import type { Cache } from 'cache-manager';
import type { Keyv } from 'keyv';
import type { PrivateKeyInput } from './key-material.js';

/**
 * How the client authenticates at the token endpoint: a shared secret (RFC 6749 §2.3.1), a JWT assertion (RFC 7523:
 * `client_secret_jwt`, `private_key_jwt`) or a TLS client certificate (RFC 8705).
 */
export type ClientAuthMethod =
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'client_secret_jwt'
  | 'private_key_jwt'
  | 'tls_client_auth'
  | 'self_signed_tls_client_auth';

/** The client authentication methods this version supports. */
export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
];

/**
 * The `aud` of the client's JWT assertions (`private_key_jwt`, `client_secret_jwt`): the token endpoint URL the request
 * goes to, the issuer identifier (needs discovery), or an explicit URI the server documents.
 */
export type ClientAssertionAudience = 'token_endpoint' | 'issuer' | (string & {});

/**
 * One OAuth 2.0 client that obtains access tokens with the client credentials grant.
 */
export interface ClientCredentialsClientOptions {
  /** The token endpoint URL. Give this or {@link issuer}. Must be https, except on loopback hosts (or {@link allowInsecureHttp}). */
  tokenEndpoint?: string;
  /** The authorization server's issuer identifier; its token endpoint is found by RFC 8414 discovery. */
  issuer?: string;
  /** The OAuth client id. */
  clientId: string;
  /** The client secret, for the `client_secret_*` methods. */
  clientSecret?: string;
  /** Client authentication method. Default `client_secret_basic`. */
  authMethod?: ClientAuthMethod;
  /** Space-separated scopes requested by default. */
  scope?: string;
  /** RFC 8707 resource indicator requested by default (an absolute URI without fragment). */
  resource?: string;
  /** Extra form parameters sent with every token request (e.g. `audience`). Part of the cache key. */
  parameters?: Record<string, string>;
  /**
   * The API this client calls: the named `HttpService` uses it as `baseURL`, and tokens are sent to its origin only.
   * Must be https, except on loopback hosts (or {@link allowInsecureHttp}).
   */
  baseURL?: string;
  /** Timeout of one token request in milliseconds. Default 10 000. */
  requestTimeoutMs?: number;
  /**
   * Allow plain http to hosts other than loopback, for this client's `baseURL`, token endpoint and issuer: tokens and
   * credentials then cross the network in clear text. Only for a private network you trust. Default `false`.
   */
  allowInsecureHttp?: boolean;
  /**
   * private_key_jwt: the private key signing client assertions, as PEM or a private JWK (its `kid` is sent). A PEM may
   * also hold the key's X.509 certificate, which then is {@link clientAssertionCertificate}.
   */
  privateKey?: PrivateKeyInput;
  /**
   * private_key_jwt: the `kid` header of the assertions, for a PEM key (servers that keep several keys per client need
   * it). A JWK's own `kid` is used without this setting; with it, the two must be equal.
   */
  privateKeyKid?: string;
  /**
   * private_key_jwt: the X.509 certificate (PEM) of {@link privateKey}, registered at the server as the client's
   * credential. Its SHA-256 and SHA-1 thumbprints go in the `x5t#S256` and `x5t` headers, as Entra ID expects.
   * Default: the certificate in the key's PEM, if any. Must belong to the key.
   */
  clientAssertionCertificate?: string;
  /** JWS algorithm of private_key_jwt assertions (e.g. `PS256`). Default: the JWK's `alg`, else the key type's usual one. */
  clientAssertionAlg?: string;
  /**
   * `private_key_jwt` / `client_secret_jwt`: the `aud` claim of the assertions: `token_endpoint` (default, the URL the
   * request is sent to), `issuer` (the issuer identifier; needs {@link issuer}), or an explicit absolute URI.
   */
  clientAssertionAudience?: ClientAssertionAudience;
  /** mTLS (RFC 8705): the client certificate PEM, for `tls_client_auth`/`self_signed_tls_client_auth` and certificate-bound tokens. */
  tlsCertificate?: string;
  /** mTLS: the client certificate's private key, PEM. */
  tlsKey?: string;
  /** PEM of the CA certificate(s) trusted for the token endpoint and the API. Default: Node's root CAs. */
  tlsCa?: string;
  /** DPoP (RFC 9449): bind tokens to a key pair, send a proof with every token request and API call. */
  dpop?: boolean;
  /** The DPoP key, as PEM or a private JWK. Default: an ES256 key pair generated at start-up. */
  dpopPrivateKey?: PrivateKeyInput;

  /*
   * Credentials in files, re-read when they change (a Kubernetes secret volume, cert-manager, a vault agent): each
   * instead of the option of the same name without `File`. The file is read at start-up (an unreadable one stops it),
   * then checked before every token request; a file that disappears or turns bad keeps the last good value.
   */
  /** A file holding {@link clientSecret} (a trailing newline is ignored). */
  clientSecretFile?: string;
  /** A file holding {@link privateKey} (PEM or JWK). */
  privateKeyFile?: string;
  /** A file holding {@link clientAssertionCertificate}. */
  clientAssertionCertificateFile?: string;
  /** A file holding {@link tlsCertificate}. */
  tlsCertificateFile?: string;
  /** A file holding {@link tlsKey}. */
  tlsKeyFile?: string;
  /** A file holding {@link tlsCa}. */
  tlsCaFile?: string;
  /** A file holding {@link dpopPrivateKey}. */
  dpopPrivateKeyFile?: string;
  /**
   * private_key_jwt without a key of its own: the client assertion (a JWT) the platform issues — a Kubernetes projected
   * service-account token, a SPIFFE JWT-SVID, a cloud workload identity token — sent as `client_assertion` with
   * `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer` (RFC 7523 §2.2). Called for every
   * token request; an expired assertion is refused before anything is sent (`ERR_CLIENT_ASSERTION_INVALID`).
   */
  clientAssertion?: () => string | Promise<string>;
  /** A file holding the platform's client assertion, read for every token request (see {@link clientAssertion}). */
  clientAssertionFile?: string;
  /**
   * Forward proxy of this client's token, discovery and API requests, `http://[user:password@]host:port` (https
   * requests tunnel through it with CONNECT). Over the module's {@link AccessTokenOptions.proxyUrl} and
   * `HTTPS_PROXY`/`HTTP_PROXY`; hosts in `NO_PROXY` are still reached directly. Its credentials are never logged.
   */
  proxyUrl?: string;
  /**
   * A `fetch` of your own for the token and discovery requests (an instrumented one, a test double...). It is called
   * as oauth4webapi calls fetch, with `redirect: 'manual'`; when the client has TLS settings or a proxy applies, the
   * init also carries the undici `dispatcher` that holds them, which undici's `fetch` (and Node's) honour.
   */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
}

/**
 * Looks up the settings of a client the manager does not know yet (a tenant), e.g. in a database or a vault: called
 * once per unknown name on its first use (concurrent first calls share one lookup). `undefined`: there is no such
 * client (`ERR_CLIENT_NOT_FOUND`). What it returns is validated like start-up options; a throw or a rejection is
 * `ERR_CLIENT_RESOLUTION_FAILED`, and neither is remembered: the next call asks again.
 */
export type ClientResolver = (
  name: string,
) => ClientCredentialsClientOptions | undefined | Promise<ClientCredentialsClientOptions | undefined>;

/**
 * Options of the token manager and of `AccessTokenModule`.
 */
export interface AccessTokenOptions {
  /**
   * The named clients. Names are free text of letters, digits, `.`, `_` and `-`. May be empty with a
   * {@link clientResolver}.
   */
  clients: Record<string, ClientCredentialsClientOptions>;
  /**
   * Renew a token this many seconds before it expires. Default 60. For short tokens the buffer is capped at half the
   * token's lifetime, so a 30 s token is still reused for 15 s.
   */
  refreshBeforeExpirySeconds?: number;
  /** Lifetime assumed when the token response has no `expires_in`. Default 300 (5 minutes). */
  defaultLifetimeSeconds?: number;
  /**
   * Where tokens are cached: a cache-manager `Cache`, or a Keyv instance (any Keyv store) to build one from.
   * Default: an in-process memory cache.
   */
  cache?: Cache | Keyv;
  /** Prefix of every cache key, to keep several services apart in one shared store. Default `atm`. */
  cacheKeyPrefix?: string;
  /**
   * `redis://` or `rediss://` URL of a Redis shared by a fleet: tokens are cached there (encrypted), an in-process
   * layer stays in front, and one instance at a time requests a given token. Default: in-process only.
   */
  cacheUrl?: string;
  // Redis Cluster and Sentinel (issue 15): set one of `cacheUrl`, `cacheClusterNodes`, `cacheSentinels`.
  /**
   * Seed nodes of a Redis Cluster shared by a fleet, instead of `cacheUrl`: `redis://` or `rediss://` URLs (an array,
   * or comma-separated), all with the same scheme and credentials. A token's entry and its lock share one hash slot.
   */
  cacheClusterNodes?: string | readonly string[];
  /**
   * The sentinels of a Sentinel-managed Redis shared by a fleet, instead of `cacheUrl`: `host:port` (an array, or
   * comma-separated). Needs `cacheSentinelMaster`.
   */
  cacheSentinels?: string | readonly string[];
  /** With `cacheSentinels`: the name of the primary the sentinels monitor (`mymaster`). */
  cacheSentinelMaster?: string;
  /** With `cacheSentinels`: the password of the primary and its replicas. Never logged. */
  cachePassword?: string;
  /** With `cacheSentinels`: the password of the sentinels themselves, when they have one. Never logged. */
  cacheSentinelPassword?: string;
  /**
   * AES-256-GCM key(s) for entries in a shared store, 32 bytes base64-encoded. The first encrypts, all decrypt, so a
   * key can be rotated by putting the new one first. Required for a shared store unless `allowPlaintextCache`.
   */
  cacheEncryptionKey?: string | string[];
  /** Allow a shared store (`cacheUrl`, `cacheClusterNodes`, `cacheSentinels` or `cache`) without encryption. Default `false`. */
  allowPlaintextCache?: boolean;
  /**
   * Renew tokens that are in use in the background before their renewal point, while callers keep getting the cached
   * token, so no caller waits on the token endpoint after the first fetch. Default `true`.
   */
  refreshAhead?: boolean;
  /**
   * Background renewals start up to this fraction of the renewal buffer early, at random, so a fleet does not renew in
   * lock-step. 0..1, default 0.25 (with the 60 s buffer: between 75 s and 60 s before expiry).
   */
  refreshJitter?: number;
  /** First delay after a failed token request, in ms; doubles per failure (with full jitter). Default 1000. */
  backoffBaseMs?: number;
  /** Longest delay between two failing token requests, in ms. Default 10000. */
  backoffMaxMs?: number;
  /**
   * A cached token is used at most until this many seconds before it expires (capped at a fifth of its renewal
   * buffer), also while renewal fails; past that, calls fail fast. 0..3600, default 5.
   */
  expirySafetyMarginSeconds?: number;
  /**
   * Most tokens kept in process, and most per-key states (client, scope, resource) and resolved clients: beyond it
   * the least recently used are forgotten (an idle key holds no timer). Default 10 000.
   */
  maxCachedTokens?: number;
  /** Looks up clients not configured here on their first use (a tenant per customer). See {@link ClientResolver}. */
  clientResolver?: ClientResolver;
  /**
   * Forward proxy of every client without a `proxyUrl` of its own, over `HTTPS_PROXY`/`HTTP_PROXY`; hosts in
   * `NO_PROXY` are reached directly. Default: those variables of the process environment.
   */
  proxyUrl?: string;
}
