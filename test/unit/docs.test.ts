import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kind, parse, print, type DefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SKIP = new Set(['node_modules', 'dist', 'data', 'test-artifacts']);

/** README.md, docs/**, bench/README.md: every Markdown file of the repository. */
function markdownFiles(dir = ROOT): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (name.startsWith('.') || SKIP.has(name)) return [];
    if (statSync(full).isDirectory()) return markdownFiles(full);
    return name.endsWith('.md') ? [full] : [];
  });
}

/** The text outside fenced code blocks, line by line (code is not Markdown: no links, no headings). */
function prose(text: string): string[] {
  let fenced = false;
  return text.split('\n').map((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return '';
    }
    return fenced ? '' : line;
  });
}

/** The fenced code blocks of a file with their language. */
function codeBlocks(text: string): { lang: string; code: string }[] {
  return [...text.matchAll(/^```(\w*)[^\n]*\n([\s\S]*?)^```/gm)].map((match) => ({ lang: match[1], code: match[2] }));
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes; repeats get -1, -2. */
function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of prose(readFileSync(file, 'utf8'))) {
    for (const match of line.matchAll(/\b(?:id|name)="([^"]+)"/g)) anchors.add(match[1]);
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const text = heading.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/<[^>]+>/g, '');
    const slug = text.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').trim().replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** Link targets: inline links and images, reference definitions, and HTML src/href. */
function linkTargets(file: string): string[] {
  const lines = prose(readFileSync(file, 'utf8')).map((line) => line.replace(/`[^`]*`/g, ''));
  return lines.flatMap((line) => [
    ...[...line.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1]),
    ...[...line.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/g)].map((match) => match[1]),
    ...[...line.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((match) => match[1]),
  ]);
}

const inside = (target: string) => {
  const relative = path.relative(ROOT, target);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
};

const files = markdownFiles();
const label = (file: string) => path.relative(ROOT, file);

describe('documentation', () => {
  it('finds the README and the docs', () => {
    expect(files.map(label)).toContain('README.md');
  });

  it.each(files.map((file) => [label(file), file]))('%s: every relative link leads to a file (and anchor) in the repository', (_name, file) => {
    const broken: string[] = [];
    for (const target of linkTargets(file)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue;
      const [rawPath, anchor] = target.split('#', 2);
      const decoded = decodeURIComponent(rawPath);
      const resolved = decoded === '' ? file : decoded.startsWith('/') ? path.join(ROOT, decoded) : path.resolve(path.dirname(file), decoded);
      if (!inside(resolved)) broken.push(`${target}: outside the repository`);
      else if (!existsSync(resolved)) broken.push(`${target}: no such file`);
      else if (anchor && resolved.endsWith('.md') && !anchorsOf(resolved).has(anchor)) broken.push(`${target}: no such heading`);
    }
    expect(broken).toEqual([]);
  });

  it.each(files.map((file) => [label(file), file]))('%s names no file outside the repository', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    const outside = [
      ...[...text.matchAll(/\.\.\/shared\b[^\s`)'"]*/g)].map((match) => match[0]),
      ...[...text.matchAll(/(?<![\w.])(?:\.\.\/)+[\w.-][^\s`)'"]*/g)]
        .map((match) => match[0])
        .filter((mention) => !inside(path.resolve(path.dirname(file), mention))),
    ];
    expect([...new Set(outside)]).toEqual([]);
  });

  it("README's GraphQL examples are operations of schema/operations, unchanged", () => {
    const known = new Map<string, string>();
    for (const file of readdirSync(path.join(ROOT, 'schema', 'operations')).filter((name) => name.endsWith('.graphql'))) {
      for (const definition of parse(readFileSync(path.join(ROOT, 'schema', 'operations', file), 'utf8')).definitions) {
        if ('name' in definition && definition.name) known.set(definition.name.value, print(definition));
      }
    }
    expect(known.size).toBeGreaterThan(0);
    const differing: string[] = [];
    for (const block of codeBlocks(readFileSync(path.join(ROOT, 'README.md'), 'utf8')).filter((block) => block.lang === 'graphql')) {
      for (const definition of parse(block.code).definitions as DefinitionNode[]) {
        const name = 'name' in definition && definition.name ? definition.name.value : '(anonymous)';
        const isExecutable = definition.kind === Kind.OPERATION_DEFINITION || definition.kind === Kind.FRAGMENT_DEFINITION;
        if (!isExecutable || known.get(name) !== print(definition)) differing.push(name);
      }
    }
    expect(differing, 'copy these from schema/operations/*.graphql (or add them there)').toEqual([]);
  });
});
