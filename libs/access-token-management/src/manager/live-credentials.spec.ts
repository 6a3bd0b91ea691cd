import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { validateAccessTokenOptions } from '../config/options.validation.js';
import type { TokenLogger } from '../token-logger.js';
import { LiveCredentials } from './live-credentials.js';

const pem = () =>
  generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;

/** The change check on real files: what counts as a change, what is kept when a file goes bad, what is logged. */
describe('LiveCredentials', () => {
  let dir: string;
  const warnings: string[] = [];
  const logger: TokenLogger = { log: () => undefined, warn: (line) => void warnings.push(line) };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'atm-live-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function live(files: Record<string, string>, client: Record<string, unknown>) {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    const options = validateAccessTokenOptions({
      clients: {
        orders: { tokenEndpoint: 'https://login.example.com/token', clientId: 'orders', ...client },
      },
    });
    const source = options.clients.get('orders')!.credentials!;
    return new LiveCredentials(source, 'orders', logger);
  }

  it('sees no change in a file rewritten with the same content, and the new secret in one with another', () => {
    const file = join(dir, 'secret');
    const credentials = live({ secret: 'first\n' }, { clientSecretFile: file });
    expect(credentials.check()).toBeUndefined();
    writeFileSync(file, 'first\n');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(credentials.check()).toBeUndefined();
    writeFileSync(file, 'second\n');
    utimesSync(file, new Date(), new Date(Date.now() + 10_000));
    const changed = credentials.check();
    expect(changed?.authentication.clientSecret).toBe('second');
    expect([...(changed?.changed ?? [])]).toEqual(['clientSecret']);
    expect(credentials.check()).toBeUndefined();
  });

  it('keeps the last good key while the file holds an unusable one, warning once, and takes the next good one', () => {
    const file = join(dir, 'key.pem');
    warnings.length = 0;
    const credentials = live({ 'key.pem': pem() }, { authMethod: 'private_key_jwt', privateKeyFile: file });
    writeFileSync(file, '-----BEGIN PRIVATE KEY-----\nhalf written');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(credentials.check()).toBeUndefined();
    expect(credentials.check()).toBeUndefined();
    expect(warnings).toEqual([
      "Credential file of client 'orders': clients.orders.privateKeyFile holds a value that cannot be used; " +
        'the value read before stays in use',
    ]);
    expect(credentials.problem).toBe('clients.orders.privateKeyFile holds a value that cannot be used');
    expect(warnings.join()).not.toContain('half written');

    writeFileSync(file, pem());
    utimesSync(file, new Date(), new Date(Date.now() + 10_000));
    expect(credentials.check()?.authentication.clientAssertionKey).toBeDefined();
    expect(credentials.problem).toBeUndefined();
  });
});
