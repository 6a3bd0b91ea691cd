import { CLIENT_AUTH_METHODS } from './client-options.interface.js';
import { DEFAULT_AUTH_METHOD, DEFAULT_REQUEST_TIMEOUT_MS, MAX_TIMER_DELAY_MS } from './defaults.js';
import { isScope } from './scope-rules.js';
import type { Setting } from './setting.interface.js';
import { isResourceIndicator } from './url-rules.js';

/** Token requests carry these themselves; a `parameters` entry must not override them. */
const RESERVED_PARAMETERS = ['grant_type', 'client_id', 'client_secret', 'scope', 'resource'];

/**
 * A client's basic settings: where its tokens come from, who it is, what it asks for and which API gets them. Its client
 * authentication and sender-constraining settings are in `authentication-settings.table.ts`.
 */
export const CLIENT_BASIC_SETTINGS: readonly Setting[] = [
  {
    option: 'tokenEndpoint',
    scope: 'client',
    env: 'TOKEN_ENDPOINT',
    kind: 'endpoint-url',
    readmeDefault: '—',
    doc: 'Token endpoint URL. https, or http on a loopback host only. Set this **or** `_ISSUER`.',
  },
  {
    option: 'issuer',
    scope: 'client',
    env: 'ISSUER',
    kind: 'endpoint-url',
    readmeDefault: '—',
    doc: 'Issuer identifier; the token endpoint is found by discovery, OIDC or RFC 8414 document (fetched once, issuer checked).',
  },
  {
    option: 'clientId',
    scope: 'client',
    checkedFirst: true,
    env: 'CLIENT_ID',
    kind: 'text',
    required: 'is missing',
    readmeDefault: '— (required)',
    doc: 'OAuth client id.',
  },
  {
    option: 'clientSecret',
    scope: 'client',
    env: 'CLIENT_SECRET',
    file: 'variant',
    kind: 'text',
    readmeDefault: '— (required)',
    doc: 'Client secret of the `client_secret_*` methods, inline or in a file (re-read when it changes). Never logged, never in an error message.',
  },
  {
    option: 'authMethod',
    scope: 'client',
    checkedFirst: true,
    env: 'AUTH_METHOD',
    kind: 'text',
    default: DEFAULT_AUTH_METHOD,
    valid: (value) => (CLIENT_AUTH_METHODS as readonly unknown[]).includes(value),
    problem: `is not a supported method (use one of: ${CLIENT_AUTH_METHODS.join(', ')})`,
    doc: '`client_secret_basic` (RFC 6749 §2.3.1 encoding), `client_secret_post`, `client_secret_jwt`, `private_key_jwt`, `tls_client_auth`, `self_signed_tls_client_auth` (see below).',
  },
  {
    option: 'scope',
    scope: 'client',
    env: 'SCOPE',
    kind: 'text',
    valid: isScope,
    problem: 'must be a space-separated list of scope tokens (RFC 6749 §3.3)',
    readmeDefault: 'none',
    doc: 'Space-separated scopes requested by default.',
  },
  {
    option: 'resource',
    scope: 'client',
    env: 'RESOURCE',
    kind: 'text',
    valid: isResourceIndicator,
    problem: 'must be an absolute URI without a fragment (RFC 8707)',
    readmeDefault: 'none',
    doc: 'RFC 8707 resource indicator (absolute URI, no fragment).',
  },
  {
    option: 'parameters',
    scope: 'client',
    env: 'PARAMETERS',
    kind: 'form',
    reserved: RESERVED_PARAMETERS,
    readmeDefault: 'none',
    doc: 'Extra token request parameters, form-encoded: `audience=api&tenant=t1`. Part of the cache key.',
  },
  {
    option: 'baseURL',
    scope: 'client',
    env: 'BASE_URL',
    kind: 'http-url',
    readmeDefault: 'none',
    doc: "The API this client calls: the `HttpService`'s `baseURL`, the only origin that gets the token. https, or http on a loopback host only.",
  },
  {
    option: 'requestTimeoutMs',
    scope: 'client',
    env: 'REQUEST_TIMEOUT_MS',
    kind: 'number',
    default: DEFAULT_REQUEST_TIMEOUT_MS,
    min: 0,
    exclusiveMin: true,
    // A longer `AbortSignal.timeout` fires after 1 ms instead.
    cap: MAX_TIMER_DELAY_MS,
    doc: 'Timeout of one token request.',
  },
  {
    option: 'allowInsecureHttp',
    scope: 'client',
    env: 'ALLOW_INSECURE_HTTP',
    kind: 'boolean',
    default: false,
    doc: "`true`: plain http to non-loopback hosts for this client's `_BASE_URL`, `_TOKEN_ENDPOINT`, `_ISSUER`. Private network only (see below).",
  },
];
