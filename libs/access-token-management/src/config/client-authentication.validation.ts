import { JWT_METHODS, SECRET_METHODS } from './auth-method-groups.js';
import { resolveClientAssertionKey } from './client-assertion-key.js';
import type { ClientAuthMethod } from './client-options.interface.js';
import type { CertificateThumbprints, ResolvedPrivateKey, ResolvedTlsOptions } from './key-material.js';
import { resolvePrivateKey } from './private-key.js';
import type { CheckedValues } from './setting.checks.js';
import { resolveTlsOptions } from './tls-material.js';

/** How a client proves who it is and what its tokens are bound to, after validation. */
export interface ResolvedClientAuthentication {
  readonly authMethod: ClientAuthMethod;
  readonly clientSecret?: string;
  /** private_key_jwt: the key that signs client assertions, with the `kid` they carry. */
  readonly clientAssertionKey?: ResolvedPrivateKey;
  /** private_key_jwt with a certificate credential: the `x5t` / `x5t#S256` headers of the assertions. */
  readonly clientAssertionCertificate?: CertificateThumbprints;
  /** JWT client authentication: `token_endpoint`, `issuer` or an explicit URI for the assertions' `aud`. */
  readonly clientAssertionAudience?: string;
  /** Client certificate (mTLS client authentication and certificate-bound tokens) and trusted CAs. */
  readonly tls?: ResolvedTlsOptions;
  /** DPoP (RFC 9449) is on; `key` is the given key pair, absent when one is generated at start-up. */
  readonly dpop?: { readonly key?: ResolvedPrivateKey };
  /** private_key_jwt with an assertion the platform issues (RFC 7523 §2.2) instead of a key. */
  readonly clientAssertion?: ClientAssertionSource;
}

/**
 * Where the platform's client assertion comes from: a file (re-read for every token request) or a function of the
 * options; `setting` is what messages name.
 */
export type ClientAssertionSource =
  | { readonly file: string; readonly setting: string }
  | { readonly get: () => string | Promise<string>; readonly setting: string };

/** Algorithms servers commonly accept for DPoP proofs (oidc-provider: ES256, Ed25519; Duende adds PS*, RS*). */
const DPOP_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'Ed25519', 'EdDSA'];

/**
 * What a client authenticates with, from settings that passed their own checks and the cross-field rules: the
 * credentials its method uses (the others are not kept), and its keys and certificates, parsed here, once.
 */
export function resolveClientAuthentication(
  values: CheckedValues,
  setting: (field: string) => string,
  name: string,
): ResolvedClientAuthentication {
  const authMethod = values.authMethod as ClientAuthMethod;
  const clientAssertion = platformAssertion(values, setting);
  const assertionKey =
    authMethod === 'private_key_jwt' && clientAssertion === undefined
      ? resolveClientAssertionKey(values, setting, name)
      : {};
  const tls = resolveTlsOptions(
    { certificate: values.tlsCertificate, key: values.tlsKey, ca: values.tlsCa },
    { certificate: setting('tlsCertificate'), key: setting('tlsKey'), ca: setting('tlsCa') },
    name,
  );
  let dpop: ResolvedClientAuthentication['dpop'];
  if (values.dpop === true) {
    const key =
      values.dpopPrivateKey === undefined
        ? undefined
        : resolvePrivateKey(values.dpopPrivateKey, setting('dpopPrivateKey'), name, {
            allowed: DPOP_ALGORITHMS,
          });
    dpop = Object.freeze(key ? { key } : {});
  }
  return {
    authMethod,
    ...(SECRET_METHODS.includes(authMethod) ? { clientSecret: values.clientSecret as string } : {}),
    ...assertionKey,
    ...(JWT_METHODS.includes(authMethod)
      ? { clientAssertionAudience: values.clientAssertionAudience as string }
      : {}),
    ...(tls ? { tls } : {}),
    ...(dpop ? { dpop } : {}),
    ...(clientAssertion ? { clientAssertion } : {}),
  };
}

/** The platform's assertion, when one is given: its file (a path, checked readable at start-up) or function. */
function platformAssertion(
  values: CheckedValues,
  setting: (field: string) => string,
): ClientAssertionSource | undefined {
  if (typeof values.clientAssertionFile === 'string') {
    return { file: values.clientAssertionFile, setting: setting('clientAssertionFile') };
  }
  const get = values.clientAssertion as (() => string | Promise<string>) | undefined;
  return get === undefined ? undefined : { get, setting: setting('clientAssertion') };
}
