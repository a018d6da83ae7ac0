/**
 * The project's import graph, read from the sources (no compiler needed): every relative `import`/`export
 * ... from` and dynamic `import()` of the product code under `src/` and `xds/` (tests and `testdata/` are
 * left out: a test may reach anywhere for a fixture). Pure helpers find cycles (Tarjan's strongly
 * connected components) among files and among folders, and edges that break a layering rule.
 */
import fs from 'node:fs';
import path from 'node:path';

/** One import: `from` imports `to` (both paths relative to the project root, `/`-separated). */
export interface ImportEdge {
  readonly from: string;
  readonly to: string;
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)'(\.{1,2}\/[^']+)'/g;

function isProductFile(rel: string): boolean {
  return (
    rel.endsWith('.ts') && !rel.endsWith('.test.ts') && !rel.endsWith('.d.ts') && !rel.includes('/testdata/')
  );
}

function listFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...listFiles(root, rel));
    else if (isProductFile(rel)) out.push(rel);
  }
  return out;
}

/** Every import between product files under `dirs` (default `src` and `xds`), sorted. */
export function readImportGraph(root: string, dirs: readonly string[] = ['src', 'xds']): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const from of dirs.flatMap((d) => listFiles(root, d))) {
    const text = fs.readFileSync(path.join(root, from), 'utf8');
    for (const m of text.matchAll(SPECIFIER)) {
      const target = path.posix
        .normalize(path.posix.join(path.posix.dirname(from), m[1]!))
        .replace(/\.js$/, '.ts');
      if (isProductFile(target)) edges.push({ from, to: target });
    }
  }
  return edges.sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
}

/** The folder of a file (`src/alb/build/x.ts` -> `src/alb/build`). */
export function folderOf(file: string): string {
  return path.posix.dirname(file);
}

/** The area of a file: its first two path segments (`src/alb/build/x.ts` -> `src/alb`; `src/errors.ts` -> `src`). */
export function areaOf(file: string): string {
  return path.posix.dirname(file).split('/').slice(0, 2).join('/');
}

/** The graph with every node renamed by `nodeOf`, self-edges dropped. */
export function collapse(edges: readonly ImportEdge[], nodeOf: (file: string) => string): ImportEdge[] {
  const seen = new Map<string, ImportEdge>();
  for (const e of edges) {
    const from = nodeOf(e.from);
    const to = nodeOf(e.to);
    if (from !== to) seen.set(`${from}\0${to}`, { from, to });
  }
  return [...seen.values()];
}

/** Strongly connected components of more than one node (each one a cycle), sorted. */
export function cycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const nodes = [...new Set(edges.flatMap((e) => [e.from, e.to]))].sort();
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) found.push(component.sort());
  };
  for (const v of nodes) if (!index.has(v)) visit(v);
  return found.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** A layering rule: no file under `from` may import a file under `mustNotImport`. */
export interface ForbiddenImport {
  readonly from: string;
  readonly mustNotImport: string;
}

/** The imports that break one of the rules, as `from -> to` lines. */
export function forbiddenImports(edges: readonly ImportEdge[], rules: readonly ForbiddenImport[]): string[] {
  const under = (file: string, dir: string): boolean => file === dir || file.startsWith(`${dir}/`);
  return edges
    .filter((e) => rules.some((r) => under(e.from, r.from) && under(e.to, r.mustNotImport)))
    .map((e) => `${e.from} -> ${e.to}`);
}
