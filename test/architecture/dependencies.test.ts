/**
 * The layering of the code base, checked on the real import graph (test/architecture/import-graph.ts):
 * no file cycle, no folder cycle (per folder and per area such as `src/alb`), and the pure stages know
 * nothing of Envoy: `src/translate`, `src/ingress` and `src/ir` never import `xds/`; the shared Ingress
 * reader and the ALB build and plan never import the gateway translator or its IR.
 */
import { fileURLToPath } from 'node:url';
import {
  areaOf,
  collapse,
  cycles,
  folderOf,
  forbiddenImports,
  readImportGraph,
  type ForbiddenImport,
} from './import-graph.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const graph = readImportGraph(root);

const RULES: readonly ForbiddenImport[] = [
  { from: 'src/translate', mustNotImport: 'xds' },
  { from: 'src/ingress', mustNotImport: 'xds' },
  { from: 'src/ir', mustNotImport: 'xds' },
  { from: 'src/ingress', mustNotImport: 'src/translate' },
  { from: 'src/ingress', mustNotImport: 'src/ir' },
  { from: 'src/ingress', mustNotImport: 'src/alb' },
  ...['src/alb/model', 'src/alb/build', 'src/alb/plan'].flatMap((from) => [
    { from, mustNotImport: 'src/translate' },
    { from, mustNotImport: 'src/ir' },
  ]),
  { from: 'src/alb', mustNotImport: 'src/controller' },
  // Gateway API semantics sit beside src/ingress: pure, below the translator and its IR.
  ...['xds', 'src/translate', 'src/ir', 'src/alb'].map((to) => ({
    from: 'src/gateway-api',
    mustNotImport: to,
  })),
];

test('the graph is read from the sources (a broken reader would make every check below pass)', () => {
  expect(graph.length).toBeGreaterThan(200);
  expect(graph).toContainEqual({ from: 'src/controller/runner.ts', to: 'src/translate/translate.ts' });
});

test('no file imports itself through other files', () => {
  expect(cycles(graph)).toEqual([]);
});

test('no folder cycle', () => {
  expect(cycles(collapse(graph, folderOf))).toEqual([]);
});

test('no area cycle (src/alb, src/kubernetes, xds/server, ...)', () => {
  expect(cycles(collapse(graph, areaOf))).toEqual([]);
});

test('the pure stages import no Envoy code, and ALB mode no gateway IR', () => {
  expect(forbiddenImports(graph, RULES)).toEqual([]);
});

test('the checks fail on a cycle and on a forbidden import', () => {
  const edges = [
    { from: 'src/a/x.ts', to: 'src/b/y.ts' },
    { from: 'src/b/y.ts', to: 'src/b/z.ts' },
    { from: 'src/b/z.ts', to: 'src/a/w.ts' },
    { from: 'src/translate/t.ts', to: 'xds/translator/u.ts' },
  ];
  expect(cycles(edges)).toEqual([]);
  expect(cycles(collapse(edges, folderOf))).toEqual([['src/a', 'src/b']]);
  expect(cycles([...edges, { from: 'src/a/w.ts', to: 'src/a/x.ts' }])).toEqual([
    ['src/a/w.ts', 'src/a/x.ts', 'src/b/y.ts', 'src/b/z.ts'],
  ]);
  expect(forbiddenImports(edges, RULES)).toEqual(['src/translate/t.ts -> xds/translator/u.ts']);
});
