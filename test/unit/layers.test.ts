import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Generated on install from prisma/schema.prisma: not ours to layer, though what imports it is. */
const GENERATED_ON_INSTALL = 'src/generated';

interface Layer {
  name: string;
  /** The src/ paths of the row's "where" column: a directory when it ends in "/", a file otherwise. */
  paths: string[];
}

/** The layer table of docs/architecture.md ("Layers"), top row first. */
function layerTable(): Layer[] {
  const text = readFileSync(path.join(ROOT, 'docs', 'architecture.md'), 'utf8');
  const section = /^## Layers\n([\s\S]*?)^## /m.exec(text)?.[1] ?? '';
  const rows = section.split('\n').filter((line) => line.startsWith('|'));
  // The first two lines are the header and its rule.
  return rows.slice(2).map((row) => {
    const [name, where] = row.split('|').slice(1, 3).map((cell) => cell.trim());
    return { name, paths: [...where.matchAll(/`(src\/[^`]*)`/g)].map((match) => match[1]) };
  });
}

function sourceFiles(dir = 'src'): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((name) => {
    const file = `${dir}/${name}`;
    if (file === GENERATED_ON_INSTALL) return [];
    if (statSync(path.join(ROOT, file)).isDirectory()) return sourceFiles(file);
    return name.endsWith('.ts') ? [file] : [];
  });
}

interface Import {
  file: string;
  specifier: string;
  /** The repository path a relative specifier points to (with .ts for .js); undefined for a package. */
  target?: string;
}

/** Static, side-effect, re-export and dynamic imports: `from '…'`, `import '…'`, `import('…')`. */
function importsOf(file: string): Import[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(/\b(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map(([, specifier]) => ({
    file,
    specifier,
    target: specifier.startsWith('.') ? path.posix.join(path.posix.dirname(file), specifier).replace(/\.js$/, '.ts') : undefined,
  }));
}

const layers = layerTable();

/** The index of the row naming `file` (the most specific path wins); -1 when no row does. */
function layerOf(file: string): number {
  let found = -1;
  let longest = 0;
  layers.forEach((layer, index) => {
    for (const where of layer.paths) {
      const matches = where.endsWith('/') ? file.startsWith(where) : file === where;
      if (matches && where.length > longest) [found, longest] = [index, where.length];
    }
  });
  return found;
}

const files = sourceFiles();
const imports = files.flatMap(importsOf);

describe('layers', () => {
  it('the table names every source file once, and names only paths that exist', () => {
    expect(layers.length).toBeGreaterThan(1);
    const problems = [
      ...layers.filter((layer) => layer.paths.length === 0).map((layer) => `row "${layer.name}" names no path under src/`),
      ...layers.flatMap((layer) => layer.paths.filter((where) => !existsSync(path.join(ROOT, where))).map((where) => `${where} (row "${layer.name}") does not exist`)),
      ...layers.flatMap((layer) => layer.paths).filter((where, index, all) => all.indexOf(where) !== index).map((where) => `${where} is in two rows`),
      ...files.filter((file) => layerOf(file) === -1).map((file) => `${file} is in no row of the table`),
    ];
    expect(problems).toEqual([]);
  });

  it('no import runs up the table', () => {
    const relative = imports.filter((entry) => entry.target?.startsWith('src/'));
    // Most files import several others: far fewer would mean the imports were not read.
    expect(relative.length).toBeGreaterThan(files.length);
    const upward = relative
      .filter((entry) => layerOf(entry.target!) < layerOf(entry.file))
      .map((entry) => `${entry.file} imports '${entry.specifier}': ${layers[layerOf(entry.file)].name} may not import from ${layers[layerOf(entry.target!)]?.name ?? 'a file in no layer'}, above it`);
    expect(upward).toEqual([]);
  });

  it('src/domain/ is pure: nothing from GraphQL, Prisma, Pothos, the database or any other layer', () => {
    const domain = imports.filter((entry) => entry.file.startsWith('src/domain/'));
    expect(domain.length).toBeGreaterThan(0);
    const impure = domain
      .filter((entry) => (entry.target ? !entry.target.startsWith('src/domain/') : /^(?:@?graphql|@prisma\/|prisma(?:\/|$)|@pothos\/)/.test(entry.specifier)))
      .map((entry) => `${entry.file} imports '${entry.specifier}'`);
    expect(impure).toEqual([]);
  });
});
