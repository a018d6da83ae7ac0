/**
 * Benchmark: parsing a big manifests folder (generate-manifests.ts: by default 3,334 Ingresses, Services and
 * EndpointSlices, 10,000 objects in 100 objects a file; `--ingresses 10000` for 30,000), with the `yaml` package as the manifest parser uses it against
 * its other options and against what else node_modules holds (js-yaml, a transitive dependency; JSON.parse
 * for JSON manifests). Pure CPU, in process: each variant runs --runs times over every file, the median
 * CPU time is printed as ms for the folder and ms per 10k objects, and written to
 * dist/manifest-parse-result.json.
 *
 *   node dist/test/bench/manifest-parse.main.js [--ingresses 3334] [--runs 1] [--only TEXT] [--out FILE]
 * (`--only` runs the variants whose name contains TEXT.)
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Composer, LineCounter, Parser, parseAllDocuments } from 'yaml';
import { parseManifestEntries } from '../../src/sources/manifests/manifest-entries.js';
import { plainDocument } from '../../src/sources/manifests/yaml-plain-js.js';
import { duplicateKeyErrors } from '../../src/sources/manifests/yaml-unique-keys.js';
import { projectRoot } from '../../src/tools/envoy-binary.js';
import { generateInput, manifestFiles } from './generate-manifests.js';

interface JsYaml {
  loadAll(text: string): unknown[];
}

/** js-yaml when node_modules holds it (a dependency of @kubernetes/client-node, not of ours). */
function jsYaml(): JsYaml | undefined {
  try {
    return createRequire(import.meta.url)('js-yaml') as JsYaml;
  } catch {
    return undefined;
  }
}

type Variant = readonly [name: string, parse: (rel: string, text: string) => unknown];

function yamlVariants(): Variant[] {
  const opts = { merge: true, uniqueKeys: false } as const;
  return [
    [
      'yaml parseAllDocuments + toJS, options before this bench (prettyErrors, lineCounter, dup-key pass)',
      (_rel, text) => {
        const lineCounter = new LineCounter();
        const docs = parseAllDocuments(text, { ...opts, prettyErrors: true, lineCounter });
        return Array.isArray(docs)
          ? docs.map((d) => (duplicateKeyErrors(d, lineCounter).length, d.toJS({ maxAliasCount: 100 })))
          : [];
      },
    ],
    [
      'yaml parseAllDocuments + one walk to JS with the dup-key check (yaml-plain-js.ts, used now)',
      (_rel, text) => {
        const lineCounter = new LineCounter();
        const docs = parseAllDocuments(text, { ...opts, prettyErrors: true, lineCounter });
        return Array.isArray(docs) ? docs.map((d) => plainDocument(d, lineCounter, 100)) : [];
      },
    ],
    [
      'yaml parseAllDocuments + toJS, no prettyErrors / lineCounter / dup-key pass',
      (_rel, text) => {
        const docs = parseAllDocuments(text, opts);
        return Array.isArray(docs) ? docs.map((d) => d.toJS({ maxAliasCount: 100 })) : [];
      },
    ],
    [
      'yaml parseAllDocuments + toJS, library defaults (uniqueKeys on)',
      (_rel, text) => {
        const docs = parseAllDocuments(text);
        return Array.isArray(docs) ? docs.map((d) => d.toJS()) : [];
      },
    ],
    [
      "yaml parseAllDocuments + toJS, schema 'failsafe' (wrong: every scalar a string)",
      (_rel, text) => {
        const docs = parseAllDocuments(text, { ...opts, schema: 'failsafe' });
        return Array.isArray(docs) ? docs.map((d) => d.toJS()) : [];
      },
    ],
    [
      'yaml Parser + Composer (the same documents, lower level)',
      (_rel, text) => {
        const composer = new Composer(opts);
        const out = [...composer.compose(new Parser().parse(text))];
        return out.map((d) => d.toJS({ maxAliasCount: 100 }));
      },
    ],
    [
      'yaml parseAllDocuments only (no toJS)',
      (_rel, text) => parseAllDocuments(text, { ...opts, prettyErrors: true }),
    ],
    ['yaml Parser only (CST, no documents)', (_rel, text) => [...new Parser().parse(text)].length],
  ];
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** CPU milliseconds (user + system) of one pass over the files, median of `runs` (steadier than wall time on a shared machine). */
function timeVariant(files: ReadonlyMap<string, string>, parse: Variant[1], runs: number): number {
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    for (const [rel, text] of files) parse(rel, text);
    const c = process.cpuUsage(c0);
    samples.push((c.user + c.system) / 1000);
  }
  return median(samples);
}

