import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const INSTALL = 'apt-get install -y glewlwyd sqlite3';
/** Debian's schema: dbconfig-common's copy survives images that drop /usr/share/doc; the doc copy is the fallback. */
const SCHEMAS = [
  '/usr/share/dbconfig-common/data/glewlwyd/install/sqlite3',
  '/usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz',
];
const MODULES = '/usr/lib/glewlwyd';
/** The administrator the schema creates. */
const ADMIN = { username: 'admin', password: 'password' };

/** One OIDC plugin instance: its own issuer, token endpoint, signing key, token lifetime and DPoP rules. */
export interface GlewlwydPluginOptions {
  /** The instance name: its endpoints live under `/api/<name>/`. */
  name: string;
  /** `expires_in` of its access tokens. Default 300. */
  accessTokenSeconds?: number;
  /** Demand a server nonce in DPoP proofs (`oauth-dpop-nonce-mandatory`). */
  dpopNonce?: boolean;
  /** The resource indicators (RFC 8707) its tokens may be issued for, which become their `aud`. */
  resources: string[];
  /** The scopes it issues (each also created as a glewlwyd scope). */
  scopes: string[];
}

/** A confidential client of the glewlwyd instance, registered through the admin API. */
export interface GlewlwydClientOptions {
  clientId: string;
  clientSecret?: string;
  /** glewlwyd's `token_endpoint_auth_method` list. */
  authMethods: Array<'client_secret_basic' | 'client_secret_post' | 'client_secret_jwt' | 'private_key_jwt'>;
  scopes: string[];
  /** Public keys for private_key_jwt; glewlwyd finds the key by the assertion's `kid`. */
  jwks?: { keys: object[] };
}

export interface RunningGlewlwyd {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The issuer identifier of a plugin instance (its discovery document lives under it). */
  issuer(plugin: string): string;
  tokenEndpoint(plugin: string): string;
  addPlugin(options: GlewlwydPluginOptions): Promise<void>;
  addClient(client: GlewlwydClientOptions): Promise<void>;
  /** Access tokens issued to a client so far, counted in glewlwyd's log (one line per token). */
  tokensIssued(clientId: string, plugin?: string): number;
  /** Token requests of a client that glewlwyd refused as unauthenticated, counted in its log. */
  refusals(clientId: string): number;
  close(): Promise<void>;
}

/** `glewlwyd` (GLEWLWYD_BIN, else on PATH) and `sqlite3`: both or a clear error naming the install command. */
function binaries(): { glewlwyd: string; sqlite3: string } {
  const glewlwyd = process.env.GLEWLWYD_BIN ?? 'glewlwyd';
  if (spawnSync(glewlwyd, ['--version'], { encoding: 'utf8' }).status !== 0) {
    throw new Error(`No glewlwyd found (tried '${glewlwyd}'). Install it: ${INSTALL} (or set GLEWLWYD_BIN).`);
  }
  if (spawnSync('sqlite3', ['-version'], { encoding: 'utf8' }).status !== 0) {
    throw new Error(`No sqlite3 found: glewlwyd's test database needs it. Install it: ${INSTALL}.`);
  }
  return { glewlwyd, sqlite3: 'sqlite3' };
}

