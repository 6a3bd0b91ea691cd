import { DEFAULT_CLIENT_ASSERTION_AUDIENCE } from './defaults.js';
import type { Setting } from './setting.interface.js';
import { isAbsoluteUriWithoutFragment } from './url-rules.js';

/** A `kid` is an opaque string (RFC 7515 §4.1.4); printable ASCII keeps it safe in headers, logs and messages. */
const KID = /^[\x21-\x7E]{1,256}$/;

function isAssertionAudience(value: unknown): boolean {
  return (
    value === 'token_endpoint' ||
    value === 'issuer' ||
    (typeof value === 'string' && value.length <= 2048 && isAbsoluteUriWithoutFragment(value))
  );
}

/**
 * A client's authentication and sender-constraining settings (RFC 7523 assertions, RFC 8705 mTLS, RFC 9449 DPoP).
 * Keys and certificates are read here like any setting; the key material part parses and matches them.
 */
export const AUTHENTICATION_SETTINGS: readonly Setting[] = [
  {
    option: 'privateKey',
    scope: 'client',
    env: 'PRIVATE_KEY',
    file: 'variant',
    kind: 'key',
    readmeDefault: '—',
    doc: "private_key_jwt: the private key, PEM or a private JWK (JSON), inline or in a file. A JWK's `kid` is sent.",
  },
  {
    option: 'clientAssertion',
    scope: 'client',
    env: 'CLIENT_ASSERTION_FILE',
    file: 'path',
    kind: 'assertion',
    readmeDefault: '—',
    doc: 'private_key_jwt without a key: a JWT the platform issues (service-account token, JWT-SVID), read for each token request. In code: a function.',
  },
  {
    option: 'privateKeyKid',
    scope: 'client',
    env: 'PRIVATE_KEY_KID',
    kind: 'text',
    valid: (value) => typeof value === 'string' && KID.test(value),
    problem: 'must be 1-256 printable ASCII characters without spaces',
    readmeDefault: "the JWK's `kid`",
    doc: 'private_key_jwt: the `kid` header for a PEM key (glewlwyd and others need one). With a JWK that has a `kid`, the two must be equal.',
  },
  {
    option: 'clientAssertionCertificate',
    scope: 'client',
    env: 'CLIENT_ASSERTION_CERT',
    file: 'variant',
    kind: 'pem',
    readmeDefault: 'a cert in the key PEM',
    doc: "private_key_jwt: the key's X.509 certificate (PEM); its thumbprints go in `x5t#S256` and `x5t` (Entra ID certificate credentials). Must match the key.",
  },
  {
    option: 'clientAssertionAudience',
    scope: 'client',
    env: 'CLIENT_ASSERTION_AUDIENCE',
    kind: 'text',
    default: DEFAULT_CLIENT_ASSERTION_AUDIENCE,
    valid: isAssertionAudience,
    problem: 'must be token_endpoint, issuer or an absolute URI without a fragment',
    doc: '`aud` of JWT assertions: `token_endpoint` (the URL the request goes to), `issuer` (needs `_ISSUER`) or an explicit URI.',
  },
  {
    option: 'clientAssertionAlg',
    scope: 'client',
    env: 'CLIENT_ASSERTION_ALG',
    kind: 'text',
    readmeDefault: 'from the key',
    doc: "JWS algorithm of the assertions (e.g. `PS256`); else the JWK's `alg`, else RS256 / ES256 / ES384 / ES512 / Ed25519 by key type.",
  },
  {
    option: 'tlsCertificate',
    scope: 'client',
    env: 'TLS_CERT',
    file: 'variant',
    kind: 'pem',
    readmeDefault: '—',
    doc: 'mTLS (RFC 8705): client certificate PEM, presented to the token endpoint and the API. Needs `_TLS_KEY`.',
  },
  {
    option: 'tlsKey',
    scope: 'client',
    env: 'TLS_KEY',
    file: 'variant',
    kind: 'pem',
    readmeDefault: '—',
    doc: "The client certificate's private key, PEM.",
  },
  {
    option: 'tlsCa',
    scope: 'client',
    env: 'TLS_CA_FILE',
    file: 'path',
    kind: 'pem',
    readmeDefault: "Node's root CAs",
    doc: 'PEM file of the CA(s) trusted for the token endpoint, discovery and the API (a private CA).',
  },
  {
    option: 'dpop',
    scope: 'client',
    env: 'DPOP',
    kind: 'boolean',
    default: false,
    doc: '`true`: DPoP (RFC 9449) — tokens bound to a key pair, a proof on every token request and API call.',
  },
  {
    option: 'dpopPrivateKey',
    scope: 'client',
    env: 'DPOP_PRIVATE_KEY',
    file: 'variant',
    kind: 'key',
    readmeDefault: 'generated (ES256)',
    doc: 'The DPoP key, PEM or private JWK. Without it each process generates one at start-up.',
  },
];
