/**
 * `npm run bench` (issue 12): what route and backend policies cost. The same 1,000 Ingresses (and
 * 1,000 Services, 10,000 endpoints, 4 gateway groups) as bench.main.ts, translated twice: without any
 * policy annotation, and with every policy of the catalog on every Ingress and Service
 * (policy-annotations.ts: rewrite, headers, CORS, retries, compression, mirroring, timeouts, body cap;
 * ring-hash with cookie affinity, TLS to the backend with a CA Secret, health checks, outlier detection). Prints the median time of `translate` (objects -> IR) and `translateXds`
 * (IR -> Envoy resources) over several runs, the encoded xDS size per resource type, and the ratios.
 * Target: policies make translation at most 2x slower. A missed target is printed, not an error.
 *
 *   node dist/test/bench/policy-cost.main.js [--runs 15] [--out FILE]
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { Diagnostic } from '../../src/errors.js';
import { buildResourceSet, type ResourceSet } from '../../src/resources/resource-set.js';
import { ANNOTATIONS } from '../../src/translate/annotations.js';
import { translate } from '../../src/translate/translate.js';
import { DEFAULT_TRANSLATE_OPTIONS } from '../../src/translate/translate-options.js';
import { encodeResource } from '../../xds/protos/envoy-protos.js';
import { translateXds } from '../../xds/translator/xds.translator.js';
import { fmtBytes, fmtMs, median, now, round, SHORT, table } from './bench-harness.js';
import { generateInput, type GeneratedInput } from './generate-manifests.js';
import { NOT_A_POLICY, policyAnnotationNames, withPolicies } from './policy-annotations.js';
import { withEdgePolicies } from './edge-policy-annotations.js';
import { createTestCa } from '../support/tls-certs.js';

const TARGET_RATIO = 2;
const WARMUP = 3;

interface Variant {
  readonly name: string;
  readonly translateMs: number;
  readonly translateXdsMs: number;
  readonly totalMs: number;
  /** Encoded bytes per resource type (short name), and in all. */
  readonly bytes: Readonly<Record<string, number>>;
  readonly totalBytes: number;
  readonly routes: number;
  readonly diagnostics: readonly Diagnostic[];
}

function resourcesOf(input: GeneratedInput): ResourceSet {
  return buildResourceSet(input.objects.map((object) => ({ object, origin: { cluster: 'bench' } })));
}

function encodedBytes(xds: ReturnType<typeof translateXds>): Record<string, number> {
  const bytes: Record<string, number> = {};
  for (const group of xds.resources.values())
    for (const [type, list] of group) {
      const short = SHORT[type] ?? type.split('.').pop()!;
      for (const r of list) bytes[short] = (bytes[short] ?? 0) + encodeResource(type, r.resource).length;
    }
  return bytes;
}

interface Samples {
  readonly tr: number[];
  readonly tx: number[];
  last?: { readonly xds: ReturnType<typeof translateXds>; readonly diagnostics: readonly Diagnostic[] };
}

function once(resources: ResourceSet, into: Samples): void {
  const a = now();
  const t = translate(resources, DEFAULT_TRANSLATE_OPTIONS);
  const b = now();
  const xds = translateXds(t.ir);
  const c = now();
  into.tr.push(b - a);
  into.tx.push(c - b);
  into.last = { xds, diagnostics: t.diagnostics };
}

function variant(name: string, s: Samples): Variant {
  const bytes = encodedBytes(s.last!.xds);
  const routes = [...s.last!.xds.resources.values()]
    .flatMap((g) => [...g.values()].flat())
    .reduce((n, r) => n + countRoutes(r.resource), 0);
  return {
    name,
    translateMs: median(s.tr),
    translateXdsMs: median(s.tx),
    totalMs: median(s.tr.map((x, i) => x + s.tx[i]!)),
    bytes,
    totalBytes: Object.values(bytes).reduce((a, b) => a + b, 0),
    routes,
    diagnostics: s.last!.diagnostics,
  };
}

/** The input's objects as a ResourceSet: the same objects, or (fresh) deep copies of them. */
function resourcesFrom(input: GeneratedInput, fresh: boolean): ResourceSet {
  return resourcesOf(fresh ? { ...input, objects: structuredClone(input.objects) } : input);
}

/**
 * Both inputs translated in turns (after WARMUP turns that are not counted), so a busy moment of the
 * machine or a garbage collection weighs on both alike; medians of each. `fresh`: every run gets new
 * objects (as a cold start does; the copy is not timed), else the same objects every run (as a
 * translation after a change elsewhere: what did not change is the same object).
 */
function measure(
  plain: GeneratedInput,
  withAll: GeneratedInput,
  runs: number,
  fresh: boolean,
  label = 'policies on every route',
): [Variant, Variant] {
  const none: Samples = { tr: [], tx: [] };
  const all: Samples = { tr: [], tx: [] };
  const same = [resourcesFrom(plain, false), resourcesFrom(withAll, false)] as const;
  for (let i = 0; i < WARMUP + runs; i++) {
    const [a, b] = fresh ? [resourcesFrom(plain, true), resourcesFrom(withAll, true)] : same;
    const counted = i >= WARMUP;
    once(a, counted ? none : { tr: [], tx: [] });
    once(b, counted ? all : { tr: [], tx: [] });
  }
  return [variant('no policies', none), variant(label, all)];
}

