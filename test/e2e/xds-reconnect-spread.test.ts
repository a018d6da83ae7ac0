/**
 * 100 simulated gateways (light Delta clients with Envoy's jittered reconnect backoff) on a controller
 * process, which is restarted twice: gracefully (SIGTERM: close() ends the streams at random moments over
 * its 2 s close window) and with kill -9 (all streams end at once; the clients' own jitter spreads the
 * reconnects). The reconnect moments must be spread, every gateway must end up with its group's full
 * config again, and the restarted controller's CPU and memory during the reconnect stay bounded. The
 * figures are printed (min / p50 / max).
 */
import fs from 'node:fs';
import path from 'node:path';
import { startControllerProcess, type ControllerProcess } from '../support/controller-process.js';
import { tempDir } from '../support/manifests.js';
import { freePorts } from '../support/ports.js';
import { ReconnectingGateway, spreadOf } from '../support/reconnecting-gateways.js';
import { generateInput, groupName, manifestFiles } from '../bench/generate-manifests.js';

const GATEWAYS = 100;
const GROUPS = 2;
/** The controller's default close window (AdsServerTuning.closeWindowMs). */
const CLOSE_WINDOW_MS = 2000;
/** Envoy-like reconnect backoff (the bootstrap's default is 1 s / 30 s; shorter keeps the test short). */
const BACKOFF = { baseMs: 500, maxMs: 4000 };

let dir: string;
let ports: { xds: number; admin: number; http: number; https: number };
let controller: ControllerProcess | undefined;
let fleet: ReconnectingGateway[] = [];

type Names = ReturnType<ReconnectingGateway['names']>;

beforeAll(async () => {
  dir = tempDir('causeway-e2e-spread-');
  const input = generateInput({ ingresses: 200, groups: GROUPS, endpointsPerService: 5, namespaces: 4 });
  for (const [name, text] of manifestFiles(input.objects, 50)) fs.writeFileSync(path.join(dir, name), text);
  const [xds, admin, http, https] = (await freePorts(4)) as [number, number, number, number];
  ports = { xds, admin, http, https };
});

