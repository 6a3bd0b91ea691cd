import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { AccessTokenError } from '../errors.js';
import type { ClientCredentialsClientOptions } from './client-options.interface.js';
import { DEFAULT_CLIENT_ASSERTION_AUDIENCE } from './defaults.js';
import { accessTokenOptionsFromEnv, type EnvSource } from './env-options.loader.js';
import { validateAccessTokenOptions } from './options.validation.js';

const SECRET = 'S3cr3t-Value-Never-Print-Me';
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ecPem = ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const ecJwk = ec.privateKey.export({ format: 'jwk' });

function resolve(client: Partial<ClientCredentialsClientOptions>) {
  const options = validateAccessTokenOptions({
    clients: {
      orders: { issuer: 'https://login.example.com', clientId: 'orders-caller', ...client },
    },
  });
  return options.clients.get('orders')!;
}

function messageOf(run: () => unknown, ...neverShown: string[]): string {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(AccessTokenError);
  const { code, message } = thrown as AccessTokenError;
  expect(code).toBe('ERR_CONFIG_INVALID');
  for (const part of [SECRET, ecJwk.d as string, ...neverShown]) expect(message).not.toContain(part);
  return message;
}

describe('the client assertion audience', () => {
  it('defaults to the token endpoint for both JWT methods, one constant in defaults.ts', () => {
    expect(DEFAULT_CLIENT_ASSERTION_AUDIENCE).toBe('token_endpoint');
    expect(resolve({ authMethod: 'private_key_jwt', privateKey: ecPem }).clientAssertionAudience).toBe(
      'token_endpoint',
    );
    expect(resolve({ authMethod: 'client_secret_jwt', clientSecret: SECRET }).clientAssertionAudience).toBe(
      'token_endpoint',
    );
    expect(resolve({ clientSecret: SECRET }).clientAssertionAudience).toBeUndefined();
  });

  it('takes issuer, token_endpoint or an absolute URI', () => {
    for (const audience of ['issuer', 'token_endpoint', 'https://login.example.com/oauth2/v2.0/token']) {
      expect(
        resolve({ authMethod: 'private_key_jwt', privateKey: ecPem, clientAssertionAudience: audience })
          .clientAssertionAudience,
      ).toBe(audience);
    }
  });

  it.each([
    [
      'issuer without discovery',
      {
        issuer: undefined,
        tokenEndpoint: 'https://login.example.com/token',
        clientAssertionAudience: 'issuer',
      },
      'clients.orders.clientAssertionAudience is issuer, which is known only with discovery: set clients.orders.issuer instead of clients.orders.tokenEndpoint, or give the issuer URI itself',
    ],
    [
      'no URI',
      { clientAssertionAudience: SECRET },
      'clients.orders.clientAssertionAudience must be token_endpoint, issuer or an absolute URI without a fragment',
    ],
    [
      'a URI with a fragment',
      { clientAssertionAudience: 'https://login.example.com/#x' },
      'clients.orders.clientAssertionAudience must be token_endpoint, issuer or an absolute URI without a fragment',
    ],
    [
      'a method without assertions',
      {
        authMethod: 'client_secret_basic',
        privateKey: undefined,
        clientSecret: 'x',
        clientAssertionAudience: 'issuer',
      },
      'clients.orders.clientAssertionAudience is only used by private_key_jwt and client_secret_jwt (clients.orders.authMethod is client_secret_basic)',
    ],
  ] as Array<[string, Partial<ClientCredentialsClientOptions>, string]>)(
    'refuses %s, naming the setting',
    (_name, settings, expected) => {
      expect(
        messageOf(() => resolve({ authMethod: 'private_key_jwt', privateKey: ecPem, ...settings })),
      ).toBe(expected);
    },
  );
});

