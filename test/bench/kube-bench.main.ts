/**
 * The Kubernetes-mode benchmark: the controller reading two REAL kube-apiservers (clusters `east` and
 * `west`, one etcd under two prefixes; test/support/kube-apiserver.ts) through a MultiClusterSource over
 * two KubernetesSources, serving 100 simulated Delta gateways (simulated-gateways.ts, 25 per group, in a
 * child process by default) over real gRPC on 127.0.0.1.
 *
 * Input, written through the API as `admin` with bounded concurrency (plain HTTPS, keep-alive) by a
 * writer child process (this script with `--writer`), so the controller process holds only the
 * controller (its RSS, heap and CPU figures are the controller's):
 * - in each cluster: Namespaces ns-0..ns-9, the IngressClass `causeway` (default class), every Service
 *   svc-0000..svc-1999 (so 2,000 Services, each present in both clusters: the same Service by namespace
 *   sameness, east's object wins), and one EndpointSlice per Service with 5 endpoints in 10.64.0.0/10;
 *   so each Service has 10 endpoints, 5 per cluster, 20,000 in all;
 * - 2,000 Ingresses (generate-manifests.ts: 1-2 paths each, spread over 4 gateway groups by the
 *   `causeway.dev/gateway-group` annotation): app-0000..app-0999 in east, app-1000..app-1999 in west.
 * Groups group-0/1 have home cluster east, group-2/3 west (their cluster's endpoints at priority 0, the
 * other's at priority 1).
 *
 * Measures: how long the creation took (context); controller start (runner.start() -> every gateway
 * ACKed CDS, EDS, LDS and RDS), split into the per-cluster initial lists, the merge and the translation;
 * sequential EndpointSlice writes (the writer PUTs one slice with one address replaced, alternating
 * clusters) -> every gateway of the affected group ACKed the new ClusterLoadAssignment, split into
 * apiserver answer, update out of the cluster's source, merged update, cache, last push (timestamps of
 * both processes are on the same monotonic clock); controller RSS and heap; CPU time per phase of the
 * controller, the writer, the fleet, etcd, the apiservers and everything else on the machine (other
 * people's work: /proc/stat busy time minus ours). Prints a table and writes dist/kube-bench-result.json.
 * Every write is checked: the group's ClusterLoadAssignment holds the new address and not the old one.
 *
 * Optional phases:
 * - `--real-gateways N`: N real Envoys of group-0 in network namespaces on a bridge (real-gateways.ts),
 *   connected before the runner starts, plus `--probe-services` Services (in east, Ingresses in group-0)
 *   whose one endpoint is an HTTP echo pod. Measures controller start -> every real gateway routes every
 *   probe Service, and `--routed-writes` writes that move a probe Service to its other pod, timed until
 *   every real gateway answers from it (HTTP probes from a child process, routed-prober.ts). The real
 *   gateways count among "every gateway" of group-0 for the ACK figures.
 * - `--churn-rate R`: R EndpointSlice writes per second for `--churn-seconds`, open loop, over
 *   `--churn-services` Services (churn.ts): lag scheduled -> every gateway ACKed, per 10 s window, and
 *   the most writes not yet in the cache / not yet ACKed at once (queue depth, from timestamps).
 * Event-loop delay (monitorEventLoopDelay) of the controller process is reported per phase.
 *
 *   node dist/test/bench/kube-bench.main.js [--writes 100] [--services 2000] [--endpoints-per-slice 5]
 *                                          [--gateways N | --gateways-per-group 25] [--groups 4]
 *                                          [--real-gateways 0] [--probe-services 2] [--routed-writes 40]
 *                                          [--churn-rate 0] [--churn-seconds 60] [--churn-services 1000]
 *                                          [--concurrency 16] [--in-process] [--out FILE]
 * (--ingresses is accepted and must equal --services: one Ingress per Service.)
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createLogger } from '../../src/observability/logger.js';
import { KubernetesSource, loadKubeConfig } from '../../src/kubernetes/watch/index.js';
import { MultiClusterSource } from '../../src/sources/multi-cluster-source.js';
import type { ResourceSource, SourceUpdate } from '../../src/sources/source-update.js';
import {
  DEFAULT_TRANSLATE_OPTIONS,
  type GroupSettings,
  type TranslateOptions,
} from '../../src/translate/translate-options.js';
import { decodeResource } from '../../xds/protos/envoy-protos.js';
import { startEtcd, startKubeApiserver, type Etcd, type KubeApiserver } from '../support/kube-apiserver.js';
import {
  awaitGroupsEdsAck,
  gatewaysByGroup,
  EDS,
  GATEWAY_TYPES,
  SHORT,
  coldStart,
  fmtBytes,
  fmtMs,
  memory,
  now,
  round,
  startHarness,
  summary,
  table,
  withTimeout,
  type ColdStart,
  type Harness,
  type MemoryFigures,
} from './bench-harness.js';
import { serviceName, type GeneratedInput } from './generate-manifests.js';
import {
  CLUSTERS,
  createObjects,
  endpointSlice,
  generate,
  planOf,
  podAddress,
  sliceName,
  waitForKubernetesService,
  type ClusterName,
  type Creation,
  type Plan,
} from './kube-bench-input.js';
import { collectionPath, KubeRest, type ApiEndpoint, type WireObject } from './kube-rest.js';
import {
  childPid,
  cpuReading,
  cpuSpent,
  fmtCpu,
  othersCores,
  procRssMb,
  type CpuReading,
} from './proc-cpu.js';
import type { FleetStats } from './simulated-gateways.js';
import {
  churnReport,
  ChurnTracker,
  churnWrite,
  runChurnWriter,
  type ChurnPlan,
  type ChurnReport,
  type ChurnTimes,
} from './churn.js';
import { monotonicMs } from './http-prober.js';
import { LoopDelay, type LoopDelayFigures } from './loop-delay.js';
import { quietDown, startBenchLeaderWriters, type BenchLeaderWriters } from './bench-leader-writers.js';
import {
  awaitAllRouted,
  createProbeNet,
  gatewayHeapMb,
  probeObjects,
  routedWrites,
  startRealGateways,
  type ProbeNet,
  type RealGateways,
  type RoutedSample,
} from './real-gateways.js';

const DEFAULT_GROUPS = 4;
const WRITE_TIMEOUT_MS = 15_000;

// ---------------------------------------------------------------------------------------------------
// The writer: a child process (this script with --writer) that holds the objects and talks to the
// apiservers, driven over IPC. Times are process.hrtime (CLOCK_MONOTONIC, the same in every process).

interface WriterInit {
  readonly apis: readonly ApiEndpoint<ClusterName>[];
  readonly services: number;
  readonly endpointsPerSlice: number;
  readonly concurrency: number;
  readonly groups: number;
}

type WriterOp =
  | { readonly op: 'init'; readonly init: WriterInit }
  | { readonly op: 'create' }
  | {
      readonly op: 'write';
      readonly cluster: ClusterName;
      readonly service: number;
      readonly flipped: readonly number[];
    }
  /** Creates the objects (the probe Services of real-gateways.ts), one by one. */
  | { readonly op: 'apply'; readonly cluster: ClusterName; readonly objects: readonly WireObject[] }
  /** Replaces one object; answers its times as monotonic ms (real-gateways.ts PutSlice). */
  | { readonly op: 'put'; readonly cluster: ClusterName; readonly object: WireObject }
  /** The churn run (churn.ts): open-loop EndpointSlice writes from `startMs` (monotonic ms). */
  | { readonly op: 'churn'; readonly plan: ChurnPlan; readonly startMs: number };

