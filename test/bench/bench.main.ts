/**
 * `npm run bench`: the controller under load, end to end over real gRPC on 127.0.0.1.
 *
 * Input (generate-manifests.ts): 1,000 Ingresses over 4 gateway groups, 1,000 Services, 1,000
 * EndpointSlices with 10 endpoints each, one IngressClass; fed to the real ControllerRunner through an
 * in-memory ResourceSource. 100 simulated Delta xDS gateways (simulated-gateways.ts, 25 per group) in a
 * child process by default. Wired as `runController` wires it (metrics, SnapshotCache, ADS server).
 *
 * Measures: cold start (runner.start() -> every gateway ACKed every type it subscribes to), endpoint
 * change latency (apply -> last gateway of the group ACKed the new ClusterLoadAssignment) over sequential
 * changes, bytes per change, memory, and the time of a full translation. Prints a table and writes
 * dist/bench-result.json. Figures are printed as measured; a missed target is reported, not an error.
 *
 *   node dist/test/bench/bench.main.js [--changes 200] [--gateways-per-group 25] [--in-process]
 *                                     [--connections own|N] [--no-manifests] [--out FILE]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ManifestsSource } from '../../src/sources/manifests/manifests-source.js';
import { translate } from '../../src/translate/translate.js';
import { DEFAULT_TRANSLATE_OPTIONS } from '../../src/translate/translate-options.js';
import { SnapshotCache } from '../../xds/cache/snapshot-cache.js';
import { translateXds } from '../../xds/translator/xds.translator.js';
import {
  awaitGroupsEdsAck,
  gatewaysByGroup,
  GATEWAY_TYPES,
  SHORT,
  coldStart,
  fmtBytes,
  fmtMs,
  median,
  memory,
  now,
  round,
  startHarness,
  summary,
  table,
  withTimeout,
  type ColdStart,
  type Harness,
  type HarnessOptions,
} from './bench-harness.js';
import { endpointSlice, generateInput, manifestFiles, type GeneratedInput } from './generate-manifests.js';
import { InMemorySource } from './in-memory-source.js';
import type { FleetStats } from './simulated-gateways.js';

const TARGET_ENDPOINT_P99_MS = 50;
const TARGET_COLD_START_MS = 5000;
const CHANGE_TIMEOUT_MS = 10_000;

// ---------------------------------------------------------------------------------------------------
// Endpoint changes

interface ChangeSample {
  service: number;
  groups: string[];
  /** apply() -> the last gateway of the affected group(s) ACKed the new ClusterLoadAssignment. */
  totalMs: number;
  /** apply() -> the new snapshot stored in the cache (a lone change is applied at once: flush-throttle.ts). */
  toCacheMs: number;
  /** apply() -> the last push of the change written. */
  toLastPushMs: number;
  pushes: number;
  pushedResourceBytes: number;
}

async function endpointChanges(
  h: Harness,
  source: InMemorySource,
  input: GeneratedInput,
  n: number,
): Promise<ChangeSample[]> {
  const o = input.options;
  const nServices = input.services.length;
  const flipped = Array.from({ length: nServices }, () => new Set<number>());
  const samples: ChangeSample[] = [];
  const groupMembers = gatewaysByGroup(h);
  for (let i = 0; i < n; i++) {
    // Spread the changes over Services (and so over groups); 7919 is prime, so all Services come up.
    const s = (i * 7919 + 13) % nServices;
    const e = i % o.endpointsPerService;
    const set = flipped[s]!;
    if (set.has(e)) set.delete(e);
    else set.add(e);
    const slice = endpointSlice(s, o, set);
    const groups = [...input.serviceGroups[s]!];
    const { finished, cacheBefore } = awaitGroupsEdsAck(h, groups, groupMembers);
    h.board.resetPushes();
    const t0 = now();
    source.apply([slice]);
    await withTimeout(finished, CHANGE_TIMEOUT_MS, `endpoint change ${i} (Service ${s})`);
    const t1 = now();
    const cachedAt = Math.max(
      ...groups.map((g) => {
        const at = h.cacheUpdatedAt.get(g);
        return at !== undefined && at !== cacheBefore.get(g) ? at : NaN;
      }),
    );
    samples.push({
      service: s,
      groups,
      totalMs: t1 - t0,
      toCacheMs: cachedAt - t0,
      toLastPushMs: (h.board.lastPushAt ?? NaN) - t0,
      pushes: h.board.pushes,
      pushedResourceBytes: h.board.pushBytes,
    });
  }
  return samples;
}

// ---------------------------------------------------------------------------------------------------
// Full translation, without the server