describe('the kid of a PEM key', () => {
  it('is the setting for a PEM key, the JWK kid without it, and either when both agree', () => {
    expect(
      resolve({ authMethod: 'private_key_jwt', privateKey: ecPem, privateKeyKid: 'k1' }).clientAssertionKey
        ?.kid,
    ).toBe('k1');
    expect(
      resolve({ authMethod: 'private_key_jwt', privateKey: ecPem }).clientAssertionKey?.kid,
    ).toBeUndefined();
    const jwk = { ...ecJwk, kid: 'k1' };
    expect(resolve({ authMethod: 'private_key_jwt', privateKey: jwk }).clientAssertionKey?.kid).toBe('k1');
    expect(
      resolve({ authMethod: 'private_key_jwt', privateKey: jwk, privateKeyKid: 'k1' }).clientAssertionKey
        ?.kid,
    ).toBe('k1');
  });

  it.each([
    [
      'a kid that differs from the JWK one',
      { privateKey: { ...ecJwk, kid: 'k1' }, privateKeyKid: 'k2' },
      'clients.orders.privateKeyKid differs from the "kid" of the JWK in clients.orders.privateKey: set one of them, or make them equal',
    ],
    [
      'a kid with a space',
      { privateKeyKid: 'my key' },
      'clients.orders.privateKeyKid must be 1-256 printable ASCII characters without spaces',
    ],
    [
      'an empty kid',
      { privateKeyKid: '' },
      'clients.orders.privateKeyKid must be 1-256 printable ASCII characters without spaces',
    ],
    [
      'a kid with another method',
      { authMethod: 'client_secret_post', privateKey: undefined, clientSecret: 'x', privateKeyKid: 'k1' },
      'clients.orders.privateKeyKid is only used by private_key_jwt (clients.orders.authMethod is client_secret_post)',
    ],
  ] as Array<[string, Partial<ClientCredentialsClientOptions>, string]>)(
    'refuses %s, naming the setting',
    (_name, settings, expected) => {
      expect(
        messageOf(() => resolve({ authMethod: 'private_key_jwt', privateKey: ecPem, ...settings })),
      ).toBe(expected);
    },
  );
});

