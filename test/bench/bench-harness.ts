/**
 * The benchmark harness shared by bench.main.ts (in-memory source) and kube-bench.main.ts (real
 * apiservers): one controller wired as `runController` wires it (metrics, SnapshotCache, ADS server)
 * plus a fleet of simulated Delta gateways (simulated-gateways.ts), the ACK board that tells which
 * version each gateway ACKed, the cold-start measure, and the percentile, memory and table helpers.
 */
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ControllerRunner } from '../../src/controller/runner.js';
import { createLogger } from '../../src/observability/logger.js';
import { ControllerMetrics } from '../../src/observability/metrics.js';
import { XdsMetrics } from '../../xds/server/xds-metrics.js';
import type { ResourceSource } from '../../src/sources/source-update.js';
import { DEFAULT_TRANSLATE_OPTIONS, type TranslateOptions } from '../../src/translate/translate-options.js';
import { SnapshotCache } from '../../xds/cache/snapshot-cache.js';
import { RESOURCE_TYPES, type ResourceTypeUrl } from '../../xds/protos/envoy-protos.js';
import { createAdsServer, type AdsConnection, type AdsServer } from '../../xds/server/ads-server.js';
import {
  childProcessFleet,
  inProcessFleet,
  type Fleet,
  type FleetOptions,
  type GatewaySpec,
} from './simulated-gateways.js';

/** Generous: 1,000 gateways and 100,000 endpoints on a busy 2-core machine take minutes. */
const COLD_START_TIMEOUT_MS = 600_000;

export const CDS = RESOURCE_TYPES.cluster;
export const EDS = RESOURCE_TYPES.endpoint;
export const LDS = RESOURCE_TYPES.listener;
export const RDS = RESOURCE_TYPES.route;
/** What the gateways subscribe to (no TLS in the input, so no SDS). */
export const GATEWAY_TYPES: readonly ResourceTypeUrl[] = [CDS, EDS, LDS, RDS];
export const SHORT: Record<string, string> = { [CDS]: 'CDS', [EDS]: 'EDS', [LDS]: 'LDS', [RDS]: 'RDS' };

// ---------------------------------------------------------------------------------------------------
// Small helpers

export const now = (): number => performance.now();
export const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;
export const mb = (bytes: number): number => round(bytes / 1024 / 1024, 1);

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

export function summary(values: readonly number[]): {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
} {
  const s = [...values].sort((a, b) => a - b);
  return {
    n: s.length,
    p50: round(percentile(s, 0.5), 2),
    p90: round(percentile(s, 0.9), 2),
    p99: round(percentile(s, 0.99), 2),
    max: round(s[s.length - 1] ?? NaN, 2),
    mean: round(s.reduce((a, b) => a + b, 0) / Math.max(1, s.length), 2),
  };
}

let gcFn: (() => void) | undefined;
/** A full GC, to read heap used without garbage (V8's --expose-gc, switched on at run time). */
export function collectGarbage(): boolean {
  try {
    if (!gcFn) {
      v8.setFlagsFromString('--expose-gc');
      gcFn = runInNewContext('gc') as () => void;
    }
    gcFn();
    return true;
  } catch {
    return false;
  }
}

export interface MemoryFigures {
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  arrayBuffersMb: number;
  /** Heap used right after a full GC (live data), when a GC could be forced. */
  heapUsedAfterGcMb?: number;
  rssAfterGcMb?: number;
}

