/**
 * `npm run bench` (issue 14, item 1): what one Ingress edit costs the controller at scale. 10,000
 * Ingresses (and Services, one EndpointSlice each) in 10 gateway groups (generate-manifests.ts); one
 * Ingress's annotation is edited again and again. Timed from the source's update (its ResourceSet
 * rebuild is the source's cost, not counted) to the SnapshotCache notifying the edited group, through
 * the real ControllerRunner, which translates again only the edited Ingress's group
 * (incremental-translate.ts, xds-reuse.ts, SnapshotCache.setGroups). Also times the from-scratch steps
 * (translate, translateXds, cache.setAll) on the same input: what every non-endpoint change cost before.
 * Measured on the shared 2-core machine (noisy): before, edit -> push p50 3.5 s (from scratch: translate
 * 1.2 s, translateXds 1.2 s, setAll 0.5 s); after, p50 0.76-0.93 s (two runs): one group of 1,000
 * Ingresses built (~0.26 s), translated to xDS (~0.29 s) and stored by the cache (~0.32 s; CPU profile).
 *
 *   node dist/test/bench/ingress-edit.main.js [--ingresses 10000] [--groups 10] [--edits 30] [--out FILE]
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { ControllerRunner } from '../../src/controller/runner.js';
import { createLogger } from '../../src/observability/logger.js';
import { ControllerMetrics } from '../../src/observability/metrics.js';
import type { Ingress } from '../../src/resources/kube-types.js';
import { buildResourceSet } from '../../src/resources/resource-set.js';
import { translate } from '../../src/translate/translate.js';
import { DEFAULT_TRANSLATE_OPTIONS } from '../../src/translate/translate-options.js';
import { SnapshotCache } from '../../xds/cache/snapshot-cache.js';
import { translateXds } from '../../xds/translator/xds.translator.js';
import { median, now, round, table } from './bench-harness.js';
import { generateInput, groupName } from './generate-manifests.js';
import { InMemorySource } from './in-memory-source.js';

const { values } = parseArgs({
  options: {
    ingresses: { type: 'string', default: '10000' },
    groups: { type: 'string', default: '10' },
    edits: { type: 'string', default: '30' },
    out: { type: 'string', default: 'dist/ingress-edit.json' },
  },
});
const ingresses = Number(values.ingresses);
const groups = Number(values.groups);
const edits = Number(values.edits);

const input = generateInput({ ingresses, groups, endpointsPerService: 2, namespaces: 10 });
const edited = input.ingresses[7]!;
const editedGroup = groupName(7 % groups);

/** The edited Ingress with idle timeout `seconds` (a route field: the group's route table changes). */
function withIdleTimeout(seconds: number): Ingress {
  const annotations = { ...edited.metadata.annotations, 'causeway.dev/idle-timeout': `${seconds}s` };
  return { ...edited, metadata: { ...edited.metadata, annotations } };
}

/** The from-scratch steps once: translate, translateXds, setAll (on a warm cache). */
function fromScratch(cache: SnapshotCache, k: number): { translate: number; xds: number; setAll: number } {
  const rs = buildResourceSet(
    input.objects.map((o) => ({
      object: o === edited ? withIdleTimeout(100 + k) : o,
      origin: { cluster: 'bench' },
    })),
  );
  const t0 = now();
  const result = translate(rs, DEFAULT_TRANSLATE_OPTIONS);
  const t1 = now();
  const xds = translateXds(result.ir);
  const t2 = now();
  cache.setAll(xds.resources);
  return { translate: t1 - t0, xds: t2 - t1, setAll: now() - t2 };
}

async function throughRunner(): Promise<number[]> {
  const source = new InMemorySource(input.objects);
  const cache = new SnapshotCache();
  const runner = new ControllerRunner({
    source,
    translateOptions: DEFAULT_TRANSLATE_OPTIONS,
    cache,
    metrics: new ControllerMetrics(),
    logger: createLogger({ level: 'warn', name: 'bench-controller', destination: 'stderr' }),
    minFlushGapMs: 0,
  });
  await runner.start();
  const samples: number[] = [];
  let notified: (() => void) | undefined;
  cache.subscribe(editedGroup, () => notified?.());
  for (let k = 0; k < edits + 3; k++) {
    const done = new Promise<void>((resolve) => (notified = resolve));
    const rebuildBefore = source.rebuildMs;
    const t0 = now();
    source.apply([withIdleTimeout(1 + (k % 50))]);
    await done;
    const ms = now() - t0 - (source.rebuildMs - rebuildBefore);
    if (k >= 3) samples.push(ms);
    await new Promise((r) => setTimeout(r, 5));
  }
  await runner.stop();
  return samples;
}

const cache = new SnapshotCache();
fromScratch(cache, 0);
const scratch = Array.from({ length: Math.min(edits, 7) }, (_, k) => fromScratch(cache, k + 1));
const runnerMs = await throughRunner();
const figures = {
  ingresses,
  groups,
  edits,
  fromScratchMs: {
    translate: round(median(scratch.map((s) => s.translate))),
    translateXds: round(median(scratch.map((s) => s.xds))),
    setAll: round(median(scratch.map((s) => s.setAll))),
    total: round(median(scratch.map((s) => s.translate + s.xds + s.setAll))),
  },
  runnerEditMs: {
    p50: round(median(runnerMs)),
    max: round(Math.max(...runnerMs)),
  },
};
console.log(
  `ingress-edit: ${ingresses} Ingresses in ${groups} groups, one Ingress annotation edited ${edits} times`,
);
console.log(
  table([
    ['step', 'median ms'],
    ['from scratch: translate', String(figures.fromScratchMs.translate)],
    ['from scratch: translateXds', String(figures.fromScratchMs.translateXds)],
    ['from scratch: cache.setAll', String(figures.fromScratchMs.setAll)],
    ['from scratch: total', String(figures.fromScratchMs.total)],
    ['runner: edit -> cache notifies (p50)', String(figures.runnerEditMs.p50)],
    ['runner: edit -> cache notifies (max)', String(figures.runnerEditMs.max)],
  ]),
);
fs.mkdirSync('dist', { recursive: true });
fs.writeFileSync(values.out, JSON.stringify(figures, null, 2));
