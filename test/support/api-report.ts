import { readFile } from 'node:fs/promises';
import ts from 'typescript';

/** One name the library's entry point exports. */
export interface PublicExport {
  name: string;
  /** `class`, `function`, `const`, `interface`, `type`... (`const, type` for a name that is both). */
  kind: string;
  /** Usable as a value at run time (not an export of types only). */
  value: boolean;
}

const KINDS: Array<[ts.SymbolFlags, string]> = [
  [ts.SymbolFlags.Class, 'class'],
  [ts.SymbolFlags.Function, 'function'],
  [ts.SymbolFlags.Enum, 'enum'],
  [ts.SymbolFlags.Variable, 'const'],
  [ts.SymbolFlags.Interface, 'interface'],
  [ts.SymbolFlags.TypeAlias, 'type'],
];

/** The exports of `entryPoint` as the TypeScript compiler sees them (re-exports resolved, `export *` expanded). */
export function readExports(entryPoint: string): PublicExport[] {
  const program = ts.createProgram([entryPoint], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    experimentalDecorators: true,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entryPoint);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (!moduleSymbol) throw new Error(`${entryPoint} is not a module the compiler can read`);
  return checker
    .getExportsOfModule(moduleSymbol)
    .map((symbol) => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const kind = KINDS.filter(([flag]) => target.flags & flag).map(([, name]) => name);
      const typeOnly = symbol.declarations?.some(isTypeOnlyExport) ?? false;
      return {
        name: symbol.name,
        kind: kind.join(', ') || 'unknown',
        value: !typeOnly && (target.flags & ts.SymbolFlags.Value) !== 0,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name, 'en'));
}

function isTypeOnlyExport(declaration: ts.Declaration): boolean {
  return (
    ts.isExportSpecifier(declaration) && (declaration.isTypeOnly || declaration.parent.parent.isTypeOnly)
  );
}

/** The committed report: the exports, values then types, one per line, so a diff shows each change. */
export function renderApiReport(packageName: string, exports: PublicExport[]): string {
  const list = (items: PublicExport[]) => items.map((item) => `- \`${item.name}\`: ${item.kind}`).join('\n');
  const values = exports.filter((item) => item.value);
  const types = exports.filter((item) => !item.value);
  return `# API report: ${packageName}

Every name \`src/index.ts\` exports, and what it is. \`test/library/public-api.spec.ts\` fails when this list, the
exports and the names in the README's "Public API" table differ. After a deliberate change to the public surface,
update the README's table and regenerate this file with
\`UPDATE_API_REPORT=1 npm test -- test/library/public-api.spec.ts\`; the diff is the change under review.

## Values (${values.length})

${list(values)}

## Types (${types.length})

${list(types)}
`;
}

/**
 * The names a README section's table documents: in each row's first cell, every code span's leading identifier
 * (`` `AccessTokenModule.forRoot(options)` `` documents `AccessTokenModule`).
 */
export async function documentedNames(readmePath: string, heading: string): Promise<string[]> {
  const lines = (await readFile(readmePath, 'utf8')).split('\n');
  const start = lines.indexOf(`## ${heading}`);
  if (start < 0) throw new Error(`${readmePath} has no "## ${heading}" section`);
  const end = lines.findIndex((line, index) => index > start && line.startsWith('## '));
  const rows = lines.slice(start + 1, end < 0 ? undefined : end).filter((line) => line.startsWith('|'));
  const names = new Set<string>();
  for (const row of rows.slice(2)) {
    const firstCell = row.split(/(?<!\\)\|/)[1] ?? '';
    for (const [, span] of firstCell.matchAll(/`([^`]+)`/g)) {
      const name = /^[A-Za-z_$][\w$]*/.exec(span!)?.[0];
      if (name) names.add(name);
    }
  }
  return [...names].sort((a, b) => a.localeCompare(b, 'en'));
}