function schema(): string {
  const file = SCHEMAS.find((path) => existsSync(path));
  if (file === undefined) {
    throw new Error(`glewlwyd's SQLite schema is missing (${SCHEMAS.join(', ')}). Reinstall it: ${INSTALL}.`);
  }
  const content = readFileSync(file);
  return (file.endsWith('.gz') ? gunzipSync(content) : content).toString('utf8');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The config file (libconfig syntax): loopback only, plain http, DEBUG log to a file the test reads. */
function configFile(port: number, dir: string): string {
  return [
    `port=${port}`,
    'bind_address="127.0.0.1"',
    `external_url="http://127.0.0.1:${port}"`,
    'api_prefix="api"',
    'log_mode="file"',
    'log_level="DEBUG"',
    `log_file="${join(dir, 'glewlwyd.log')}"`,
    'cookie_secure=0',
    'admin_scope="g_admin"',
    'profile_scope="g_profile"',
    `user_module_path="${MODULES}/user"`,
    `client_module_path="${MODULES}/client"`,
    `user_auth_scheme_module_path="${MODULES}/scheme"`,
    `plugin_module_path="${MODULES}/plugin"`,
    'hash_algorithm="SHA512"',
    `database = { type = "sqlite3" path = "${join(dir, 'glewlwyd.db')}" };`,
    'static_files_mime_types = ( { extension = ".json" mime_type = "application/json" } );',
    '',
  ].join('\n');
}

/**
 * A real glewlwyd (a C OAuth 2.0 / OpenID Connect server, Debian's `glewlwyd` package) on a free loopback port, started
 * and stopped by the test: its config file and SQLite database in a temp dir, configured through its admin API.
 */
export async function startGlewlwyd(): Promise<RunningGlewlwyd> {
  const bin = binaries();
  const dir = await mkdtemp(join(tmpdir(), 'atm-glewlwyd-'));
  const database = join(dir, 'glewlwyd.db');
  const created = spawnSync(bin.sqlite3, [database], { input: schema(), encoding: 'utf8' });
  if (created.status !== 0)
    throw new Error(`sqlite3 could not create glewlwyd's database: ${created.stderr}`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const configPath = join(dir, 'glewlwyd.conf');
  await writeFile(configPath, configFile(port, dir));

  // A clean environment: glewlwyd reads GLEWLWYD_* variables over its config file.
  const child: ChildProcess = spawn(bin.glewlwyd, [`--config-file=${configPath}`], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitUntilListening(url, child, () => stderr);
    const cookie = await login(url);
    const admin = adminClient(url, cookie);
    const log = () => {
      try {
        return readFileSync(join(dir, 'glewlwyd.log'), 'utf8');
      } catch {
        return '';
      }
    };
    const scopes = new Set<string>();
    const count = (pattern: string) =>
      log()
        .split('\n')
        .filter((line) => line.includes(pattern)).length;
    return {
      url,
      issuer: (plugin) => `${url}/api/${plugin}`,
      tokenEndpoint: (plugin) => `${url}/api/${plugin}/token`,
      addPlugin: async (options) => {
        // Scopes belong to the server, plugins share them.
        for (const scope of options.scopes.filter((name) => !scopes.has(name))) {
          await admin('POST', '/api/scope/', scopeOf(scope));
          scopes.add(scope);
        }
        await admin('POST', '/api/mod/plugin/', pluginOf(url, options));
      },
      addClient: (client) => admin('POST', '/api/client/', clientOf(client)),
      tokensIssued: (clientId, plugin) =>
        count(
          `${plugin === undefined ? '' : `Plugin '${plugin}' - `}Access token generated for client '${clientId}' with scope list`,
        ),
      refusals: (clientId) => count(`Security - Authorization invalid for client_id ${clientId} at`),
      close: stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitUntilListening(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) {
      throw new Error(`glewlwyd exited with code ${child.exitCode}: ${stderr().trim().slice(0, 500)}`);
    }
    try {
      await fetch(`${url}/api/scope/`, { signal: AbortSignal.timeout(500) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`glewlwyd did not answer at ${url}`);
}

async function login(url: string): Promise<string> {
  const response = await fetch(`${url}/api/auth/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  const cookie = response.headers.get('set-cookie')?.split(';')[0];
  if (response.status !== 200 || cookie === undefined) {
    throw new Error(`glewlwyd admin login failed with HTTP ${response.status}`);
  }
  return cookie;
}

function adminClient(url: string, cookie: string) {
  return async (method: string, path: string, body: unknown): Promise<void> => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify(body),
    });
    if (response.status !== 200) {
      throw new Error(`glewlwyd admin ${method} ${path}: HTTP ${response.status} ${await response.text()}`);
    }
  };
}

function scopeOf(name: string) {
  return { name, display_name: name, description: name, password_required: false };
}

function pluginOf(url: string, options: GlewlwydPluginOptions) {
  const kid = `${options.name}-signing`;
  const signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  return {
    module: 'oidc',
    name: options.name,
    display_name: options.name,
    enabled: true,
    parameters: {
      iss: `${url}/api/${options.name}`,
      'jwks-private': JSON.stringify({ keys: [{ ...signingKey, kid, alg: 'ES256', use: 'sig' }] }),
      'default-kid': kid,
      'access-token-duration': options.accessTokenSeconds ?? 300,
      'refresh-token-duration': 3600,
      'code-duration': 600,
      // The client credentials grant is a "non-OIDC" grant to glewlwyd's OIDC plugin.
      'allow-non-oidc': true,
      'auth-type-client-enabled': true,
      // JWT client assertions (client_secret_jwt, private_key_jwt), verified with the client's `jwks`.
      'request-parameter-allow': true,
      'client-jwks-parameter': 'jwks',
      'resource-allowed': true,
      'resource-scope': Object.fromEntries(options.scopes.map((scope) => [scope, options.resources])),
      'oauth-dpop-allowed': true,
      'oauth-dpop-iat-duration': 60,
      'oauth-dpop-nonce-mandatory': options.dpopNonce === true,
      // How many proofs one nonce serves before the server hands out the next.
      'oauth-dpop-nonce-counter': 5,
    },
  };
}

function clientOf(client: GlewlwydClientOptions) {
  return {
    client_id: client.clientId,
    name: client.clientId,
    confidential: true,
    enabled: true,
    ...(client.clientSecret !== undefined ? { client_secret: client.clientSecret } : {}),
    token_endpoint_auth_method: client.authMethods,
    authorization_type: ['client_credentials'],
    scope: client.scopes,
    redirect_uri: [],
    ...(client.jwks !== undefined ? { jwks: client.jwks } : {}),
  };
}
