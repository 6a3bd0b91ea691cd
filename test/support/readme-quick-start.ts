import { readFile } from 'node:fs/promises';

/**
 * The README's quick start, as a user copies it: each fenced block that follows a `<!-- quick-start: NAME -->` marker.
 * NAME `install` is the shell block with the install commands; any other NAME is the path of a file in the app
 * (`.env`, `src/app.module.ts`). A file added to or removed from the quick start is a README-only change.
 */
export interface ReadmeQuickStart {
  /** The packages of the install line that installs the packed tarball, the tarball itself left out. */
  installs: string[];
  /** App-relative path -> content, in README order. */
  files: Map<string, string>;
}

const MARKER = /^<!-- quick-start: (\S+) -->$/;
const FENCE = /^```/;

export async function readQuickStart(readmePath: string): Promise<ReadmeQuickStart> {
  const lines = (await readFile(readmePath, 'utf8')).split('\n');
  const blocks = new Map<string, string>();
  for (let i = 0; i < lines.length; i++) {
    const name = MARKER.exec(lines[i]!)?.[1];
    if (!name) continue;
    // The block is the next fenced one; only its label (e.g. "`src/app.module.ts`:") may stand between.
    const open = lines.findIndex((line, j) => j > i && FENCE.test(line));
    const close = lines.findIndex((line, j) => j > open && line === '```');
    if (open < 0 || close < 0 || lines.slice(i + 1, open).some((line) => MARKER.test(line))) {
      throw new Error(`README.md: the quick-start marker ${name} has no fenced block after it`);
    }
    if (blocks.has(name)) throw new Error(`README.md has two quick-start blocks named ${name}`);
    blocks.set(name, `${lines.slice(open + 1, close).join('\n')}\n`);
    i = close;
  }
  const install = blocks.get('install');
  if (!install) throw new Error('README.md has no <!-- quick-start: install --> block');
  blocks.delete('install');
  if (blocks.size === 0) throw new Error('README.md has no <!-- quick-start: <file> --> blocks');
  return { installs: tarballInstallLine(install), files: blocks };
}

/** `npm install /path/x.tgz a b   # comment` -> `['a', 'b']`: the line users run today, before publication. */
function tarballInstallLine(block: string): string[] {
  const line = block
    .split('\n')
    .map((text) => text.replace(/#.*$/, '').trim())
    .find((text) => /^npm (install|i) /.test(text) && /\.tgz(\s|$)/.test(text));
  if (!line) throw new Error('the quick-start install block has no `npm install <tarball>.tgz ...` line');
  return line
    .split(/\s+/)
    .slice(2)
    .filter((word) => !word.startsWith('-') && !word.endsWith('.tgz'));
}