function main(): void {
  const { values } = parseArgs({
    options: {
      ingresses: { type: 'string', default: '3334' },
      runs: { type: 'string', default: '1' },
      only: { type: 'string', default: '' },
      out: { type: 'string', default: path.join(projectRoot(), 'dist', 'manifest-parse-result.json') },
    },
  });
  const runs = Number(values.runs);
  const input = generateInput({
    ingresses: Number(values.ingresses),
    groups: 4,
    endpointsPerService: 10,
    namespaces: 10,
  });
  const objects = input.objects.length;
  const yamlFiles = manifestFiles(input.objects, 100);
  const jsonFiles = new Map(
    [...yamlFiles.keys()].map((rel, i) => [
      rel.replace(/\.yaml$/, '.json'),
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: input.objects.slice(i * 100, i * 100 + 100) }),
    ]),
  );
  const mb = (m: ReadonlyMap<string, string>): number =>
    [...m.values()].reduce((n, t) => n + Buffer.byteLength(t), 0) / 1024 / 1024;
  const js = jsYaml();
  const variants: [string, ReadonlyMap<string, string>, Variant[1]][] = [
    [
      'manifest parser as a whole (YAML): parse, validate, project, fingerprint',
      yamlFiles,
      (rel, t) => parseManifestEntries(rel, Buffer.from(t), 'local'),
    ],
    [
      'manifest parser as a whole (JSON files, kind: List)',
      jsonFiles,
      (rel, t) => parseManifestEntries(rel, Buffer.from(t), 'local'),
    ],
    ...yamlVariants().map(([n, p]): [string, ReadonlyMap<string, string>, Variant[1]] => [n, yamlFiles, p]),
    ...(js !== undefined
      ? [
          [
            'js-yaml loadAll (transitive dependency)',
            yamlFiles,
            (_r: string, t: string) => js.loadAll(t),
          ] as [string, ReadonlyMap<string, string>, Variant[1]],
        ]
      : []),
    ['JSON.parse (the same objects as JSON files)', jsonFiles, (_r, t) => JSON.parse(t) as unknown],
    [
      'yaml parseAllDocuments + toJS of the JSON files',
      jsonFiles,
      (_r, t) => {
        const docs = parseAllDocuments(t, { merge: true, uniqueKeys: false });
        return Array.isArray(docs) ? docs.map((d) => d.toJS()) : [];
      },
    ],
  ];
  process.stdout.write(
    `Manifest parse: ${objects} objects in ${yamlFiles.size} files (${mb(yamlFiles).toFixed(1)} MB YAML, ` +
      `${mb(jsonFiles).toFixed(1)} MB JSON), CPU ms, median of ${runs} runs, node ${process.version}\n`,
  );
  const results: { variant: string; ms: number; msPer10kObjects: number }[] = [];
  for (const [name, files, parse] of variants.filter(([n]) => n.includes(values.only))) {
    parse([...files.keys()][0]!, [...files.values()][0]!); // warm up
    const ms = timeVariant(files, parse, runs);
    const per10k = (ms * 10_000) / objects;
    results.push({ variant: name, ms: Math.round(ms), msPer10kObjects: Math.round(per10k) });
    process.stdout.write(
      `  ${String(Math.round(ms)).padStart(6)} ms  ${String(Math.round(per10k)).padStart(5)} ms/10k  ${name}\n`,
    );
  }
  fs.mkdirSync(path.dirname(values.out), { recursive: true });
  fs.writeFileSync(values.out, JSON.stringify({ objects, files: yamlFiles.size, runs, results }, null, 2));
}

main();