afterEach(async () => {
  for (const g of fleet) g.stop();
  fleet = [];
  await controller?.kill('SIGKILL');
  controller = undefined;
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function startController(): Promise<ControllerProcess> {
  return startControllerProcess({
    manifests: dir,
    xdsPort: ports.xds,
    adminPort: ports.admin,
    httpPort: ports.http,
    httpsPort: ports.https,
  });
}

/** The resource names the controller serves a group (`/debug/config`). */
async function expectedNames(group: string): Promise<Names> {
  const r = await fetch(`http://127.0.0.1:${ports.admin}/debug/config?group=${group}`);
  const c = (await r.json()) as Record<
    'clusters' | 'endpoints' | 'listeners' | 'routes',
    Array<Record<string, string>>
  >;
  const names = (list: Array<Record<string, string>>, key: string): string[] =>
    list.map((x) => x[key] ?? '').sort();
  return {
    clusters: names(c.clusters, 'name'),
    endpoints: names(c.endpoints, 'cluster_name'),
    listeners: names(c.listeners, 'name'),
    routes: names(c.routes, 'name'),
  };
}

/** Waits until every gateway holds exactly its group's config. */
async function allFull(timeoutMs: number): Promise<void> {
  const expected = new Map<string, Names>();
  for (let g = 0; g < GROUPS; g++) expected.set(groupName(g), await expectedNames(groupName(g)));
  for (const e of expected.values()) {
    expect(e.clusters.length).toBeGreaterThan(10);
    expect(e.endpoints).toEqual(e.clusters);
    expect(e.listeners.length).toBeGreaterThan(0);
    expect(e.routes.length).toBeGreaterThan(0);
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const behind = fleet.filter((g) => JSON.stringify(g.names()) !== JSON.stringify(expected.get(g.group)));
    if (behind.length === 0) return;
    if (Date.now() > deadline) {
      const g = behind[0]!;
      throw new Error(
        `${behind.length} gateways lack their full config, e.g. ${g.id}: ${JSON.stringify(g.names()).slice(0, 300)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** CPU (cores, per sampling window) and RSS of a process, from /proc. */
function sampleProcess(
  pid: number,
  windowMs = 250,
): { stop(): { peakCores: number; cpuMs: number; peakRssMb: number } } {
  const ticksPerSecond = 100; // USER_HZ on Linux
  const read = (): { cpuMs: number; rssMb: number } | undefined => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
      const rss = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      return { cpuMs: (ticks * 1000) / ticksPerSecond, rssMb: Number(rss ?? 0) / 1024 };
    } catch {
      return undefined;
    }
  };
  const first = read();
  let last = first;
  let lastAt = performance.now();
  let peakCores = 0;
  let peakRssMb = first?.rssMb ?? 0;
  const timer = setInterval(() => {
    const now = read();
    const at = performance.now();
    if (now && last) {
      peakCores = Math.max(peakCores, (now.cpuMs - last.cpuMs) / (at - lastAt));
      peakRssMb = Math.max(peakRssMb, now.rssMb);
    }
    last = now ?? last;
    lastAt = at;
  }, windowMs);
  return {
    stop() {
      clearInterval(timer);
      return { peakCores, cpuMs: (last?.cpuMs ?? 0) - (first?.cpuMs ?? 0), peakRssMb };
    },
  };
}

async function startFleet(): Promise<void> {
  fleet = Array.from(
    { length: GATEWAYS },
    (_, i) => new ReconnectingGateway(`127.0.0.1:${ports.xds}`, `gw-${i}`, groupName(i % GROUPS), BACKOFF),
  );
  for (const g of fleet) g.start();
  await allFull(30_000);
}

/** Per gateway, the first moment after `t` in a list of moments, minus `t`. */
function firstAfter(t: number, pick: (g: ReconnectingGateway) => readonly number[]): number[] {
  return fleet.map((g) => {
    const m = pick(g).find((x) => x >= t);
    if (m === undefined) throw new Error(`${g.id}: nothing after ${t}`);
    return m - t;
  });
}

const fmt = (s: ReturnType<typeof spreadOf>): string =>
  `min ${s.min} ms, p50 ${s.p50} ms, max ${s.max} ms, at most ${s.maxPerBucket} in one 100 ms bucket`;

async function restartAndMeasure(signal: 'SIGTERM' | 'SIGKILL'): Promise<{
  ends: ReturnType<typeof spreadOf>;
  reconnects: ReturnType<typeof spreadOf>;
  usage: { peakCores: number; cpuMs: number; peakRssMb: number };
}> {
  controller = await startController();
  await startFleet();
  const stoppedAt = Date.now();
  await controller.kill(signal);
  const restartAt = Date.now();
  controller = await startController();
  const readyAfterMs = Date.now() - restartAt;
  const sampler = sampleProcess(controller.child.pid!);
  let usage: { peakCores: number; cpuMs: number; peakRssMb: number };
  try {
    await allFull(60_000);
  } finally {
    usage = sampler.stop();
  }
  const ends = spreadOf(firstAfter(stoppedAt, (g) => g.timeline.streamEnds));
  const reconnects = spreadOf(firstAfter(restartAt, (g) => g.timeline.established));
  process.stdout.write(
    `xDS reconnect spread after ${signal} (${GATEWAYS} gateways):\n` +
      `  stream ends after the signal: ${fmt(ends)}\n` +
      `  reconnects after the new controller was started (ready after ${readyAfterMs} ms): ${fmt(reconnects)}\n` +
      `  restarted controller during the reconnect: peak ${usage.peakCores.toFixed(2)} cores (250 ms windows), ` +
      `${Math.round(usage.cpuMs)} ms CPU, peak RSS ${Math.round(usage.peakRssMb)} MB\n`,
  );
  return { ends, reconnects, usage };
}

test('graceful restart (SIGTERM): stream ends spread over the close window, reconnects spread, full config, CPU bounded', async () => {
  const { ends, reconnects, usage } = await restartAndMeasure('SIGTERM');
  // close() ends the streams at random moments within the 2 s window, not all at once.
  expect(ends.max - ends.min).toBeGreaterThan(0.6 * CLOSE_WINDOW_MS);
  expect(ends.maxPerBucket).toBeLessThanOrEqual(25);
  expect(reconnects.maxPerBucket).toBeLessThan(GATEWAYS / 2);
  expect(reconnects.max - reconnects.min).toBeGreaterThan(200);
  expect(usage.peakRssMb).toBeLessThan(1024);
  expect(usage.peakCores).toBeLessThan(1.5);
  expect(usage.cpuMs).toBeLessThan(5000);
}, 180_000);

test('kill -9: the gateways reconnect with their own jitter, spread, full config, CPU bounded', async () => {
  const { ends, reconnects, usage } = await restartAndMeasure('SIGKILL');
  // All streams end together (the process is gone) ...
  expect(ends.max - ends.min).toBeLessThan(CLOSE_WINDOW_MS);
  // ... and the clients' jittered backoff spreads the reconnects.
  expect(reconnects.maxPerBucket).toBeLessThan(GATEWAYS / 2);
  expect(reconnects.max - reconnects.min).toBeGreaterThan(200);
  expect(usage.peakRssMb).toBeLessThan(1024);
  expect(usage.peakCores).toBeLessThan(1.5);
  expect(usage.cpuMs).toBeLessThan(5000);
}, 180_000);