export function memory(): MemoryFigures {
  const m = process.memoryUsage();
  const out: MemoryFigures = {
    rssMb: mb(m.rss),
    heapUsedMb: mb(m.heapUsed),
    heapTotalMb: mb(m.heapTotal),
    externalMb: mb(m.external),
    arrayBuffersMb: mb(m.arrayBuffers),
  };
  if (collectGarbage()) {
    const g = process.memoryUsage();
    out.heapUsedAfterGcMb = mb(g.heapUsed);
    out.rssAfterGcMb = mb(g.rss);
  }
  return out;
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------------
// What the server reports: which version each gateway ACKed, and what was pushed.

type Waiter = (conn: AdsConnection, typeUrl: string, version: string) => void;

export class AckBoard {
  readonly acked = new Map<string, Map<string, string>>();
  readonly opened = new Set<string>();
  private readonly openWaiters: Array<() => void> = [];
  private readonly waiters = new Set<Waiter>();
  acks = 0;
  nacks = 0;
  /** Pushes (as the server reports them: resource bytes, not counting the envelope). */
  pushes = 0;
  pushBytes = 0;
  pushResources = 0;
  firstPushAt: number | undefined;
  lastPushAt: number | undefined;

  onOpen(conn: AdsConnection): void {
    this.opened.add(conn.nodeId);
    for (const w of this.openWaiters.splice(0)) w();
  }

  onAck(conn: AdsConnection, typeUrl: string, version: string): void {
    this.acks++;
    let m = this.acked.get(conn.nodeId);
    if (!m) this.acked.set(conn.nodeId, (m = new Map()));
    m.set(typeUrl, version);
    for (const w of [...this.waiters]) w(conn, typeUrl, version);
  }

  onPush(bytes: number, resources: number): void {
    const t = now();
    this.pushes++;
    this.pushBytes += bytes;
    this.pushResources += resources;
    this.firstPushAt ??= t;
    this.lastPushAt = t;
  }

  resetPushes(): void {
    this.pushes = this.pushBytes = this.pushResources = 0;
    this.firstPushAt = this.lastPushAt = undefined;
  }

  async whenOpened(n: number, timeoutMs: number): Promise<void> {
    const p = new Promise<void>((resolve) => {
      const check = (): void => {
        if (this.opened.size >= n) resolve();
        else this.openWaiters.push(check);
      };
      check();
    });
    await withTimeout(p, timeoutMs, `${n} gateway streams to open`);
  }

  /** Calls `w` on every ACK until it returns true. */
  until(w: (conn: AdsConnection, typeUrl: string, version: string) => boolean): Promise<void> {
    return new Promise((resolve) => {
      const waiter: Waiter = (c, t, v) => {
        if (w(c, t, v)) {
          this.waiters.delete(waiter);
          resolve();
        }
      };
      this.waiters.add(waiter);
    });
  }
}

// ---------------------------------------------------------------------------------------------------
// One controller (wired as runController does) plus one fleet of simulated gateways.

export interface Harness {
  readonly cache: SnapshotCache;
  readonly runner: ControllerRunner;
  readonly ads: AdsServer;
  readonly board: AckBoard;
  readonly fleet: Fleet;
  readonly gateways: readonly GatewaySpec[];
  /** Last time the cache stored a new snapshot of each group (set synchronously in the cache). */
  readonly cacheUpdatedAt: Map<string, number>;
  /** The ADS server's port. */
  readonly port: number;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  readonly groups: readonly string[];
  readonly gatewaysPerGroup: number;
  readonly inProcess: boolean;
  readonly connections: 'own' | number;
  /** Default DEFAULT_TRANSLATE_OPTIONS. */
  readonly translateOptions?: TranslateOptions;
  /** Where the ADS server listens (default 127.0.0.1; real gateways in network namespaces need more). */
  readonly listenHost?: string;
}

export async function startHarness(source: ResourceSource, o: HarnessOptions): Promise<Harness> {
  const logger = createLogger({ level: 'warn', name: 'bench-controller', destination: 'stderr' });
  const metrics = new ControllerMetrics();
  const xdsMetrics = new XdsMetrics(metrics.registry);
  const cache = new SnapshotCache();
  const runner = new ControllerRunner({
    source,
    translateOptions: o.translateOptions ?? DEFAULT_TRANSLATE_OPTIONS,
    cache,
    metrics,
    logger,
  });
  const board = new AckBoard();
  const ads = createAdsServer({
    watcher: cache,
    logger: logger.child({ component: 'xds' }),
    // Shutdown only (the defaults wait up to 3 s); serving is untouched.
    closeWindowMs: 50,
    closeGraceMs: 500,
    events: {
      onStreamOpen: (c) => {
        xdsMetrics.gatewayConnected(c.group, c.stream);
        logger.info({ node: c.nodeId, group: c.group, stream: c.stream }, 'gateway connected');
        board.onOpen(c);
      },
      onStreamClose: (c) => {
        xdsMetrics.gatewayDisconnected(c.group, c.stream);
        logger.info({ node: c.nodeId, group: c.group, stream: c.stream }, 'gateway disconnected');
      },
      onPush: (c, typeUrl, _version, bytes, resources) => {
        xdsMetrics.recordPush(c.group, typeUrl, bytes);
        runner.notePushed();
        board.onPush(bytes, resources);
      },
      onAck: (c, typeUrl, version) => {
        xdsMetrics.recordAck(c.group, typeUrl);
        board.onAck(c, typeUrl, version);
      },
      onNack: (c, typeUrl, version, error, names) => {
        xdsMetrics.recordNack(c.group, typeUrl);
        board.nacks++;
        logger.warn(
          { node: c.nodeId, group: c.group, typeUrl, version, resources: names },
          `gateway rejected config: ${error}`,
        );
      },
    },
  });
  const port = await ads.listen(o.listenHost ?? '127.0.0.1', 0);
  const cacheUpdatedAt = new Map<string, number>();
  // Subscribed before any gateway stream, so this listener runs first: the moment the snapshot is stored.
  for (const g of o.groups) cache.subscribe(g, () => cacheUpdatedAt.set(g, now()));

  const gateways: GatewaySpec[] = o.groups.flatMap((group) =>
    Array.from({ length: o.gatewaysPerGroup }, (_, i) => ({
      id: `gw-${group}-${String(i).padStart(2, '0')}`,
      group,
    })),
  );
  const fleetOptions: FleetOptions = { address: `127.0.0.1:${port}`, gateways, connections: o.connections };
  const fleet = o.inProcess ? inProcessFleet(fleetOptions) : childProcessFleet(fleetOptions);
  await fleet.start();
  // Every gateway has sent its first requests (held by the server until the first translation).
  await board.whenOpened(gateways.length, 30_000);
  return {
    cache,
    runner,
    ads,
    board,
    fleet,
    gateways,
    cacheUpdatedAt,
    port,
    async stop() {
      await fleet.close();
      await runner.stop();
      await ads.close();
    },
  };
}

export interface ColdStart {
  /** runner.start() -> every gateway ACKed the current version of CDS, EDS, LDS and RDS. */
  totalMs: number;
  /** runner.start() resolved (load + first full translation + cache stored). */
  runnerStartMs: number;
  /** runner.start() -> every gateway ACKed the final version of that type. */
  allAckedMs: Record<string, number>;
  pushes: number;
  /** Resource bytes pushed, summed over gateways (the server's onPush figure). */
  pushedResourceBytes: number;
  /** Encoded response bytes the gateways received (wire payloads, summed). */
  wireResponseBytes?: number;
  wireRequestBytes?: number;
  responses?: number;
  /** Resources the gateways received, and how many they had to (every resource of the 4 types of their group). */
  resourcesReceived: number;
  resourcesExpected: number;
}

export async function coldStart(h: Harness): Promise<ColdStart> {
  const versionOf = (group: string, t: ResourceTypeUrl): string | undefined =>
    h.cache.isReady() ? h.cache.snapshot(group).types.get(t)?.version : undefined;
  const groupOf = new Map(h.gateways.map((g) => [g.id, g.group]));
  const atFinal = new Map<string, Set<string>>(GATEWAY_TYPES.map((t) => [t, new Set<string>()]));
  const allAckedAt: Record<string, number> = {};
  const done = new Set<string>();
  let t0 = 0;
  h.board.resetPushes();
  const before = h.fleet.stats();
  const finished = h.board.until((conn, typeUrl, version) => {
    const group = groupOf.get(conn.nodeId);
    const set = atFinal.get(typeUrl);
    if (!group || !set) return false;
    if (version === versionOf(group, typeUrl as ResourceTypeUrl)) set.add(conn.nodeId);
    if (set.size === h.gateways.length) allAckedAt[SHORT[typeUrl]!] ??= now() - t0;
    if (GATEWAY_TYPES.every((t) => atFinal.get(t)!.has(conn.nodeId))) done.add(conn.nodeId);
    return done.size === h.gateways.length;
  });
  t0 = now();
  await h.runner.start();
  const runnerStartMs = now() - t0;
  await withTimeout(finished, COLD_START_TIMEOUT_MS, 'cold start');
  const totalMs = now() - t0;
  const [b, a] = [await before, await h.fleet.stats()];
  const received = GATEWAY_TYPES.reduce(
    (n, t) => n + (a.byType[t]?.resources ?? 0) - (b.byType[t]?.resources ?? 0),
    0,
  );
  const expected = h.gateways.reduce(
    (n, g) =>
      n +
      GATEWAY_TYPES.reduce((m, t) => m + (h.cache.snapshot(g.group).types.get(t)?.resources.size ?? 0), 0),
    0,
  );
  // ACKs carry the type's version whatever the subscription; this checks that every gateway really got
  // every cluster, endpoint assignment, listener and route configuration of its group.
  if (received < expected)
    throw new Error(`cold start: gateways received ${received} resources, expected ${expected}`);
  return {
    totalMs: round(totalMs),
    runnerStartMs: round(runnerStartMs),
    allAckedMs: Object.fromEntries(
      GATEWAY_TYPES.map((t) => [SHORT[t]!, round(allAckedAt[SHORT[t]!] ?? NaN)]),
    ),
    pushes: h.board.pushes,
    pushedResourceBytes: h.board.pushBytes,
    wireResponseBytes: a.responseBytes - b.responseBytes,
    wireRequestBytes: a.requestBytes - b.requestBytes,
    responses: a.responses - b.responses,
    resourcesReceived: received,
    resourcesExpected: expected,
  };
}

// ---------------------------------------------------------------------------------------------------
// Report

/** Gateway ids by group. */
export function gatewaysByGroup(h: Harness): Map<string, string[]> {
  const members = new Map<string, string[]>();
  for (const g of h.gateways) members.set(g.group, [...(members.get(g.group) ?? []), g.id]);
  return members;
}

/**
 * Arms a wait, before an endpoint change is made, for every gateway of `groups` to ACK a ClusterLoadAssignment
 * version newer than the current one; also returns when the cache last stored each group (to time the change).
 */
export function awaitGroupsEdsAck(
  h: Harness,
  groups: readonly string[],
  members: ReadonlyMap<string, readonly string[]>,
): { readonly finished: Promise<void>; readonly cacheBefore: ReadonlyMap<string, number | undefined> } {
  const previous = new Map(groups.map((g) => [g, h.cache.snapshot(g).types.get(EDS)?.version]));
  const remaining = new Set(groups.flatMap((g) => members.get(g) ?? []));
  const cacheBefore = new Map(groups.map((g) => [g, h.cacheUpdatedAt.get(g)]));
  const finished = h.board.until((conn, typeUrl, version) => {
    if (typeUrl !== EDS || !remaining.has(conn.nodeId)) return false;
    const current = h.cache.snapshot(conn.group).types.get(EDS)?.version;
    if (version === current && version !== previous.get(conn.group)) remaining.delete(conn.nodeId);
    return remaining.size === 0;
  });
  return { finished, cacheBefore };
}

export function table(rows: ReadonlyArray<readonly string[]>): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd();
  const sep = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(rows[0]!), sep, ...rows.slice(1).map(line)].join('\n');
}

export const fmtMs = (n: number | undefined): string =>
  n === undefined || Number.isNaN(n) ? 'n/a' : `${round(n, 1)} ms`;
export const fmtBytes = (n: number): string =>
  n >= 10_240 ? `${round(n / 1024, 1)} KiB` : `${Math.round(n)} B`;