interface FullTranslation {
  runs: number;
  /** Median ms of each stage; `setAllCold` encodes everything (new cache), `setAllWarm` finds every
   *  resource unchanged (same cache, same input: the path of an Ingress change that changes little). */
  translateMs: number;
  translateXdsMs: number;
  setAllColdMs: number;
  setAllWarmMs: number;
  /** translate + translateXds + setAll (cold), median of the sums. */
  totalColdMs: number;
  totalWarmMs: number;
  resources: Record<string, number>;
  encodedBytes: number;
}

async function fullTranslation(source: InMemorySource, runs: number): Promise<FullTranslation> {
  const { resources } = await source.load();
  const t: Record<'tr' | 'xds' | 'cold' | 'warm' | 'sumCold' | 'sumWarm', number[]> = {
    tr: [],
    xds: [],
    cold: [],
    warm: [],
    sumCold: [],
    sumWarm: [],
  };
  const warmCache = new SnapshotCache();
  warmCache.setAll(translateXds(translate(resources, DEFAULT_TRANSLATE_OPTIONS).ir).resources);
  let last: SnapshotCache | undefined;
  for (let i = 0; i < runs; i++) {
    const a = now();
    const ir = translate(resources, DEFAULT_TRANSLATE_OPTIONS).ir;
    const b = now();
    const xds = translateXds(ir).resources;
    const c = now();
    const cold = new SnapshotCache();
    cold.setAll(xds);
    const d = now();
    // Warm: the three stages again, onto the cache that already holds this input.
    const e = now();
    const ir2 = translate(resources, DEFAULT_TRANSLATE_OPTIONS).ir;
    const xds2 = translateXds(ir2).resources;
    const f = now();
    warmCache.setAll(xds2);
    const g = now();
    t.tr.push(b - a);
    t.xds.push(c - b);
    t.cold.push(d - c);
    t.warm.push(g - f);
    t.sumCold.push(d - a);
    t.sumWarm.push(g - e);
    last = cold;
  }
  const counts: Record<string, number> = {};
  let encodedBytes = 0;
  for (const group of last?.groups() ?? []) {
    for (const [typeUrl, ts] of last!.snapshot(group).types) {
      const k = SHORT[typeUrl] ?? 'SDS';
      counts[k] = (counts[k] ?? 0) + ts.resources.size;
      for (const r of ts.resources.values()) encodedBytes += r.value.byteLength;
    }
  }
  return {
    runs,
    translateMs: round(median(t.tr)),
    translateXdsMs: round(median(t.xds)),
    setAllColdMs: round(median(t.cold)),
    setAllWarmMs: round(median(t.warm)),
    totalColdMs: round(median(t.sumCold)),
    totalWarmMs: round(median(t.sumWarm)),
    resources: counts,
    encodedBytes,
  };
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      changes: { type: 'string', default: '200' },
      'gateways-per-group': { type: 'string', default: '25' },
      'in-process': { type: 'boolean', default: false },
      connections: { type: 'string', default: 'own' },
      'no-manifests': { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  const changes = Number(args.changes);
  const gatewaysPerGroup = Number(args['gateways-per-group']);
  const connections = args.connections === 'own' ? 'own' : Number(args.connections);
  if (!Number.isInteger(changes) || changes < 1) throw new Error('--changes: a positive integer');
  if (!Number.isInteger(gatewaysPerGroup) || gatewaysPerGroup < 1)
    throw new Error('--gateways-per-group: a positive integer');
  if (connections !== 'own' && !(Number.isInteger(connections) && connections > 0))
    throw new Error('--connections: own or a positive integer');
  const distDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const outFile = args.out ?? path.join(distDir, 'bench-result.json');
  const started = now();

  const tg = now();
  const input = generateInput();
  const generateMs = now() - tg;
  const hopts: HarnessOptions = {
    groups: input.groupNames,
    gatewaysPerGroup,
    inProcess: args['in-process'],
    connections,
  };
  const nGateways = input.groupNames.length * gatewaysPerGroup;
  process.stderr.write(
    `bench: ${input.counts.ingresses} Ingresses (${input.counts.paths} paths), ${input.counts.services} Services, ` +
      `${input.counts.endpoints} endpoints in ${input.counts.endpointSlices} EndpointSlices, ` +
      `${input.groupNames.length} groups; ${nGateways} gateways (${hopts.inProcess ? 'in-process' : 'child process'}, ` +
      `${connections === 'own' ? 'one connection each' : `${connections} shared connections`})\n`,
  );

  // 1. Cold start through the in-memory source, then endpoint changes on the same controller.
  const memBefore = memory();
  const source = new InMemorySource(input.objects);
  const h = await startHarness(source, hopts);
  process.stderr.write(`bench: ${nGateways} gateway streams open; starting the runner\n`);
  const cold = await coldStart(h);
  const memCold = memory();
  process.stderr.write(`bench: cold start ${fmtMs(cold.totalMs)}; ${changes} endpoint changes\n`);

  const statsBeforeChanges = await h.fleet.stats();
  const rebuildBefore = source.rebuildMs;
  const tc = now();
  const samples = await endpointChanges(h, source, input, changes);
  const changesWallMs = now() - tc;
  const statsAfterChanges = await h.fleet.stats();
  const sourceRebuildMs = (source.rebuildMs - rebuildBefore) / changes;
  const memEnd = memory();
  const fleetStats: FleetStats = statsAfterChanges;
  const nacks = h.board.nacks;
  await h.stop();
  if (fleetStats.streamErrors > 0)
    throw new Error(`gateway streams failed: ${fleetStats.errorDetails.join('; ')}`);
  if (nacks > 0) throw new Error(`${nacks} NACKs from the simulated gateways`);

  // 2. Full translation of the same input, without the server.
  process.stderr.write('bench: full translation timing\n');
  const full = await fullTranslation(source, 5);

  // 3. Optional: cold start through a real manifests folder (JIT already warm: see the note).
  let manifests: { files: number; objects: number; coldStart: ColdStart } | undefined;
  if (!args['no-manifests']) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-bench-'));
    try {
      const files = manifestFiles(input.objects, 100);
      for (const [name, text] of files) fs.writeFileSync(path.join(dir, name), text);
      process.stderr.write(`bench: cold start from a manifests folder (${files.size} files)\n`);
      const ms = new ManifestsSource({ dir, rescanIntervalMs: 0 });
      const hm = await startHarness(ms, hopts);
      const c = await coldStart(hm);
      await hm.stop();
      manifests = { files: files.size, objects: input.objects.length, coldStart: c };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  // ---- Report
  const total = summary(samples.map((s) => s.totalMs));
  const toCache = summary(samples.map((s) => s.toCacheMs));
  const toPush = summary(samples.map((s) => s.toLastPushMs));
  const bytes = summary(samples.map((s) => s.pushedResourceBytes));
  const pushesPerChange = summary(samples.map((s) => s.pushes));
  const wirePerChange = (statsAfterChanges.responseBytes - statsBeforeChanges.responseBytes) / changes;
  const wireReqPerChange = (statsAfterChanges.requestBytes - statsBeforeChanges.requestBytes) / changes;
  const coldPass = cold.totalMs < TARGET_COLD_START_MS;
  const p99Pass = total.p99 < TARGET_ENDPOINT_P99_MS;

  const rows: string[][] = [
    ['Measure', 'Value', 'Target', 'Result'],
    [
      'Cold start: runner.start() -> all gateways ACKed CDS+EDS+LDS+RDS',
      fmtMs(cold.totalMs),
      '< 5000 ms',
      coldPass ? 'PASS' : 'MISS',
    ],
    [
      '  runner.start() resolved (load, full translation, held requests answered)',
      fmtMs(cold.runnerStartMs),
      '',
      '',
    ],
    ...GATEWAY_TYPES.map((t) => [
      `  all gateways ACKed ${SHORT[t]}`,
      fmtMs(cold.allAckedMs[SHORT[t]!]),
      '',
      '',
    ]),
    [
      '  pushed (resource bytes, all gateways)',
      `${fmtBytes(cold.pushedResourceBytes)} in ${cold.pushes} pushes`,
      '',
      '',
    ],
    [
      '  received by gateways (encoded responses)',
      `${fmtBytes(cold.wireResponseBytes ?? NaN)}; ${cold.resourcesReceived} resources (expected ${cold.resourcesExpected})`,
      '',
      '',
    ],
    [`Endpoint change -> group ACKed (n=${total.n}) p50`, fmtMs(total.p50), '', ''],
    ['  p90', fmtMs(total.p90), '', ''],
    ['  p99', fmtMs(total.p99), '< 50 ms', p99Pass ? 'PASS' : 'MISS'],
    ['  max', fmtMs(total.max), '', ''],
    ['  apply -> cache updated (p50 / p99)', `${fmtMs(toCache.p50)} / ${fmtMs(toCache.p99)}`, '', ''],
    ['  apply -> last push written (p50 / p99)', `${fmtMs(toPush.p50)} / ${fmtMs(toPush.p99)}`, '', ''],
    ['  source ResourceSet rebuild per change (mean, in apply)', fmtMs(sourceRebuildMs), '', ''],
    [
      'Bytes per endpoint change, pushed (resource bytes, sum over gateways)',
      `${fmtBytes(bytes.mean)} (p50 ${fmtBytes(bytes.p50)}, max ${fmtBytes(bytes.max)})`,
      '',
      '',
    ],
    ['  pushes per change', `${pushesPerChange.mean}`, '', ''],
    ['  received by gateways (encoded responses, mean)', fmtBytes(wirePerChange), '', ''],
    ['  ACK requests sent by gateways (mean)', fmtBytes(wireReqPerChange), '', ''],
    ['Controller RSS after cold start / at the end', `${memCold.rssMb} MB / ${memEnd.rssMb} MB`, '', ''],
    ['Heap used after cold start / at the end', `${memCold.heapUsedMb} MB / ${memEnd.heapUsedMb} MB`, '', ''],
    [
      '  heap used after a forced GC (cold start / end)',
      `${memCold.heapUsedAfterGcMb ?? 'n/a'} MB / ${memEnd.heapUsedAfterGcMb ?? 'n/a'} MB`,
      '',
      '',
    ],
    ['  RSS before the controller started (input generated)', `${memBefore.rssMb} MB`, '', ''],
    [
      `Full translation (translate + translateXds + setAll), median of ${full.runs}`,
      fmtMs(full.totalColdMs),
      '',
      '',
    ],
    [
      '  translate / translateXds / setAll (new cache: encodes all)',
      `${fmtMs(full.translateMs)} / ${fmtMs(full.translateXdsMs)} / ${fmtMs(full.setAllColdMs)}`,
      '',
      '',
    ],
    [
      '  same, setAll onto a cache holding the same input (nothing re-encoded)',
      `${fmtMs(full.totalWarmMs)} (setAll ${fmtMs(full.setAllWarmMs)})`,
      '',
      '',
    ],
  ];
  if (manifests)
    rows.push(
      [
        `Cold start from a manifests folder (${manifests.files} files; JIT warm)`,
        fmtMs(manifests.coldStart.totalMs),
        '',
        '',
      ],
      [
        '  runner.start() resolved (read + parse in load, re-read in watch, translate)',
        fmtMs(manifests.coldStart.runnerStartMs),
        '',
        '',
      ],
    );

  const result = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})`,
    input: { ...input.counts, groups: input.groupNames.length, generateMs: round(generateMs) },
    resources: full.resources,
    encodedResourceBytes: full.encodedBytes,
    gateways: {
      count: nGateways,
      perGroup: gatewaysPerGroup,
      where: h.fleet.where,
      connections: connections === 'own' ? `one per gateway (${nGateways})` : connections,
      protocol: 'delta ADS; wildcard CDS+LDS, EDS/RDS by name; auto-ACK',
    },
    targets: {
      endpointChangeP99Ms: { target: TARGET_ENDPOINT_P99_MS, measured: total.p99, pass: p99Pass },
      coldStartMs: { target: TARGET_COLD_START_MS, measured: cold.totalMs, pass: coldPass },
    },
    coldStart: cold,
    endpointChange: {
      changes,
      wallMs: round(changesWallMs),
      totalMs: total,
      toCacheMs: toCache,
      toLastPushMs: toPush,
      sourceRebuildMsMean: round(sourceRebuildMs, 2),
      pushedResourceBytes: bytes,
      pushes: pushesPerChange,
      wireResponseBytesMean: round(wirePerChange),
      wireRequestBytesMean: round(wireReqPerChange),
      samples: samples.map((s) => ({
        service: s.service,
        groups: s.groups,
        totalMs: round(s.totalMs, 2),
        toCacheMs: round(s.toCacheMs, 2),
        toLastPushMs: round(s.toLastPushMs, 2),
        pushes: s.pushes,
        pushedResourceBytes: s.pushedResourceBytes,
      })),
    },
    memory: { beforeController: memBefore, afterColdStart: memCold, end: memEnd },
    fullTranslation: full,
    manifestsColdStart: manifests,
    fleet: fleetStats,
    benchWallMs: round(now() - started),
  };
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`\n${table(rows)}\n\n`);
  process.stdout.write(
    `Gateways: ${nGateways} Delta ADS clients (${gatewaysPerGroup}/group) in ${h.fleet.where === 'child-process' ? 'a child process' : 'the controller process'}, ` +
      `${connections === 'own' ? 'one HTTP/2 connection each' : `${connections} shared HTTP/2 connections`}. ` +
      `RSS/heap are the controller process's${h.fleet.where === 'in-process' ? ' (including the simulated gateways)' : ''}.\n`,
  );
  process.stdout.write(
    `Wrote ${path.relative(process.cwd(), outFile) || outFile} (bench took ${round((now() - started) / 1000, 1)} s)\n`,
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