interface WriteTimes {
  /** hrtime (ns, decimal) just before the PUT was sent, and when its answer was read. */
  readonly sentNs: string;
  readonly answeredNs: string;
}

type WriterReply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string };

const WRITER_FLAG = '--writer';

async function writerMain(): Promise<void> {
  let input: GeneratedInput | undefined;
  let plan: Plan | undefined;
  let init: WriterInit | undefined;
  const rest = new Map<ClusterName, KubeRest>();
  const handle = async (m: WriterOp): Promise<unknown> => {
    switch (m.op) {
      case 'init': {
        init = m.init;
        input = generate(init.services, init.groups);
        plan = planOf(input, init.endpointsPerSlice);
        for (const api of init.apis) rest.set(api.name, new KubeRest(api, init.concurrency));
        await Promise.all([...rest.values()].map((r) => waitForKubernetesService(r)));
        return {};
      }
      case 'create':
        return createObjects(input!, plan!, rest, init!.concurrency);
      case 'write': {
        const slice = endpointSlice(plan!, m.cluster, m.service, new Set(m.flipped));
        const urlPath = `/apis/discovery.k8s.io/v1/namespaces/${slice.metadata.namespace}/endpointslices/${slice.metadata.name}`;
        const sent = process.hrtime.bigint();
        await rest.get(m.cluster)!.send('PUT', urlPath, slice);
        const answered = process.hrtime.bigint();
        return { sentNs: String(sent), answeredNs: String(answered) } satisfies WriteTimes;
      }
      case 'apply':
        for (const o of m.objects) await rest.get(m.cluster)!.send('POST', collectionPath(o), o);
        return {};
      case 'put': {
        const sentMs = monotonicMs();
        await rest
          .get(m.cluster)!
          .send('PUT', `${collectionPath(m.object)}/${m.object.metadata.name}`, m.object);
        return { sentMs, answeredMs: monotonicMs() };
      }
      case 'churn':
        return runChurnWriter(m.plan, m.startMs, async (w, overrides) => {
          const cluster = CLUSTERS[w.cluster]!;
          const slice = endpointSlice(plan!, cluster, w.service, new Set(), overrides);
          await rest.get(cluster)!.send('PUT', `${collectionPath(slice)}/${slice.metadata.name}`, slice);
        });
    }
  };
  process.on('message', (msg: { id: number } & WriterOp) => {
    handle(msg).then(
      (result) => process.send!({ id: msg.id, ok: true, result } satisfies WriterReply),
      (err: unknown) =>
        process.send!({
          id: msg.id,
          ok: false,
          error: err instanceof Error ? (err.stack ?? err.message) : String(err),
        } satisfies WriterReply),
    );
  });
  // The parent closes the channel when done (or dies): then so does the writer.
  await new Promise<void>((resolve) => process.once('disconnect', resolve));
  for (const r of rest.values()) r.close();
}

class WriterProcess {
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited = false;

