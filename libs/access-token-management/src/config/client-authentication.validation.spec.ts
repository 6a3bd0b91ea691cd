import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { AccessTokenError } from '../errors.js';
import type { ClientCredentialsClientOptions } from './client-options.interface.js';
import { accessTokenOptionsFromEnv, type EnvSource } from './env-options.loader.js';
import { validateAccessTokenOptions } from './options.validation.js';

const SECRET = 'S3cr3t-Value-Never-Print-Me';
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ecPem = ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const ecJwk = ec.privateKey.export({ format: 'jwk' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaPem = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
const shortRsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
  type: 'pkcs8',
  format: 'pem',
});
const ed = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
const secp256k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey.export({ format: 'jwk' });

/** The key parts a message must never contain. */
const KEY_MATERIAL = [ecJwk.d as string, ecPem.split('\n')[1] as string, rsaPem.split('\n')[2] as string];

function resolve(client: Partial<ClientCredentialsClientOptions>) {
  const options = validateAccessTokenOptions({
    clients: {
      orders: {
        tokenEndpoint: 'https://login.example.com/token',
        clientId: 'orders-caller',
        ...client,
      },
    },
  });
  return options.clients.get('orders')!;
}

function messageOf(run: () => unknown): string {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(AccessTokenError);
  const { code, message } = thrown as AccessTokenError;
  expect(code).toBe('ERR_CONFIG_INVALID');
  for (const part of [SECRET, ...KEY_MATERIAL]) expect(message).not.toContain(part);
  return message;
}