describe('a certificate credential (openssl-made)', () => {
  let dir: string;
  let cert: string;
  let key: string;
  let otherCert: string;
  const thumbprints = (pem: string) => {
    const der = new X509Certificate(pem).raw;
    return {
      x5t: createHash('sha1').update(der).digest('base64url'),
      'x5t#S256': createHash('sha256').update(der).digest('base64url'),
    };
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'atm-assertion-cert-'));
    for (const name of ['a', 'b']) {
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${name}`,
        '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`),
      ], { stdio: 'ignore' }); // prettier-ignore
    }
    [cert, key, otherCert] = ['a.crt', 'a.key', 'b.crt'].map((file) =>
      readFileSync(join(dir, file), 'utf8'),
    ) as [string, string, string];
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the x5t and x5t#S256 of the certificate, from the setting or from the key PEM', () => {
    expect(
      resolve({ authMethod: 'private_key_jwt', privateKey: key, clientAssertionCertificate: cert })
        .clientAssertionCertificate,
    ).toEqual(thumbprints(cert));
    expect(
      resolve({ authMethod: 'private_key_jwt', privateKey: `${cert}\n${key}` }).clientAssertionCertificate,
    ).toEqual(thumbprints(cert));
    // One line with literal \n, as .env files hold it.
    expect(
      resolve({ authMethod: 'private_key_jwt', privateKey: `${key}${cert}`.trim().replace(/\n/g, '\\n') })
        .clientAssertionCertificate,
    ).toEqual(thumbprints(cert));
    expect(
      resolve({ authMethod: 'private_key_jwt', privateKey: key }).clientAssertionCertificate,
    ).toBeUndefined();
  });

  it('refuses a certificate of another key, naming the variable and never the key', () => {
    const keyLine = key.split('\n')[2] as string;
    const env: EnvSource = {
      ACCESS_TOKEN_CLIENTS: 'orders',
      ACCESS_TOKEN_ORDERS_ISSUER: 'https://login.example.com',
      ACCESS_TOKEN_ORDERS_CLIENT_ID: 'orders-caller',
      ACCESS_TOKEN_ORDERS_AUTH_METHOD: 'private_key_jwt',
      ACCESS_TOKEN_ORDERS_PRIVATE_KEY_FILE: join(dir, 'a.key'),
      ACCESS_TOKEN_ORDERS_CLIENT_ASSERTION_CERT_FILE: join(dir, 'b.crt'),
    };
    expect(messageOf(() => accessTokenOptionsFromEnv(env), keyLine)).toBe(
      'ACCESS_TOKEN_ORDERS_CLIENT_ASSERTION_CERT_FILE is not the certificate of the key in ACCESS_TOKEN_ORDERS_PRIVATE_KEY_FILE',
    );
    expect(
      messageOf(
        () => resolve({ authMethod: 'private_key_jwt', privateKey: `${otherCert}\n${key}` }),
        keyLine,
      ),
    ).toBe('clients.orders.privateKey is not the certificate of the key in clients.orders.privateKey');
    expect(
      messageOf(() =>
        resolve({ authMethod: 'private_key_jwt', privateKey: key, clientAssertionCertificate: SECRET }),
      ),
    ).toBe(
      'clients.orders.clientAssertionCertificate must be PEM certificate text (-----BEGIN CERTIFICATE-----)',
    );
    expect(messageOf(() => resolve({ clientSecret: 'x', clientAssertionCertificate: cert }))).toBe(
      'clients.orders.clientAssertionCertificate is only used by private_key_jwt (clients.orders.authMethod is client_secret_basic)',
    );
  });

  it('reads the kid, the certificate and the audience from env', () => {
    const options = accessTokenOptionsFromEnv({
      ACCESS_TOKEN_CLIENTS: 'orders',
      ACCESS_TOKEN_ORDERS_ISSUER: 'https://login.example.com',
      ACCESS_TOKEN_ORDERS_CLIENT_ID: 'orders-caller',
      ACCESS_TOKEN_ORDERS_AUTH_METHOD: 'private_key_jwt',
      ACCESS_TOKEN_ORDERS_PRIVATE_KEY_FILE: join(dir, 'a.key'),
      ACCESS_TOKEN_ORDERS_PRIVATE_KEY_KID: 'k1',
      ACCESS_TOKEN_ORDERS_CLIENT_ASSERTION_CERT_FILE: join(dir, 'a.crt'),
      ACCESS_TOKEN_ORDERS_CLIENT_ASSERTION_AUDIENCE: 'issuer',
    });
    // The options name the files (re-read when they change); validation reads what they hold.
    expect(options.clients.orders).toMatchObject({
      privateKeyFile: join(dir, 'a.key'),
      privateKeyKid: 'k1',
      clientAssertionCertificateFile: join(dir, 'a.crt'),
      clientAssertionAudience: 'issuer',
    });
    const fromFiles = validateAccessTokenOptions(options).clients.get('orders')!;
    const fromValues = resolve({
      authMethod: 'private_key_jwt',
      privateKey: key,
      privateKeyKid: 'k1',
      clientAssertionCertificate: cert,
      clientAssertionAudience: 'issuer',
    });
    expect(fromFiles.clientAssertionKey?.key.export({ format: 'jwk' })).toEqual(
      fromValues.clientAssertionKey?.key.export({ format: 'jwk' }),
    );
    expect(fromFiles.clientAssertionKey?.kid).toBe('k1');
    expect(fromFiles.clientAssertionCertificate).toEqual(fromValues.clientAssertionCertificate);
    expect(fromFiles.clientAssertionCertificate).toBeDefined();
    const inline = accessTokenOptionsFromEnv({
      ACCESS_TOKEN_CLIENTS: 'orders',
      ACCESS_TOKEN_ORDERS_ISSUER: 'https://login.example.com',
      ACCESS_TOKEN_ORDERS_CLIENT_ID: 'orders-caller',
      ACCESS_TOKEN_ORDERS_AUTH_METHOD: 'private_key_jwt',
      ACCESS_TOKEN_ORDERS_PRIVATE_KEY: key,
      ACCESS_TOKEN_ORDERS_CLIENT_ASSERTION_CERT: cert,
    });
    // Values are trimmed, as every env value is.
    expect(inline.clients.orders?.clientAssertionCertificate).toBe(cert.trim());
  });
});
