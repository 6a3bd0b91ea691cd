import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { AccessTokenOptions, ClientCredentialsClientOptions } from './client-options.interface.js';
import { CLIENT_SUFFIXES, MODULE_VARIABLES } from './env-convention.js';
import type { Setting } from './setting.interface.js';
import { SETTINGS } from './settings.table.js';

/** The README's "Configuration by env" table, as cells: variable, option, default, meaning. */
function readmeEnvTable(): string[][] {
  const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((part) => part.startsWith('Configuration by env\n'));
  if (section === undefined) throw new Error('README.md has no "## Configuration by env" section');
  const rows = section.split('\n').filter((line) => line.startsWith('|'));
  // The header and the |---| line go; a cell may hold an escaped `\|`.
  return rows.slice(2).map((line) =>
    line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim()),
  );
}

/** A setting's row of that table, as the settings table says it must read. */
function readmeRow(row: Setting): string[] {
  const name = row.scope === 'module' ? `ACCESS_TOKEN_${row.env}` : `ACCESS_TOKEN_<NAME>_${row.env}`;
  const variable =
    row.env === undefined ? '—' : `\`${name}\`` + (row.file === 'variant' ? ` / \`_${row.env}_FILE\`` : '');
  const option = row.readmeOption ?? `\`${row.option}\``;
  const fallback = row.default === undefined ? (row.readmeDefault ?? '—') : `\`${row.default}\``;
  return [variable, option, fallback, row.doc];
}

/** Every option of the interfaces: the compiler holds these lists complete, the test below holds the table to them. */
const CLIENT_OPTIONS: Record<keyof ClientCredentialsClientOptions, true> = {
  tokenEndpoint: true,
  issuer: true,
  clientId: true,
  clientSecret: true,
  authMethod: true,
  scope: true,
  resource: true,
  parameters: true,
  baseURL: true,
  requestTimeoutMs: true,
  allowInsecureHttp: true,
  privateKey: true,
  privateKeyKid: true,
  clientAssertionCertificate: true,
  clientAssertionAlg: true,
  clientAssertionAudience: true,
  tlsCertificate: true,
  tlsKey: true,
  tlsCa: true,
  dpop: true,
  dpopPrivateKey: true,
  clientSecretFile: true,
  privateKeyFile: true,
  clientAssertionCertificateFile: true,
  tlsCertificateFile: true,
  tlsKeyFile: true,
  tlsCaFile: true,
  dpopPrivateKeyFile: true,
  clientAssertion: true,
  clientAssertionFile: true,
  proxyUrl: true,
  fetch: true,
};
const MODULE_OPTIONS: Record<keyof AccessTokenOptions, true> = {
  clients: true,
  refreshBeforeExpirySeconds: true,
  defaultLifetimeSeconds: true,
  cache: true,
  cacheKeyPrefix: true,
  cacheUrl: true,
  cacheClusterNodes: true,
  cacheSentinels: true,
  cacheSentinelMaster: true,
  cachePassword: true,
  cacheSentinelPassword: true,
  cacheEncryptionKey: true,
  allowPlaintextCache: true,
  refreshAhead: true,
  refreshJitter: true,
  backoffBaseMs: true,
  backoffMaxMs: true,
  expirySafetyMarginSeconds: true,
  maxCachedTokens: true,
  clientResolver: true,
  proxyUrl: true,
};

describe('the settings table', () => {
  it('has a row for every option of the client and module interfaces, and no other', () => {
    // A row that may come from a file also stands for its `<option>File` option.
    const options = (scope: Setting['scope']) =>
      SETTINGS.filter((row) => row.scope === scope)
        .flatMap((row) => (row.file !== undefined ? [row.option, `${row.option}File`] : [row.option]))
        .sort();
    expect(options('client')).toEqual(Object.keys(CLIENT_OPTIONS).sort());
    expect(options('module')).toEqual(Object.keys(MODULE_OPTIONS).sort());
  });

  it("is the README's env table: one row per setting, in order, with its variable, default and meaning", () => {
    // On a failure, the expected rows are the table's: edit the table or the README, then `npm run format`.
    expect(readmeEnvTable()).toEqual(SETTINGS.map(readmeRow));
  });

  it('names in the README every variable the env loader reads, the _FILE variants included', () => {
    const table = readmeEnvTable()
      .map(([variable]) => variable)
      .join('\n');
    for (const variable of MODULE_VARIABLES) expect(table).toContain(`\`${variable}\``);
    for (const suffix of CLIENT_SUFFIXES)
      expect(table).toMatch(new RegExp(`\`(ACCESS_TOKEN_<NAME>)?_${suffix}\``));
  });

  it('has one row per option and per env variable', () => {
    const options = SETTINGS.map((row) => `${row.scope}:${row.option}`);
    const variables = [...MODULE_VARIABLES, ...CLIENT_SUFFIXES];
    expect(new Set(options).size).toBe(options.length);
    expect(new Set(variables).size).toBe(variables.length);
  });

  it('gives each default in the form its setting takes, within its range', () => {
    for (const row of SETTINGS.filter((setting) => setting.default !== undefined)) {
      const type = { number: 'number', boolean: 'boolean' }[row.kind as string] ?? 'string';
      expect([row.option, typeof row.default]).toEqual([row.option, type]);
      if (row.kind === 'number') {
        const value = row.default as number;
        expect(value >= (row.min ?? -Infinity) && value <= (row.max ?? row.cap ?? Infinity)).toBe(true);
      }
      if (row.valid) expect([row.option, row.valid(row.default)]).toEqual([row.option, true]);
    }
  });
});
