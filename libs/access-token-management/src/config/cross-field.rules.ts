import { configError } from '../errors.js';
import { JWT_METHODS, SECRET_METHODS, TLS_METHODS } from './auth-method-groups.js';
import type { AccessTokenOptions, ClientAuthMethod } from './client-options.interface.js';
import type { CheckedValues } from './setting.checks.js';
import { CLIENT_SETTINGS } from './settings.table.js';
import { checkSharedCacheRules } from './shared-cache.rules.js';
import { isTransportAllowed } from './url-rules.js';
import { hasPlatformAssertion, PLATFORM_ASSERTION_RULES } from './platform-assertion.rules.js';

/**
 * The rules that relate settings to each other. A client's come in two lists, in the order they are checked: which
 * settings go together, then how checked values agree. The first list needs only the settings checked first (the
 * client id, the method) and runs before the other values are checked, so a setting that does not belong is reported
 * before what is wrong with its value. The module's rules follow. `given` tells a setting that was set from one that
 * took its default.
 */

export interface ClientContext {
  readonly given: Readonly<Record<string, unknown>>;
  readonly values: CheckedValues;
  readonly setting: (field: string) => string;
  readonly name: string;
  readonly method: ClientAuthMethod;
}

export type ClientRule = (client: ClientContext) => void;

/**
 * Which of a client's settings go together: one authorization server, the credentials its method needs and no
 * settings it does not use, a certificate with its key, a DPoP key with DPoP. Needs only the settings checked first.
 */
export const COMBINATION_RULES: readonly ClientRule[] = [
  /** One authorization server: a token endpoint, or an issuer to discover it from. */
  ({ given, setting, name }) => {
    if (given.tokenEndpoint === undefined && given.issuer === undefined) {
      throw configError(
        setting('tokenEndpoint'),
        `is missing (or set ${setting('issuer')} for discovery)`,
        name,
      );
    }
    if (given.tokenEndpoint !== undefined && given.issuer !== undefined) {
      throw configError(
        setting('tokenEndpoint'),
        `and ${setting('issuer')} are both set: set one of them`,
        name,
      );
    }
  },
  ...PLATFORM_ASSERTION_RULES,
  /** The `client_secret_*` methods need the secret. */
  ({ given, setting, name, method }) => {
    const secret = given.clientSecret;
    if (SECRET_METHODS.includes(method) && (typeof secret !== 'string' || secret === '')) {
      throw configError(setting('clientSecret'), `is missing (required by ${method})`, name);
    }
  },
  /** private_key_jwt needs its key; with another method, its settings are a mistake. */
  ({ given, setting, name, method }) => {
    if (method === 'private_key_jwt') {
      if (given.privateKey === undefined && !hasPlatformAssertion(given)) {
        throw configError(setting('privateKey'), 'is missing (required by private_key_jwt)', name);
      }
      return;
    }
    for (const field of ['privateKey', 'privateKeyKid', 'clientAssertionCertificate']) {
      if (given[field] !== undefined) {
        const problem = `is only used by private_key_jwt (${setting('authMethod')} is ${method})`;
        throw configError(setting(field), problem, name);
      }
    }
  },
  /** An assertion algorithm for the JWT methods only; oauth4webapi signs client_secret_jwt with HS256 alone. */
  ({ given, setting, name, method }) => {
    const alg = given.clientAssertionAlg;
    if (alg === undefined || method === 'private_key_jwt') return;
    if (method === 'client_secret_jwt' && alg === 'HS256') return;
    const problem =
      method === 'client_secret_jwt'
        ? 'must be HS256 for client_secret_jwt'
        : `is only used by private_key_jwt and client_secret_jwt (${setting('authMethod')} is ${method})`;
    throw configError(setting('clientAssertionAlg'), problem, name);
  },
  /** A client certificate comes with its key, and a key with its certificate. */
  ({ given, setting, name }) => {
    if ((given.tlsCertificate === undefined) === (given.tlsKey === undefined)) return;
    const [missing, present] =
      given.tlsCertificate === undefined ? ['tlsCertificate', 'tlsKey'] : ['tlsKey', 'tlsCertificate'];
    const problem = `is missing (${setting(present)} is set; a client certificate needs its key)`;
    throw configError(setting(missing), problem, name);
  },
  /** The mTLS methods need the client certificate. */
  ({ given, setting, name, method }) => {
    if (TLS_METHODS.includes(method) && given.tlsCertificate === undefined) {
      throw configError(setting('tlsCertificate'), `is missing (required by ${method})`, name);
    }
  },
  /** A DPoP key is used only with DPoP on (a `dpop` that is no flag at all is its own check's to report). */
  ({ given, setting, name }) => {
    if (given.dpopPrivateKey !== undefined && (given.dpop === undefined || given.dpop === false)) {
      const problem = `is set but DPoP is off (set ${setting('dpop')} to true)`;
      throw configError(setting('dpopPrivateKey'), problem, name);
    }
  },
  /** An assertion audience for the JWT methods only; `issuer` is known only with discovery. */
  ({ given, setting, name, method }) => {
    const audience = given.clientAssertionAudience;
    if (audience === undefined) return;
    if (!JWT_METHODS.includes(method)) {
      const problem = `is only used by private_key_jwt and client_secret_jwt (${setting('authMethod')} is ${method})`;
      throw configError(setting('clientAssertionAudience'), problem, name);
    }
    if (audience === 'issuer' && given.issuer === undefined) {
      throw configError(
        setting('clientAssertionAudience'),
        `is issuer, which is known only with discovery: set ${setting('issuer')} instead of ${setting('tokenEndpoint')}, or give the issuer URI itself`,
        name,
      );
    }
  },
];