  constructor() {
    this.child = fork(fileURLToPath(import.meta.url), [WRITER_FLAG], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (reply: WriterReply) => {
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.ok) p?.resolve(reply.result);
      else p?.reject(new Error(`writer: ${reply.error}`));
    });
    this.child.once('exit', (code, signal) => {
      this.exited = true;
      const err = new Error(`writer exited (${signal ?? code ?? '?'})`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
  }

  get pid(): number | undefined {
    return this.exited ? undefined : this.child.pid;
  }

  call(op: { readonly op: 'create' }): Promise<Creation>;
  call(op: Extract<WriterOp, { op: 'write' }>): Promise<WriteTimes>;
  call(op: Extract<WriterOp, { op: 'put' }>): Promise<{ sentMs: number; answeredMs: number }>;
  call(op: Extract<WriterOp, { op: 'churn' }>): Promise<ChurnTimes>;
  call(op: WriterOp): Promise<unknown>;
  call(op: WriterOp): Promise<unknown> {
    if (this.exited) return Promise.reject(new Error('writer exited'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, ...op });
    });
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/** performance.now() of an hrtime reading (of any process on this machine). */
function hrToNow(ns: string): number {
  return now() - Number(process.hrtime.bigint() - BigInt(ns)) / 1e6;
}

// ---------------------------------------------------------------------------------------------------
// Timing the sources: when each cluster's source and the merged source emit, and how long load() takes

class TimedSource implements ResourceSource {
  loadMs: number | undefined;
  watchMs: number | undefined;
  /** now() of every emitted update, taken before the consumer runs. */
  readonly emits: number[] = [];

  constructor(private readonly inner: ResourceSource) {}

  async load(): Promise<SourceUpdate> {
    const t = now();
    const u = await this.inner.load();
    this.loadMs = now() - t;
    return u;
  }

  async watch(onUpdate: (u: SourceUpdate) => void): Promise<void> {
    const t = now();
    await this.inner.watch((u) => {
      this.emits.push(now());
      onUpdate(u);
    });
    this.watchMs = now() - t;
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  firstEmitAfter(t: number): number {
    return this.emits.find((e) => e >= t) ?? NaN;
  }
}

// ---------------------------------------------------------------------------------------------------
// Checking what the gateways got

/** Every socket address and priority in a decoded ClusterLoadAssignment. */
function claContent(cla: Record<string, unknown>): { addresses: Set<string>; priorities: Set<number> } {
  const addresses = new Set<string>();
  const priorities = new Set<number>();
  const endpoints = (cla['endpoints'] ?? []) as Array<Record<string, unknown>>;
  for (const l of endpoints) {
    priorities.add(typeof l['priority'] === 'number' ? l['priority'] : 0);
    for (const lb of (l['lb_endpoints'] ?? []) as Array<Record<string, unknown>>) {
      const endpoint = lb['endpoint'] as { address?: { socket_address?: { address?: string } } } | undefined;
      const a = endpoint?.address?.socket_address?.address;
      if (a !== undefined) addresses.add(a);
    }
  }
  return { addresses, priorities };
}

/**
 * The ClusterLoadAssignment of `group` (as cached, i.e. as pushed) that lists `address`, decoded. With
 * `name` (the one expected to), only that one is read: a scan of all of them would add its CPU to the
 * controller process's per-write figure.
 */
function claWith(
  h: Harness,
  group: string,
  address: string,
  name?: string,
): ReturnType<typeof claContent> | undefined {
  // A protobuf string is its length then its bytes: this prefix cannot match a longer address.
  const needle = Buffer.concat([Buffer.from([address.length]), Buffer.from(address)]);
  const resources = h.cache.snapshot(group).types.get(EDS)?.resources;
  const named = name === undefined ? undefined : resources?.get(name);
  for (const r of named ? [named] : (resources?.values() ?? [])) {
    if (!Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength).includes(needle)) continue;
    const content = claContent(decodeResource(EDS, r.value));
    if (content.addresses.has(address)) return content;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// EndpointSlice writes

interface WriteSample {
  cluster: ClusterName;
  service: number;
  groups: string[];
  /** PUT sent -> the last gateway of the affected group ACKed the new ClusterLoadAssignment. */
  totalMs: number;
  /** PUT sent -> the apiserver's answer received. */
  putMs: number;
  /** PUT sent -> the cluster's KubernetesSource emitted the update (watch event read and normalized). */
  toClusterSourceMs: number;
  /** PUT sent -> the MultiClusterSource emitted the merged update (to the runner). */
  toMergedMs: number;
  /** PUT sent -> the new snapshot stored in the cache. */
  toCacheMs: number;
  /** PUT sent -> the last push of the change written. */
  toLastPushMs: number;
  pushes: number;
  pushedResourceBytes: number;
}

async function sliceWrites(
  h: Harness,
  l: Plan,
  writer: WriterProcess,
  clusterSources: ReadonlyMap<ClusterName, TimedSource>,
  merged: TimedSource,
  n: number,
  groupMembers: ReadonlyMap<string, readonly string[]>,
): Promise<WriteSample[]> {
  const flipped = new Map<string, Set<number>>();
  const samples: WriteSample[] = [];
  for (let i = 0; i < n; i++) {
    // Spread over Services (7919 is prime, so all come up) and alternate the clusters.
    const s = (i * 7919 + 13) % l.services;
    const cluster = CLUSTERS[i % CLUSTERS.length]!;
    const ci = CLUSTERS.indexOf(cluster);
    const e = Math.floor(i / CLUSTERS.length) % l.endpointsPerSlice;
    const key = `${cluster}/${s}`;
    const set = flipped.get(key) ?? new Set<number>();
    flipped.set(key, set);
    const oldAddress = podAddress(l, ci, s, e, set.has(e));
    if (set.has(e)) set.delete(e);
    else set.add(e);
    const newAddress = podAddress(l, ci, s, e, set.has(e));
    const groups = [...l.serviceGroups[s]!];
    const { finished, cacheBefore } = awaitGroupsEdsAck(h, groups, groupMembers);
    h.board.resetPushes();
    const what = `EndpointSlice write ${i} (${cluster} ${l.namespaces[s]}/${sliceName(s, cluster)})`;
    let ackedAt = NaN;
    const [times] = await withTimeout(
      Promise.all([
        writer.call({ op: 'write', cluster, service: s, flipped: [...set] }),
        finished.then(() => {
          ackedAt = now();
        }),
      ]),
      WRITE_TIMEOUT_MS,
      what,
    );
    const t0 = hrToNow(times.sentNs);
    const cachedAt = Math.max(
      ...groups.map((g) => {
        const at = h.cacheUpdatedAt.get(g);
        return at !== undefined && at !== cacheBefore.get(g) ? at : NaN;
      }),
    );
    for (const g of groups) {
      const cla = claWith(h, g, newAddress, `service/${l.namespaces[s]}/${serviceName(s)}/80`);
      if (!cla) throw new Error(`${what}: group ${g} has no ClusterLoadAssignment with ${newAddress}`);
      if (cla.addresses.has(oldAddress))
        throw new Error(`${what}: group ${g} still routes to the replaced ${oldAddress}`);
    }
    samples.push({
      cluster,
      service: s,
      groups,
      totalMs: ackedAt - t0,
      putMs: hrToNow(times.answeredNs) - t0,
      toClusterSourceMs: clusterSources.get(cluster)!.firstEmitAfter(t0) - t0,
      toMergedMs: merged.firstEmitAfter(t0) - t0,
      toCacheMs: cachedAt - t0,
      toLastPushMs: (h.board.lastPushAt ?? NaN) - t0,
      pushes: h.board.pushes,
      pushedResourceBytes: h.board.pushBytes,
    });
  }
  return samples;
}

const p50p99 = (x: { p50: number; p99: number }): string => `${fmtMs(x.p50)} / ${fmtMs(x.p99)}`;

function churnRows(
  c: ChurnReport & { cpuMsPerWrite: Record<string, number> },
  rate: number,
  seconds: number,
  services: number,
): string[][] {
  return [
    [
      `Churn: ${rate} EndpointSlice writes/s for ${seconds} s over ${services} Services (open loop)`,
      `${c.writes} writes, ${c.achievedRatePerS}/s sent; ${c.failed} failed, ${c.notAcked} not ACKed`,
    ],
    ['  lag: scheduled -> every gateway of the group ACKed, p50 / p99', p50p99(c.lagMs)],
    ['    max', fmtMs(c.lagMs.max)],
    ...c.windows.map((w) => [`    ${w.fromS}-${w.fromS + 10} s (n=${w.lagMs.n}) p50 / p99`, p50p99(w.lagMs)]),
    ['  scheduled -> apiserver answered, p50 / p99', p50p99(c.apiserverMs)],
    ['  scheduled -> in the controller cache, p50 / p99', p50p99(c.inCacheMs)],
    [
      '  max writes not yet in the cache / not yet ACKed by all (queue depth)',
      `${c.maxNotInCache} / ${c.maxNotAcked}`,
    ],
    ['  CPU time per write (mean)', fmtCpu(c.cpuMsPerWrite, true)],
  ];
}

// ---------------------------------------------------------------------------------------------------
// The churn run (churn.ts): open-loop writes, tracked in the cache and the gateways' ACKs

/** The ClusterLoadAssignment name of each churned Service in each of its groups (decoded once, untimed). */
function claNames(h: Harness, l: Plan, p: ChurnPlan): Map<string, string> {
  const byAddress = new Map<string, Map<string, string>>();
  for (const g of l.groupNames) {
    const m = new Map<string, string>();
    for (const [name, r] of h.cache.snapshot(g).types.get(EDS)?.resources ?? [])
      for (const a of claContent(decodeResource(EDS, r.value)).addresses) m.set(a, name);
    byAddress.set(g, m);
  }
  const names = new Map<string, string>();
  for (let j = 0; j < p.churnServices; j++) {
    const s = churnWrite(p, j).service;
    for (const g of l.serviceGroups[s]!) {
      const m = byAddress.get(g)!;
      const name = m.get(podAddress(l, 0, s, 0, false)) ?? m.get(podAddress(l, 0, s, 0, true));
      if (name === undefined) throw new Error(`churn: no ClusterLoadAssignment of Service ${s} in ${g}`);
      names.set(`${s}/${g}`, name);
    }
  }
  return names;
}

const CHURN_TAIL_MS = 30_000;

async function churnRun(
  h: Harness,
  l: Plan,
  p: ChurnPlan,
  members: ReadonlyMap<string, readonly string[]>,
  writer: WriterProcess,
  cpu: () => CpuReading,
  loop: LoopDelay,
): Promise<ChurnReport & { cpuMsPerWrite: Record<string, number>; loop: LoopDelayFigures }> {
  const names = claNames(h, l, p);
  const startMs = monotonicMs() + 500;
  const tracker = new ChurnTracker(h, {
    plan: p,
    startMs,
    groupsOf: (s) => l.serviceGroups[s]!,
    claName: (s, g) => names.get(`${s}/${g}`)!,
    members,
  });
  loop.phase();
  const c0 = cpu();
  const times = await writer.call({ op: 'churn', plan: p, startMs });
  // Writes still on their way after the last was sent: wait for them, up to a bound.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([tracker.done, new Promise((resolve) => (timer = setTimeout(resolve, CHURN_TAIL_MS)))]);
  clearTimeout(timer);
  const c1 = cpu();
  tracker.close();
  const report = churnReport(p, startMs, times, tracker, 10);
  if (times.failed > 0)
    process.stderr.write(`kube-bench: ${times.failed} churn writes failed: ${times.firstError}\n`);
  const spent = cpuSpent(c0, c1);
  return {
    ...report,
    cpuMsPerWrite: Object.fromEntries(
      Object.entries(spent).map(([k, v]) => [k, round(v / report.writes, 2)]),
    ),
    loop: loop.phase(),
  };
}

// ---------------------------------------------------------------------------------------------------

function nonNegativeInt(value: string | undefined, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag}: a non-negative integer`);
  return n;
}

function positiveInt(value: string | undefined, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: a positive integer`);
  return n;
}

const loadAvg = (): string =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      writes: { type: 'string', default: '100' },
      services: { type: 'string', default: '2000' },
      'endpoints-per-slice': { type: 'string', default: '5' },
      'gateways-per-group': { type: 'string', default: '25' },
      /** Simulated gateways in all (overrides --gateways-per-group), spread over the groups. */
      gateways: { type: 'string' },
      ingresses: { type: 'string' },
      groups: { type: 'string', default: String(DEFAULT_GROUPS) },
      'real-gateways': { type: 'string', default: '0' },
      'probe-services': { type: 'string', default: '2' },
      'routed-writes': { type: 'string', default: '40' },
      'churn-rate': { type: 'string', default: '0' },
      'churn-seconds': { type: 'string', default: '60' },
      'churn-services': { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '16' },
      'in-process': { type: 'boolean', default: false },
      'leader-writers': { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  const writes = positiveInt(args.writes, '--writes');
  const services = positiveInt(args.services, '--services');
  const endpointsPerSlice = positiveInt(args['endpoints-per-slice'], '--endpoints-per-slice');
  const nGroups = positiveInt(args.groups, '--groups');
  const gatewaysPerGroup =
    args.gateways !== undefined
      ? Math.max(1, Math.round(positiveInt(args.gateways, '--gateways') / nGroups))
      : positiveInt(args['gateways-per-group'], '--gateways-per-group');
  const concurrency = positiveInt(args.concurrency, '--concurrency');
  if (args.ingresses !== undefined && Number(args.ingresses) !== services)
    throw new Error('--ingresses: the input has one Ingress per Service; give --services the same number');
  const realGateways = nonNegativeInt(args['real-gateways'], '--real-gateways');
  const probeServices = positiveInt(args['probe-services'], '--probe-services');
  const routedWriteCount = nonNegativeInt(args['routed-writes'], '--routed-writes');
  const churnRate = nonNegativeInt(args['churn-rate'], '--churn-rate');
  const churnSeconds = positiveInt(args['churn-seconds'], '--churn-seconds');
  const churnServices = Math.min(services, positiveInt(args['churn-services'], '--churn-services'));
  if (2 * CLUSTERS.length * services * endpointsPerSlice > 1 << 22)
    throw new Error(
      '--services x --endpoints-per-slice: too many addresses (and replacements) for 10.64.0.0/10',
    );
  const distDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const outFile = args.out ?? path.join(distDir, 'kube-bench-result.json');
  const started = now();
  const loadAtStart = loadAvg();

  const plan = planOf(generate(services, nGroups), endpointsPerSlice);
  const groups = plan.groupNames;
  const homeOf = (g: number): ClusterName => CLUSTERS[Math.floor((g * CLUSTERS.length) / groups.length)]!;
  const translateOptions: TranslateOptions = {
    ...DEFAULT_TRANSLATE_OPTIONS,
    groups: Object.fromEntries(
      groups.map((g, gi): [string, Partial<GroupSettings>] => [g, { homeCluster: homeOf(gi) }]),
    ),
  };
  const nGateways = groups.length * gatewaysPerGroup;
  const counts = {
    clusters: CLUSTERS.length,
    ingresses: plan.ingresses,
    ingressesPerCluster: plan.ingressesPerCluster,
    paths: plan.paths,
    services,
    serviceObjects: services * CLUSTERS.length,
    endpointSlices: services * CLUSTERS.length,
    endpoints: services * CLUSTERS.length * endpointsPerSlice,
    groups: groups.length,
    homeClusters: Object.fromEntries(groups.map((g, gi) => [g, homeOf(gi)])),
  };
  process.stderr.write(
    `kube-bench: ${counts.ingresses} Ingresses (${counts.paths} paths), ${services} Services in each of ` +
      `${CLUSTERS.join(' and ')}, ${counts.endpoints} endpoints in ${counts.endpointSlices} EndpointSlices, ` +
      `${groups.length} groups; ${nGateways} gateways; load average ${loadAtStart}\n`,
  );

  let etcd: Etcd | undefined;
  const apis = new Map<ClusterName, KubeApiserver>();
  let writer: WriterProcess | undefined;
  let h: Harness | undefined;
  let probe: ProbeNet | undefined;
  let real: RealGateways | undefined;
  let leaders: BenchLeaderWriters | undefined;
  const realGroup = groups[0]!;
  const loop = new LoopDelay();
  try {
    // 1. The control plane: one etcd, an apiserver per cluster under its own prefix; the writer.
    const tc = now();
    etcd = await startEtcd({ name: 'bench-etcd' });
    const apiservers = await Promise.all(
      CLUSTERS.map((name) => startKubeApiserver({ etcd: etcd!, name, prefix: `/causeway-bench/${name}` })),
    );
    CLUSTERS.forEach((c, i) => apis.set(c, apiservers[i]!));
    writer = new WriterProcess();
    await writer.call({
      op: 'init',
      init: {
        apis: CLUSTERS.map((name) => {
          const api = apis.get(name)!;
          return { name, port: api.port, token: api.adminToken, caCert: api.caCert };
        }),
        services,
        endpointsPerSlice,
        concurrency,
        groups: nGroups,
      },
    });
    const controlPlaneMs = now() - tc;
    process.stderr.write(
      `kube-bench: etcd and ${CLUSTERS.length} apiservers ready in ${fmtMs(controlPlaneMs)}\n`,
    );
    /** Found once the fleet runs (child-process fleet only). */
    const fleetProcess: { pid?: number } = {};
    const pids = (): Record<string, number | undefined> => ({
      writer: writer?.pid,
      fleet: fleetProcess.pid,
      prober: (real ?? probe)?.prober.pid,
      etcd: etcd?.pid,
      ...Object.fromEntries(CLUSTERS.map((c) => [`apiserver ${c}`, apis.get(c)?.pid])),
    });

    // 2. The input, through the API.
    const cpu0 = cpuReading(pids());
    const creation = await writer.call({ op: 'create' });
    const cpu1 = cpuReading(pids());
    process.stderr.write(
      `kube-bench: ${creation.objects} objects created in ${fmtMs(creation.ms)} (${creation.retries} retries)\n`,
    );
    if (realGateways > 0) {
      // Echo pods and the probe Services (in east, routed by group-0's Ingresses) for the real gateways.
      probe = await createProbeNet('kube-bench', probeServices, realGateways);
      const objects = probeObjects(probe.services, realGroup, 'east', 'causeway');
      await writer.call({ op: 'apply', cluster: 'east', objects });
    }

    // 3. The controller: a KubernetesSource per cluster (admin kubeconfig), merged; then the fleet.
    const memBefore = memory();
    const logger = createLogger({ level: 'warn', name: 'kube-bench', destination: 'stderr' });
    const clusterSources = new Map<ClusterName, TimedSource>(
      CLUSTERS.map((cluster) => [
        cluster,
        new TimedSource(
          new KubernetesSource({
            cluster,
            kubeConfig: loadKubeConfig(apis.get(cluster)!.kubeconfig('admin')),
            logger: logger.child({ component: 'kube', cluster }),
          }),
        ),
      ]),
    );
    const merged = new TimedSource(
      new MultiClusterSource({
        clusters: CLUSTERS.map((cluster) => ({ cluster, source: clusterSources.get(cluster)! })),
        logger,
      }),
    );
    h = await startHarness(merged, {
      groups,
      gatewaysPerGroup,
      inProcess: args['in-process'],
      connections: 'own',
      translateOptions,
      ...(probe ? { listenHost: '0.0.0.0' } : {}),
    });
    // The real gateways start (and connect) before the runner, as the simulated ones.
    const realStarted = probe ? startRealGateways(probe, realGroup, h.port) : undefined;
    realStarted?.catch(() => undefined);
    if (probe) await h.board.whenOpened(h.gateways.length + realGateways, 60_000);
    if (h.fleet.where === 'child-process') fleetProcess.pid = childPid('gateway-fleet');
    process.stderr.write(`kube-bench: ${nGateways} gateway streams open; starting the runner\n`);
    // As runController: the writers subscribe before the first applied state (its sync is in the start).
    if (args['leader-writers'])
      leaders = await startBenchLeaderWriters({
        kubeConfigs: new Map(
          CLUSTERS.map((c) => [c, loadKubeConfig(apis.get(c)!.kubeconfig('admin'))] as const),
        ),
        applied: h.runner.applied,
        groups,
        logger,
      });
    const cpu2 = cpuReading(pids());
    loop.phase();
    const coldSince = monotonicMs();
    const allRouted = probe ? awaitAllRouted(probe, coldSince, 600_000) : undefined;
    allRouted?.catch(() => undefined); // awaited below, after the simulated gateways' cold start
    const cold: ColdStart = await coldStart(h);
    // The writers' first sync (a LIST of every Ingress and Service) belongs to the start.
    if (leaders) process.stderr.write(`kube-bench: quiet ${fmtMs(await quietDown())} after the start\n`);
    const cpu3 = cpuReading(pids());
    real = await realStarted;
    probe = undefined;
    const coldLoop = loop.phase();
    const realRoutedMs = allRouted ? round((await allRouted) - coldSince) : NaN;
    const members = gatewaysByGroup(h);
    if (real) members.set(realGroup, [...(members.get(realGroup) ?? []), ...real.nodeIds]);
    const memStart = memory();
    const coldSplit = {
      clusterLoadMs: Object.fromEntries(
        CLUSTERS.map((c) => [c, round(clusterSources.get(c)!.loadMs ?? NaN)]),
      ) as Record<ClusterName, number>,
      mergedLoadMs: round(merged.loadMs ?? NaN),
      watchMs: round(merged.watchMs ?? NaN),
    };
    // What the gateways are served is what the plan says: every Service has endpointsPerSlice
    // endpoints from each cluster, the home cluster's at priority 0 and the other's at priority 1.
    for (const [gi, g] of groups.entries()) {
      const s = plan.serviceGroups.findIndex((gs) => gs.includes(g));
      const cla = s < 0 ? undefined : claWith(h, g, podAddress(plan, 0, s, 0, false));
      const want = CLUSTERS.length * endpointsPerSlice;
      if (!cla || cla.addresses.size !== want || cla.priorities.size !== CLUSTERS.length)
        throw new Error(
          `group ${g} (home ${homeOf(gi)}): Service ${s} should have ${want} endpoints over ${CLUSTERS.length} priorities, ` +
            `has ${cla ? `${cla.addresses.size} over ${[...cla.priorities].join(',')}` : 'no ClusterLoadAssignment'}`,
        );
    }
    process.stderr.write(
      `kube-bench: controller start ${fmtMs(cold.totalMs)}; ${writes} EndpointSlice writes\n`,
    );

    // 4. EndpointSlice writes, one at a time.
    const statsBefore = await h.fleet.stats();
    // From here: the checks above (the forced GC of memory(), reading every group's assignments) are not
    // the writes' CPU.
    const cpuW = cpuReading(pids());
    const tw = now();
    loop.phase();
    const samples = await sliceWrites(h, plan, writer, clusterSources, merged, writes, members);
    const writesWallMs = now() - tw;
    const cpu4 = cpuReading(pids());
    const writesLoop = loop.phase();
    const statsAfter: FleetStats = await h.fleet.stats();
    const w = writer;
    let routed: readonly RoutedSample[] = [];
    if (real && routedWriteCount > 0) {
      process.stderr.write(`kube-bench: ${routedWriteCount} writes timed until every real gateway routes\n`);
      routed = await routedWrites(real, routedWriteCount, 'east', (object) =>
        w.call({ op: 'put', cluster: 'east', object }),
      );
    }
    const routedLoop = loop.phase();
    const gatewayHeap = real ? await gatewayHeapMb(real) : [];
    let churn: (ChurnReport & { cpuMsPerWrite: Record<string, number>; loop: LoopDelayFigures }) | undefined;
    if (churnRate > 0) {
      const churnPlan: ChurnPlan = {
        rate: churnRate,
        seconds: churnSeconds,
        churnServices,
        services,
        endpointsPerSlice,
        clusters: CLUSTERS.length,
      };
      process.stderr.write(
        `kube-bench: churn, ${churnRate} writes/s for ${churnSeconds} s over ${churnServices} Services\n`,
      );
      churn = await churnRun(h, plan, churnPlan, members, w, () => cpuReading(pids()), loop);
    }
    const memEnd = memory();
    const otherRss = Object.fromEntries(Object.entries(pids()).map(([k, pid]) => [k, procRssMb(pid)]));
    const nacks = h.board.nacks;
    const where = h.fleet.where;
    const stopping = h;
    h = undefined;
    await stopping.stop();
    if (statsAfter.streamErrors > 0)
      throw new Error(`gateway streams failed: ${statsAfter.errorDetails.join('; ')}`);
    if (nacks > 0) throw new Error(`${nacks} NACKs from the gateways`);
    const loadAtEnd = loadAvg();

    // ---- Report
    const total = summary(samples.map((s) => s.totalMs));
    const put = summary(samples.map((s) => s.putMs));
    const toSource = summary(samples.map((s) => s.toClusterSourceMs));
    const toMerged = summary(samples.map((s) => s.toMergedMs));
    const merge = summary(samples.map((s) => s.toMergedMs - s.toClusterSourceMs));
    const toCache = summary(samples.map((s) => s.toCacheMs));
    const toPush = summary(samples.map((s) => s.toLastPushMs));
    const bytes = summary(samples.map((s) => s.pushedResourceBytes));
    const wirePerWrite = (statsAfter.responseBytes - statsBefore.responseBytes) / writes;
    const cpuCreate = cpuSpent(cpu0, cpu1);
    const cpuCold = cpuSpent(cpu2, cpu3);
    const cpuWrites = cpuSpent(cpuW, cpu4);
    const others = {
      creating: othersCores(cpu0, cpu1),
      start: othersCores(cpu2, cpu3),
      writes: othersCores(cpuW, cpu4),
    };
    const perWrite = Object.fromEntries(Object.entries(cpuWrites).map(([k, v]) => [k, round(v / writes, 2)]));
    const routedAll = summary(routed.map((r) => r.allMs));
    const routedPut = summary(routed.map((r) => r.putMs));

    const rows: string[][] = [
      ['Measure', 'Value'],
      [
        `Objects created through the API (context; ${concurrency} in flight per apiserver)`,
        `${creation.objects} in ${fmtMs(creation.ms)} (${round(creation.objects / (creation.ms / 1000), 0)}/s)`,
      ],
      ...creation.phases.map((p) => [`  ${p.what}`, `${p.objects} in ${fmtMs(p.ms)}`]),
      ['  CPU time (s) while creating', fmtCpu(cpuCreate)],
      ['Controller start: runner.start() -> all gateways ACKed CDS+EDS+LDS+RDS', fmtMs(cold.totalMs)],
      [
        '  initial list of each cluster (KubernetesSource.load, in parallel)',
        CLUSTERS.map((c) => `${c} ${fmtMs(coldSplit.clusterLoadMs[c])}`).join(', '),
      ],
      ['  MultiClusterSource.load (both lists + merge)', fmtMs(coldSplit.mergedLoadMs)],
      ['  runner.start() resolved (load, full translation, cache stored, watch)', fmtMs(cold.runnerStartMs)],
      ...GATEWAY_TYPES.map((t) => [`  all gateways ACKed ${SHORT[t]}`, fmtMs(cold.allAckedMs[SHORT[t]!])]),
      [
        '  pushed (resource bytes, all gateways)',
        `${fmtBytes(cold.pushedResourceBytes)} in ${cold.pushes} pushes`,
      ],
      [
        '  received by gateways (encoded responses)',
        `${fmtBytes(cold.wireResponseBytes ?? NaN)}; ${cold.resourcesReceived} resources (expected ${cold.resourcesExpected})`,
      ],
      ['  CPU time (s) during the start', fmtCpu(cpuCold)],
      [`EndpointSlice write -> group ACKed (n=${total.n}) p50`, fmtMs(total.p50)],
      ['  p90', fmtMs(total.p90)],
      ['  p99', fmtMs(total.p99)],
      ['  max', fmtMs(total.max)],
      ['  PUT answered by the apiserver (p50 / p99)', p50p99(put)],
      ['  write -> cluster source emitted (watch event, normalized) (p50 / p99)', p50p99(toSource)],
      ['  write -> merged update to the runner (p50 / p99)', p50p99(toMerged)],
      ['    of which the MultiClusterSource merge (p50 / p99)', p50p99(merge)],
      ['  write -> cache updated (p50 / p99)', p50p99(toCache)],
      ['  write -> last push written (p50 / p99)', p50p99(toPush)],
      [
        '  pushed per write (resource bytes, sum over gateways); received',
        `${fmtBytes(bytes.mean)}; ${fmtBytes(wirePerWrite)}`,
      ],
      ['  CPU time per write (mean; /proc ticks are 10 ms)', fmtCpu(perWrite, true)],
      ['Controller RSS after start / at the end', `${memStart.rssMb} MB / ${memEnd.rssMb} MB`],
      ['Heap used after start / at the end', `${memStart.heapUsedMb} MB / ${memEnd.heapUsedMb} MB`],
      [
        '  heap used after a forced GC (start / end)',
        `${memStart.heapUsedAfterGcMb ?? 'n/a'} MB / ${memEnd.heapUsedAfterGcMb ?? 'n/a'} MB`,
      ],
      ['  RSS before the controller started', `${memBefore.rssMb} MB`],
      [
        "The benchmark's other processes: RSS at the end (context)",
        Object.entries(otherRss)
          .map(([k, v]) => `${k} ${v} MB`)
          .join(', '),
      ],
      [
        `Other work on the machine: cores busy (of ${os.cpus().length}) while creating / start / writes`,
        `${others.creating} / ${others.start} / ${others.writes}`,
      ],
      ['Load average (1/5/15 min) at start / end', `${loadAtStart} / ${loadAtEnd}`],
      [
        'Event-loop delay of the controller, max (p99): start / writes / routed writes / churn',
        [coldLoop, writesLoop, routedLoop, churn?.loop]
          .map((d) => (d ? `${fmtMs(d.maxMs)} (${fmtMs(d.p99Ms)})` : 'n/a'))
          .join(' / '),
      ],
      ...(real
        ? [
            [
              `Real gateways: ${real.gateways.length} Envoys of ${realGroup} in network namespaces`,
              `${probeServices} probe Services on echo pods`,
            ],
            ['  controller start -> every real gateway routes every probe Service', fmtMs(realRoutedMs)],
            [`  write -> every real gateway routes (n=${routedAll.n}) p50 / p99`, p50p99(routedAll)],
            ['    p90 / max', `${fmtMs(routedAll.p90)} / ${fmtMs(routedAll.max)}`],
            ['    PUT answered by the apiserver (p50 / p99)', p50p99(routedPut)],
            [
              '  Envoy heap of each real gateway (admin /memory)',
              gatewayHeap.map((m) => `${m} MB`).join(', '),
            ],
          ]
        : []),
      ...(churn ? churnRows(churn, churnRate, churnSeconds, churnServices) : []),
    ];

    const result = {
      date: new Date().toISOString(),
      node: process.version,
      platform: `${os.platform()} ${os.arch()}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})`,
      loadAverage: { start: loadAtStart, end: loadAtEnd },
      /** Cores kept busy by processes other than the benchmark's (machine busy time minus ours). */
      othersCores: others,
      input: counts,
      controlPlane: { etcd: 1, apiservers: CLUSTERS.length, readyMs: round(controlPlaneMs) },
      creation: { ...creation, cpuMs: cpuCreate },
      gateways: {
        count: nGateways,
        perGroup: gatewaysPerGroup,
        where,
        connections: `one per gateway (${nGateways})`,
        protocol: 'delta ADS; wildcard CDS+LDS, EDS/RDS by name; auto-ACK',
      },
      coldStart: { ...cold, ...coldSplit, cpuMs: cpuCold },
      endpointSliceWrites: {
        writes,
        wallMs: round(writesWallMs),
        totalMs: total,
        putMs: put,
        toClusterSourceMs: toSource,
        toMergedMs: toMerged,
        mergeMs: merge,
        toCacheMs: toCache,
        toLastPushMs: toPush,
        pushedResourceBytes: bytes,
        wireResponseBytesMean: round(wirePerWrite),
        cpuMsPerWrite: perWrite,
        samples: samples.map((s) => ({
          cluster: s.cluster,
          service: s.service,
          groups: s.groups,
          totalMs: round(s.totalMs, 2),
          putMs: round(s.putMs, 2),
          toClusterSourceMs: round(s.toClusterSourceMs, 2),
          toMergedMs: round(s.toMergedMs, 2),
          toCacheMs: round(s.toCacheMs, 2),
          toLastPushMs: round(s.toLastPushMs, 2),
          pushes: s.pushes,
          pushedResourceBytes: s.pushedResourceBytes,
        })),
      },
      memory: {
        beforeController: memBefore,
        afterStart: memStart,
        end: memEnd,
        othersRssMb: otherRss,
      } satisfies Record<string, MemoryFigures | Record<string, number>>,
      fleet: statsAfter,
      eventLoopDelayMs: { start: coldLoop, writes: writesLoop, routedWrites: routedLoop, churn: churn?.loop },
      realGateways: real
        ? {
            count: real.gateways.length,
            group: realGroup,
            probeServices,
            coldStartAllRoutedMs: realRoutedMs,
            routedWrites: {
              allMs: routedAll,
              putMs: routedPut,
              samples: routed.map((r) => ({
                ...r,
                perGatewayMs: r.perGatewayMs.map((x) => round(x, 2)),
                allMs: round(r.allMs, 2),
                putMs: round(r.putMs, 2),
              })),
            },
            envoyHeapMb: gatewayHeap,
          }
        : undefined,
      churn,
      benchWallMs: round(now() - started),
    };
    fs.mkdirSync(path.dirname(outFile), { recursive: true });
    fs.writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`\n${table(rows)}\n\n`);
    process.stdout.write(
      `Clusters: ${CLUSTERS.join(', ')} (kube-apiserver + one shared etcd on 127.0.0.1); every Service in both, ` +
        `${endpointsPerSlice} endpoints per cluster; Ingresses split ${CLUSTERS.map((c) => counts.ingressesPerCluster[c]).join('/')}; ` +
        `home clusters ${groups.map((g, gi) => `${g}=${homeOf(gi)}`).join(', ')}.\n` +
        `Gateways: ${nGateways} Delta ADS clients (${gatewaysPerGroup}/group) in ${where === 'child-process' ? 'a child process' : 'the controller process'}, ` +
        `one HTTP/2 connection each. RSS/heap are the controller process's${where === 'in-process' ? ' (including the simulated gateways)' : ''}.\n`,
    );
    process.stdout.write(
      `Wrote ${path.relative(process.cwd(), outFile) || outFile} (bench took ${round((now() - started) / 1000, 1)} s)\n`,
    );
  } finally {
    loop.stop();
    await leaders?.stop().catch(() => undefined);
    await real?.stop().catch(() => undefined);
    await probe?.destroy().catch(() => undefined);
    await h?.stop().catch(() => undefined);
    await writer?.close();
    await Promise.all([...apis.values()].map((a) => a.stop()));
    await etcd?.stop();
  }
}

(process.argv[2] === WRITER_FLAG ? writerMain() : main()).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `kube-bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