function countRoutes(resource: object): number {
  const vhosts = (resource as { virtual_hosts?: { routes?: unknown[] }[] }).virtual_hosts ?? [];
  return vhosts.reduce((n, v) => n + (v.routes?.length ?? 0), 0);
}

/**
 * The edge policies (issue 13: source lists, basic auth, external auth, rate limits) on every route,
 * warm: alone, then with every traffic policy of issue 12 as well.
 */
function printEdgeVariant(plain: GeneratedInput, everything: GeneratedInput, runs: number): void {
  printEdgeTable(
    'edge policies (every route under source lists, basic auth, external auth and a per-client rate limit), warm:',
    measure(plain, withEdgePolicies(plain), runs, false, 'edge policies on every route'),
  );
  printEdgeTable(
    'every policy, traffic and edge, on every route (reported, no target), warm:',
    measure(plain, everything, runs, false, 'every policy on every route'),
  );
}

function printEdgeTable(title: string, [n, e]: readonly [Variant, Variant]): void {
  const ratio = (a: number, b: number): string => `${round(b / a, 2)}x`;
  console.log(title);
  console.log(
    table([
      ['', n.name, e.name, 'ratio'],
      ['translate (IR)', fmtMs(n.translateMs), fmtMs(e.translateMs), ratio(n.translateMs, e.translateMs)],
      [
        'translateXds',
        fmtMs(n.translateXdsMs),
        fmtMs(e.translateXdsMs),
        ratio(n.translateXdsMs, e.translateXdsMs),
      ],
      ['both', fmtMs(n.totalMs), fmtMs(e.totalMs), ratio(n.totalMs, e.totalMs)],
      ['xDS bytes, all', fmtBytes(n.totalBytes), fmtBytes(e.totalBytes), ratio(n.totalBytes, e.totalBytes)],
      ['diagnostics', String(n.diagnostics.length), String(e.diagnostics.length), ''],
    ]),
  );
}

/** Catalog entries the benchmark neither sets nor excludes: a new policy someone forgot to add. */
function uncovered(): string[] {
  const covered = new Set([...policyAnnotationNames(), ...NOT_A_POLICY]);
  return ANNOTATIONS.map((a) => a.name).filter((n) => !covered.has(n));
}

function main(): void {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '15' }, out: { type: 'string' } },
  });
  const runs = Number(values.runs);
  const plain = generateInput();
  const ca = createTestCa('policy-cost-bench-ca');
  const withAll = withPolicies(plain, ca.caCert);
  const everything = withPolicies(plain, ca.caCert, true);
  ca.remove();
  const [coldNone, coldAll] = measure(plain, withAll, runs, true);
  const [none, all] = measure(plain, withAll, runs, false);
  const types = [...new Set([...Object.keys(none.bytes), ...Object.keys(all.bytes)])].sort();
  const ratio = (a: number, b: number): string => `${round(b / a, 2)}x`;
  const times = (label: string, n: Variant, a: Variant): string[][] => [
    [
      `${label}: translate (IR)`,
      fmtMs(n.translateMs),
      fmtMs(a.translateMs),
      ratio(n.translateMs, a.translateMs),
    ],
    [
      `${label}: translateXds`,
      fmtMs(n.translateXdsMs),
      fmtMs(a.translateXdsMs),
      ratio(n.translateXdsMs, a.translateXdsMs),
    ],
    [`${label}: both`, fmtMs(n.totalMs), fmtMs(a.totalMs), ratio(n.totalMs, a.totalMs)],
  ];
  console.log(
    `policy cost: ${plain.counts.ingresses} Ingresses, ${plain.counts.paths} paths, ` +
      `${plain.counts.endpoints} endpoints, ${runs} runs (median); cold: new objects every run (a start), ` +
      'warm: the same objects (a translation after a change elsewhere)',
  );
  console.log(
    table([
      ['', none.name, all.name, 'ratio'],
      ...times('cold', coldNone, coldAll),
      ...times('warm', none, all),
      ['routes', String(none.routes), String(all.routes), ratio(none.routes, all.routes)],
      ...types.map((t) => [
        `xDS bytes ${t}`,
        fmtBytes(none.bytes[t] ?? 0),
        fmtBytes(all.bytes[t] ?? 0),
        ratio(none.bytes[t] ?? 1, all.bytes[t] ?? 0),
      ]),
      [
        'xDS bytes, all',
        fmtBytes(none.totalBytes),
        fmtBytes(all.totalBytes),
        ratio(none.totalBytes, all.totalBytes),
      ],
      ['diagnostics', String(none.diagnostics.length), String(all.diagnostics.length), ''],
    ]),
  );
  for (const [label, n, a] of [
    ['cold', coldNone, coldAll],
    ['warm', none, all],
  ] as const) {
    const r = a.totalMs / n.totalMs;
    console.log(
      `target (${label}): policies make translation at most ${TARGET_RATIO}x slower: ${round(r, 2)}x ` +
        (r <= TARGET_RATIO ? 'MET' : 'MISSED'),
    );
  }
  if (all.diagnostics.length > none.diagnostics.length)
    console.log(
      'unexpected diagnostics with policies:',
      all.diagnostics.slice(0, 5).map((d) => d.message),
    );
  printEdgeVariant(plain, everything, runs);
  const missing = uncovered();
  if (missing.length > 0) console.log(`catalog entries not exercised here: ${missing.join(', ')}`);
  if (values.out)
    fs.writeFileSync(
      values.out,
      JSON.stringify({ cold: { none: coldNone, all: coldAll }, warm: { none, all } }, null, 2),
    );
}

main();