const CLEARTEXT = 'must use https (plain http is allowed only for loopback hosts)';

/** The URLs that receive credentials or tokens: every http(s) URL setting of a client. */
const TRANSPORT_SETTINGS = CLIENT_SETTINGS.filter(
  (row) => row.kind === 'endpoint-url' || row.kind === 'http-url',
);

/** How a client's checked values agree: https wherever credentials go. */
export const AGREEMENT_RULES: readonly ClientRule[] = [
  /** Plain http only to loopback hosts, unless the client allows it for a private network. */
  ({ values, setting, name }) => {
    for (const { option } of TRANSPORT_SETTINGS) {
      const url = values[option];
      if (
        url !== undefined &&
        !isTransportAllowed(new URL(url as string), values.allowInsecureHttp === true)
      ) {
        throw configError(setting(option), CLEARTEXT, name);
      }
    }
  },
  /** mTLS needs https to the token endpoint whatever the host: the certificate goes in the TLS handshake. */
  ({ values, setting, name, method }) => {
    const tokenEndpoint = values.tokenEndpoint as string | undefined;
    if (
      TLS_METHODS.includes(method) &&
      tokenEndpoint !== undefined &&
      new URL(tokenEndpoint).protocol !== 'https:'
    ) {
      throw configError(setting('tokenEndpoint'), `must use https for ${method}`, name);
    }
  },
];

/**
 * Checks one client against a list of rules: {@link COMBINATION_RULES} (which settings go together) or
 * {@link AGREEMENT_RULES} (how checked values agree). @throws AccessTokenError `ERR_CONFIG_INVALID`
 */
export function checkClientRules(
  rules: readonly ClientRule[],
  given: object,
  values: CheckedValues,
  setting: (field: string) => string,
  name: string,
): void {
  const method = values.authMethod as ClientAuthMethod;
  const client: ClientContext = { given: given as Record<string, unknown>, values, setting, name, method };
  for (const rule of rules) rule(client);
}

/**
 * Checks the rules between module settings, and completes the one default that depends on another setting: an unset
 * `backoffMaxMs` follows a `backoffBaseMs` set above it. @throws AccessTokenError `ERR_CONFIG_INVALID`
 */
export function checkModuleRules(
  given: AccessTokenOptions,
  values: Record<string, unknown>,
  nameOf: (field: string) => string,
): void {
  const base = values.backoffBaseMs as number;
  if (given.backoffMaxMs === undefined) values.backoffMaxMs = Math.max(values.backoffMaxMs as number, base);
  if ((values.backoffMaxMs as number) < base) {
    throw configError(nameOf('backoffMaxMs'), `must be >= ${nameOf('backoffBaseMs')}`);
  }
  checkSharedCacheRules(given, values, nameOf);
}
