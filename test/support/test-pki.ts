import { execFile } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A certificate and its key, as PEM, and where they were written. */
export interface TestCredential {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
  /** RFC 8705 `x5t#S256`: base64url SHA-256 of the certificate's DER. */
  thumbprint: string;
}

export interface TestPki {
  dir: string;
  ca: TestCredential;
  /** For `127.0.0.1` and `localhost`, issued by the CA. */
  server: TestCredential;
  /** A client certificate issued by the CA, subject `CN=<clientSubject>`. */
  client(subject: string): Promise<TestCredential>;
  /** A self-signed client certificate. */
  selfSigned(subject: string): Promise<TestCredential>;
  remove(): Promise<void>;
}

const CONFIG = `
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = CA:FALSE
subjectAltName = IP:127.0.0.1,DNS:localhost
extendedKeyUsage = serverAuth
[client_ext]
basicConstraints = CA:FALSE
extendedKeyUsage = clientAuth
`;

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/**
 * A throw-away PKI for one test suite, made with the openssl CLI in a temporary directory: a CA, a server certificate
 * for loopback, client certificates on demand. Nothing is committed; every run has new keys.
 */
export async function createTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'atm-pki-'));
  const config = join(dir, 'openssl.cnf');
  await writeFile(config, CONFIG);
  let serial = 1;

  const load = async (name: string): Promise<TestCredential> => {
    const certFile = join(dir, `${name}.crt`);
    const keyFile = join(dir, `${name}.key`);
    const cert = await readFile(certFile, 'utf8');
    const thumbprint = createHash('sha256').update(new X509Certificate(cert).raw).digest('base64url');
    return { cert, key: await readFile(keyFile, 'utf8'), certFile, keyFile, thumbprint };
  };
  const selfSigned = async (name: string, subject: string, extensions: string) => {
    await run('openssl', [
      'req', '-x509', '-config', config, '-extensions', extensions, ...EC_KEY, '-days', '2', '-subj', `/CN=${subject}`,
      '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`),
    ]); // prettier-ignore
    return load(name);
  };
  const issued = async (name: string, subject: string, extensions: string) => {
    const csr = join(dir, `${name}.csr`);
    await run('openssl', [
      'req', '-new', '-config', config, ...EC_KEY, '-subj', `/CN=${subject}`, '-keyout', join(dir, `${name}.key`),
      '-out', csr,
    ]); // prettier-ignore
    await run('openssl', [
      'x509', '-req', '-in', csr, '-CA', join(dir, 'ca.crt'), '-CAkey', join(dir, 'ca.key'),
      '-set_serial', String((serial += 1)), '-days', '2', '-extfile', config, '-extensions', extensions,
      '-out', join(dir, `${name}.crt`),
    ]); // prettier-ignore
    return load(name);
  };

  const ca = await selfSigned('ca', 'orders test CA', 'ca_ext');
  const server = await issued('server', 'localhost', 'server_ext');
  let count = 0;
  return {
    dir,
    ca,
    server,
    client: (subject) => issued(`client-${(count += 1)}`, subject, 'client_ext'),
    selfSigned: (subject) => selfSigned(`self-${(count += 1)}`, subject, 'client_ext'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
