import { describe, expect, it } from '@jest/globals';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import { documentedNames, readExports, renderApiReport } from '../support/api-report.js';

const LIBRARY = fileURLToPath(new URL('../../libs/access-token-management/', import.meta.url));
const ENTRY_POINT = `${LIBRARY}src/index.ts`;
const CORE_ENTRY_POINT = `${LIBRARY}src/core.ts`;
const REPORT = `${LIBRARY}api-report.md`;
const README = fileURLToPath(new URL('../../README.md', import.meta.url));

/**
 * The public surface is deliberate: `src/index.ts` exports exactly the names the README's "Public API" table
 * documents, and the committed api-report.md lists them (values and types), so that any change shows in review.
 */
describe('the public API', () => {
  const exports = readExports(ENTRY_POINT);

  it('is what api-report.md lists (UPDATE_API_REPORT=1 rewrites it after a deliberate change)', async () => {
    const report = renderApiReport('nestjs-access-token-management', exports);
    if (process.env.UPDATE_API_REPORT === '1') await writeFile(REPORT, report);
    expect(report).toBe(await readFile(REPORT, 'utf8'));
  });

  it("exports every name of the README's Public API table, and no other", async () => {
    const documented = await documentedNames(README, 'Public API');
    const exported = exports.map((item) => item.name);
    expect({
      exportedButNotDocumented: exported.filter((name) => !documented.includes(name)),
      documentedButNotExported: documented.filter((name) => !exported.includes(name)),
    }).toEqual({ exportedButNotDocumented: [], documentedButNotExported: [] });
  });

  it('has a /core entry with every name but those the README lists as the Nest layer, which the package declares', async () => {
    const exported = exports.map((item) => item.name);
    const core = readExports(CORE_ENTRY_POINT).map((item) => item.name);
    const readme = await readFile(README, 'utf8');
    const paragraph = /^Not in `\/core` \(the Nest layer\):([^]*?)\n\n/m.exec(readme)?.[1] ?? '';
    const nestLayer = [...paragraph.matchAll(/`([^`]+)`/g)].map(([, name]) => name!);
    expect({
      inCoreOnly: core.filter((name) => !exported.includes(name)),
      nestLayer: exported.filter((name) => !core.includes(name)).sort(),
    }).toEqual({ inCoreOnly: [], nestLayer: nestLayer.sort() });
    const manifest = JSON.parse(await readFile(`${LIBRARY}package.json`, 'utf8')) as {
      exports: Record<string, unknown>;
    };
    expect(manifest.exports['./core']).toEqual({
      types: './dist/core.d.ts',
      import: './dist/core.js',
      default: './dist/core.js',
    });
  });
});
