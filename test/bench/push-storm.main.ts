/**
 * Benchmark of the ADS server's push limit (`maxConcurrentPushes`, push-limiter.ts): a whole fleet
 * connecting at the same moment (the worst case: no jitter at all, as after a network partition heals)
 * to a server holding the benchmark config (generate-manifests.ts defaults: 1,000 Ingresses over 4
 * groups, 10,000 endpoints). The fleet (simulated-gateways.ts) runs in a child process; this process
 * holds only the ADS server, so its figures are the server's.
 *
 * For each limit, in a fresh process: time until every gateway ACKed the current CDS, EDS, LDS and RDS; the event-loop delay
 * while it happens (how long the server could not answer anything else: keepalives, ACKs, the admin
 * API); and the peak RSS and heap growth. Prints a table and writes dist/push-storm-result.json.
 *
 *   node dist/test/bench/push-storm.main.js [--gateways 200] [--limits unlimited,32,8] [--out FILE]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildResourceSet } from '../../src/resources/resource-set.js';
import { translate } from '../../src/translate/translate.js';
import { DEFAULT_TRANSLATE_OPTIONS } from '../../src/translate/translate-options.js';
import { SnapshotCache } from '../../xds/cache/snapshot-cache.js';
import { createAdsServer } from '../../xds/server/ads-server.js';
import { translateXds } from '../../xds/translator/xds.translator.js';
import { collectGarbage, GATEWAY_TYPES, mb, round, table, withTimeout } from './bench-harness.js';
import { generateInput, groupName } from './generate-manifests.js';
import { childProcessFleet, type GatewaySpec } from './simulated-gateways.js';

interface StormResult {
  readonly limit: string;
  readonly allSyncedMs: number;
  readonly loopDelayP50Ms: number;
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
  readonly peakRssGrowthMb: number;
  readonly peakHeapGrowthMb: number;
}

const UNLIMITED = 1_000_000_000;

async function storm(
  cache: SnapshotCache,
  gateways: readonly GatewaySpec[],
  limit: number,
): Promise<StormResult> {
  const version = (group: string, t: string): string | undefined =>
    cache.snapshot(group).types.get(t as never)?.version;
  const groupOf = new Map(gateways.map((g) => [g.id, g.group]));
  const synced = new Map<string, Set<string>>();
  let resolveAll!: () => void;
  const allSynced = new Promise<void>((r) => (resolveAll = r));
  const ads = createAdsServer({
    watcher: cache,
    maxConcurrentPushes: limit,
    closeWindowMs: 50,
    closeGraceMs: 500,
    events: {
      onAck: (c, typeUrl, v) => {
        const group = groupOf.get(c.nodeId);
        if (group === undefined || v !== version(group, typeUrl)) return;
        let s = synced.get(c.nodeId);
        if (!s) synced.set(c.nodeId, (s = new Set()));
        s.add(typeUrl);
        if (
          s.size === GATEWAY_TYPES.length &&
          [...synced.values()].filter((x) => x.size === GATEWAY_TYPES.length).length === gateways.length
        )
          resolveAll();
      },
    },
  });
  const port = await ads.listen('127.0.0.1', 0);
  collectGarbage();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 10);
  const delay = monitorEventLoopDelay({ resolution: 5 });
  const fleet = childProcessFleet({ address: `127.0.0.1:${port}`, gateways, connections: 'own' });
  delay.enable();
  const t0 = performance.now();
  try {
    await fleet.start();
    await withTimeout(allSynced, 120_000, `every gateway synced (limit ${limit})`);
    const allSyncedMs = performance.now() - t0;
    delay.disable();
    return {
      limit: limit === UNLIMITED ? 'unlimited' : String(limit),
      allSyncedMs: round(allSyncedMs),
      loopDelayP50Ms: round(delay.percentile(50) / 1e6),
      loopDelayP99Ms: round(delay.percentile(99) / 1e6),
      loopDelayMaxMs: round(delay.max / 1e6),
      peakRssGrowthMb: mb(peakRss - base.rss),
      peakHeapGrowthMb: mb(peakHeap - base.heapUsed),
    };
  } finally {
    clearInterval(sampler);
    delay.disable();
    await fleet.close();
    await ads.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      gateways: { type: 'string', default: '200' },
      limits: { type: 'string', default: 'unlimited,32,8' },
      out: { type: 'string' },
      one: { type: 'string' },
    },
  });
  const groups = 4;
  const input = generateInput({ ingresses: 1000, groups, endpointsPerService: 10, namespaces: 10 });
  const resources = buildResourceSet(
    input.objects.map((object) => ({ object, origin: { cluster: 'bench' } })),
  );
  const cache = new SnapshotCache();
  cache.setAll(translateXds(translate(resources, DEFAULT_TRANSLATE_OPTIONS).ir).resources);
  const n = Number(values.gateways);
  const gateways: GatewaySpec[] = Array.from({ length: n }, (_, i) => ({
    id: `gw-${i}`,
    group: groupName(i % groups),
  }));
  if (values.one !== undefined) {
    // One limit in this process (fresh heap and RSS), the result as JSON on stdout.
    const limit = values.one === 'unlimited' ? UNLIMITED : Number(values.one);
    process.stdout.write(`${JSON.stringify(await storm(cache, gateways, limit))}\n`);
    return;
  }
  const results: StormResult[] = values.limits.split(',').map((limit) => {
    const out = execFileSync(
      process.execPath,
      [fileURLToPath(import.meta.url), '--one', limit, '--gateways', String(n)],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * 1024 * 1024 },
    );
    return JSON.parse(out.trim().split('\n').pop()!) as StormResult;
  });

  process.stdout.write(
    `\nPush storm: ${n} gateways connecting at once (1,000 Ingresses, 4 groups, 10,000 endpoints; fleet in a child process)\n`,
  );
  process.stdout.write(
    table([
      ['maxConcurrentPushes', 'all synced', 'loop delay p50 / p99 / max', 'peak RSS / heap growth'],
      ...results.map((r) => [
        r.limit,
        `${r.allSyncedMs} ms`,
        `${r.loopDelayP50Ms} / ${r.loopDelayP99Ms} / ${r.loopDelayMaxMs} ms`,
        `${r.peakRssGrowthMb} / ${r.peakHeapGrowthMb} MB`,
      ]),
    ]),
  );
  const out =
    values.out ??
    path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'push-storm-result.json');
  fs.writeFileSync(out, `${JSON.stringify({ gateways: n, results }, null, 2)}\n`);
  process.stdout.write(`\nwritten to ${out}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`push-storm benchmark failed: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