describe('client authentication options', () => {
  it('private_key_jwt: alg from the key type, the JWK alg or the setting; kid from the JWK', () => {
    expect(resolve({ authMethod: 'private_key_jwt', privateKey: ecPem }).clientAssertionKey).toMatchObject({
      alg: 'ES256',
    });
    expect(resolve({ authMethod: 'private_key_jwt', privateKey: rsaPem }).clientAssertionKey?.alg).toBe(
      'RS256',
    );
    expect(
      resolve({ authMethod: 'private_key_jwt', privateKey: rsaPem, clientAssertionAlg: 'PS384' })
        .clientAssertionKey?.alg,
    ).toBe('PS384');
    const fromJwk = resolve({
      authMethod: 'private_key_jwt',
      privateKey: JSON.stringify({ ...ecJwk, kid: 'k1', alg: 'ES256' }),
    }).clientAssertionKey;
    expect(fromJwk).toMatchObject({ alg: 'ES256', kid: 'k1' });
    expect(resolve({ authMethod: 'private_key_jwt', privateKey: ed }).clientAssertionKey?.alg).toBe(
      'Ed25519',
    );
    // A PEM pasted on one line with literal \n, as .env files hold it.
    expect(
      resolve({ authMethod: 'private_key_jwt', privateKey: ecPem.trim().replace(/\n/g, '\\n') })
        .clientAssertionKey?.alg,
    ).toBe('ES256');
  });

  it('keeps keys out of logs: the resolved key is a KeyObject, the TLS key is not enumerable', () => {
    const client = resolve({ authMethod: 'private_key_jwt', privateKey: ecJwk, dpop: true });
    expect(JSON.stringify(client)).not.toContain(ecJwk.d);
  });

  it.each([
    [
      'no key',
      { authMethod: 'private_key_jwt' },
      'clients.orders.privateKey is missing (required by private_key_jwt)',
    ],
    [
      'not a key',
      { authMethod: 'private_key_jwt', privateKey: SECRET },
      /^clients\.orders\.privateKey must be a PEM/,
    ],
    [
      'a public JWK',
      { authMethod: 'private_key_jwt', privateKey: ec.publicKey.export({ format: 'jwk' }) },
      'clients.orders.privateKey is a public JWK: the private key (with "d") is needed',
    ],
    [
      'a broken JWK',
      { authMethod: 'private_key_jwt', privateKey: JSON.stringify({ ...ecJwk, d: 'AAAA' }) },
      'clients.orders.privateKey is not a usable private JWK',
    ],
    [
      'a broken PEM',
      { authMethod: 'private_key_jwt', privateKey: ecPem.replace(/[A-Za-z]{8}/, 'AAAAAAAA') },
      'clients.orders.privateKey is not a readable PEM private key',
    ],
    [
      'an encrypted PEM',
      { authMethod: 'private_key_jwt', privateKey: '-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA' },
      /is an encrypted private key/,
    ],
    ['a short RSA key', { authMethod: 'private_key_jwt', privateKey: shortRsa }, /shorter than 2048 bits/],
    [
      'an unsupported curve',
      { authMethod: 'private_key_jwt', privateKey: secp256k1 },
      /unsupported key type/,
    ],
    [
      'an algorithm that does not fit',
      { authMethod: 'private_key_jwt', privateKey: ecPem, clientAssertionAlg: 'RS256' },
      'clients.orders.clientAssertionAlg does not fit the key (a ec key signs with: ES256)',
    ],
    [
      'a key with another method',
      { clientSecret: SECRET, privateKey: ecPem },
      'clients.orders.privateKey is only used by private_key_jwt (clients.orders.authMethod is client_secret_basic)',
    ],
    [
      'client_secret_jwt without secret',
      { authMethod: 'client_secret_jwt' },
      'clients.orders.clientSecret is missing (required by client_secret_jwt)',
    ],
    [
      'client_secret_jwt with another alg',
      { authMethod: 'client_secret_jwt', clientSecret: SECRET, clientAssertionAlg: 'HS512' },
      'clients.orders.clientAssertionAlg must be HS256 for client_secret_jwt',
    ],
    [
      'tls_client_auth without certificate',
      { authMethod: 'tls_client_auth' },
      'clients.orders.tlsCertificate is missing (required by tls_client_auth)',
    ],
    [
      'a certificate without its key',
      { authMethod: 'tls_client_auth', tlsCertificate: '-----BEGIN CERTIFICATE-----\nAAAA' },
      'clients.orders.tlsKey is missing (clients.orders.tlsCertificate is set; a client certificate needs its key)',
    ],
    [
      'DPoP not a boolean',
      { clientSecret: SECRET, dpop: 'yes' as unknown as boolean },
      'clients.orders.dpop must be true or false',
    ],
    [
      'a DPoP key with DPoP off',
      { clientSecret: SECRET, dpopPrivateKey: ecJwk },
      'clients.orders.dpopPrivateKey is set but DPoP is off (set clients.orders.dpop to true)',
    ],
    [
      'a DPoP key no server takes',
      { clientSecret: SECRET, dpop: true, dpopPrivateKey: secp256k1 },
      /^clients\.orders\.dpopPrivateKey has an unsupported key type/,
    ],
  ] as Array<[string, Partial<ClientCredentialsClientOptions>, string | RegExp]>)(
    'refuses %s, naming the setting and printing no key',
    (_name, client, expected) => {
      const message = messageOf(() => resolve(client));
      if (typeof expected === 'string') expect(message).toBe(expected);
      else expect(message).toMatch(expected);
    },
  );

  it('DPoP: on with a generated key (none given) or with the given one', () => {
    expect(resolve({ clientSecret: SECRET, dpop: true }).dpop).toEqual({});
    expect(resolve({ clientSecret: SECRET, dpop: true, dpopPrivateKey: ecJwk }).dpop?.key?.alg).toBe('ES256');
    expect(resolve({ clientSecret: SECRET, dpop: false }).dpop).toBeUndefined();
  });
});

describe('client certificates (openssl-made)', () => {
  let dir: string;
  const files: Record<string, string> = {};

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'atm-config-'));
    for (const name of ['a', 'b']) {
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-subj', `/CN=${name}`, '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`),
      ], { stdio: 'ignore' }); // prettier-ignore
      files[`${name}.crt`] = join(dir, `${name}.crt`);
      files[`${name}.key`] = join(dir, `${name}.key`);
    }
    writeFileSync(join(dir, 'garbage.pem'), SECRET);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const read = (name: string) => readFileSync(files[name] as string, 'utf8');

  it('accepts a certificate with its key, with the x5t#S256 thumbprint and the key hidden from logs', () => {
    const client = resolve({
      authMethod: 'tls_client_auth',
      tlsCertificate: read('a.crt'),
      tlsKey: read('a.key'),
    });
    expect(client.tls?.certificateThumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(client.tls?.key).toContain('PRIVATE KEY');
    expect(JSON.stringify(client)).not.toContain('PRIVATE KEY');
  });

  it('refuses a key that is not the certificate key', () => {
    expect(
      messageOf(() =>
        resolve({ authMethod: 'tls_client_auth', tlsCertificate: read('a.crt'), tlsKey: read('b.key') }),
      ),
    ).toBe('clients.orders.tlsKey is not the key of the certificate in clients.orders.tlsCertificate');
  });

  it('refuses tls_client_auth against an http token endpoint', () => {
    expect(
      messageOf(() =>
        resolve({
          tokenEndpoint: 'http://127.0.0.1:4000/token',
          authMethod: 'tls_client_auth',
          tlsCertificate: read('a.crt'),
          tlsKey: read('a.key'),
        }),
      ),
    ).toBe('clients.orders.tokenEndpoint must use https for tls_client_auth');
  });

  describe('from env', () => {
    const env = (overrides: EnvSource): EnvSource => ({
      ACCESS_TOKEN_CLIENTS: 'orders',
      ACCESS_TOKEN_ORDERS_ISSUER: 'https://login.example.com',
      ACCESS_TOKEN_ORDERS_CLIENT_ID: 'orders-caller',
      ...overrides,
    });

    it('reads the certificate, key and CA from files and DPoP from a flag', () => {
      const options = accessTokenOptionsFromEnv(
        env({
          ACCESS_TOKEN_ORDERS_AUTH_METHOD: 'self_signed_tls_client_auth',
          ACCESS_TOKEN_ORDERS_TLS_CERT_FILE: files['a.crt'],
          ACCESS_TOKEN_ORDERS_TLS_KEY_FILE: files['a.key'],
          ACCESS_TOKEN_ORDERS_TLS_CA_FILE: files['b.crt'],
          ACCESS_TOKEN_ORDERS_DPOP: 'true',
        }),
      );
      // The options name the files (re-read when they change); validation reads what they hold.
      expect(options.clients.orders).toMatchObject({
        authMethod: 'self_signed_tls_client_auth',
        tlsCertificateFile: files['a.crt'],
        tlsKeyFile: files['a.key'],
        tlsCaFile: files['b.crt'],
        dpop: true,
      });
      const fromFiles = validateAccessTokenOptions(options).clients.get('orders')!;
      const fromValues = resolve({
        authMethod: 'self_signed_tls_client_auth',
        tlsCertificate: read('a.crt'),
        tlsKey: read('a.key'),
        tlsCa: read('b.crt'),
        dpop: true,
      });
      expect(fromFiles.tls).toEqual(fromValues.tls);
      expect(fromFiles.tls?.key).toBe(fromValues.tls?.key);
      expect(fromFiles.tls?.certificateThumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(fromFiles.dpop).toEqual({});
    });

    it('reads a private key inline (JWK JSON) or from a file (PEM)', () => {
      const inline = accessTokenOptionsFromEnv(
        env({
          ACCESS_TOKEN_ORDERS_AUTH_METHOD: 'private_key_jwt',
          ACCESS_TOKEN_ORDERS_PRIVATE_KEY: JSON.stringify(ecJwk),
        }),
      );
      expect(inline.clients.orders?.privateKey).toBe(JSON.stringify(ecJwk));
      const keyFile = join(dir, 'ec.pem');
      writeFileSync(keyFile, ecPem);
      const fromFile = accessTokenOptionsFromEnv(
        env({
          ACCESS_TOKEN_ORDERS_AUTH_METHOD: 'private_key_jwt',
          ACCESS_TOKEN_ORDERS_DPOP_PRIVATE_KEY_FILE: keyFile,
          ACCESS_TOKEN_ORDERS_DPOP: '1',
          ACCESS_TOKEN_ORDERS_PRIVATE_KEY_FILE: keyFile,
        }),
      );
      expect(fromFile.clients.orders).toMatchObject({
        privateKeyFile: keyFile,
        dpopPrivateKeyFile: keyFile,
        dpop: true,
      });
      const resolved = validateAccessTokenOptions(fromFile).clients.get('orders')!;
      expect(resolved.clientAssertionKey?.key.export({ format: 'jwk' })).toEqual(ecJwk);
      expect(resolved.dpop?.key?.key.export({ format: 'jwk' })).toEqual(ecJwk);
    });

    it.each([
      [
        {
          ACCESS_TOKEN_ORDERS_AUTH_METHOD: 'private_key_jwt',
          ACCESS_TOKEN_ORDERS_PRIVATE_KEY_FILE: '/nonexistent/key.pem',
        },
        'ACCESS_TOKEN_ORDERS_PRIVATE_KEY_FILE names a file that cannot be read (ENOENT)',
      ],
      [
        {
          ACCESS_TOKEN_ORDERS_AUTH_METHOD: 'private_key_jwt',
          ACCESS_TOKEN_ORDERS_PRIVATE_KEY: SECRET,
          ACCESS_TOKEN_ORDERS_PRIVATE_KEY_FILE: '/x',
        },
        'ACCESS_TOKEN_ORDERS_PRIVATE_KEY and ACCESS_TOKEN_ORDERS_PRIVATE_KEY_FILE are both set: set one of them',
      ],
      [
        {
          ACCESS_TOKEN_ORDERS_AUTH_METHOD: 'private_key_jwt',
          ACCESS_TOKEN_ORDERS_PRIVATE_KEY_FILE: 'garbage.pem',
        },
        /^ACCESS_TOKEN_ORDERS_PRIVATE_KEY_FILE must be a PEM private key/,
      ],
      [
        { ACCESS_TOKEN_ORDERS_AUTH_METHOD: 'private_key_jwt', ACCESS_TOKEN_ORDERS_PRIVATE_KEY: SECRET },
        /^ACCESS_TOKEN_ORDERS_PRIVATE_KEY must be a PEM private key/,
      ],
      [
        { ACCESS_TOKEN_ORDERS_CLIENT_SECRET: 'x', ACCESS_TOKEN_ORDERS_TLS_CA_FILE: 'garbage.pem' },
        'ACCESS_TOKEN_ORDERS_TLS_CA_FILE must be PEM certificate text (-----BEGIN CERTIFICATE-----)',
      ],
      [
        { ACCESS_TOKEN_ORDERS_CLIENT_SECRET: 'x', ACCESS_TOKEN_ORDERS_DPOP: SECRET },
        'ACCESS_TOKEN_ORDERS_DPOP must be true or false',
      ],
      [
        { ACCESS_TOKEN_ORDERS_CLIENT_SECRET: 'x', ACCESS_TOKEN_ORDERS_AUTH_METHOD: 'tls_client_auth' },
        'ACCESS_TOKEN_ORDERS_TLS_CERT is missing (required by tls_client_auth)',
      ],
      [
        {
          ACCESS_TOKEN_ORDERS_AUTH_METHOD: 'private_key_jwt',
          ACCESS_TOKEN_ORDERS_PRIVATE_KEY: ecPem,
          ACCESS_TOKEN_ORDERS_CLIENT_ASSERTION_ALG: SECRET,
        },
        'ACCESS_TOKEN_ORDERS_CLIENT_ASSERTION_ALG does not fit the key (a ec key signs with: ES256)',
      ],
    ] as Array<[EnvSource, string | RegExp]>)('refuses %j naming the variable', (overrides, expected) => {
      const withPaths = Object.fromEntries(
        Object.entries(overrides).map(([name, value]) => [
          name,
          value === 'garbage.pem' ? join(dir, 'garbage.pem') : value,
        ]),
      );
      const message = messageOf(() => accessTokenOptionsFromEnv(env(withPaths)));
      if (typeof expected === 'string') expect(message).toBe(expected);
      else expect(message).toMatch(expected);
    });
  });
});
