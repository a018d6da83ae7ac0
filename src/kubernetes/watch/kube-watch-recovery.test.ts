/**
 * The list+watch loops after an outage and on paged lists: parked on the cluster's readiness gate (one
 * probe for every kind), Retry-After honoured, an expired continue token relisted, nothing missed between
 * the list and the watch.
 */
import { KUBE_KINDS } from './kube-kinds.js';
import { KubeApiError, type KubeTransport } from '../client/kube-transport.js';
import { ReachabilityGate } from '../client/reachability-gate.js';
import { KindWatch, type WatchEventType } from './kube-watch.js';
import { dropManagedFields } from './watch-objects.js';
import { FakeApiserver } from '../testdata/fake-apiserver.js';
import { PATHS, rawService } from '../testdata/kube-fixtures.js';
import { captureLogger, sleep, waitFor, type CapturedLogger } from '../testdata/test-helpers.js';

const running: KindWatch[] = [];
const gates: ReachabilityGate[] = [];
afterEach(async () => {
  for (const g of gates.splice(0)) g.close();
  await Promise.all(running.splice(0).map((w) => w.stop()));
});

function nameOf(o: unknown): string {
  return String((o as { metadata: { name: string } }).metadata.name);
}

interface Loop {
  readonly watch: KindWatch;
  readonly lists: string[][];
  readonly events: [WatchEventType, string][];
}

function loops(
  transport: KubeTransport,
  opts: { gate?: ReachabilityGate; backoff?: { initialMs: number; maxMs: number }; pageSize?: number },
): { readonly all: Loop[]; readonly log: CapturedLogger } {
  const log = captureLogger();
  const all = KUBE_KINDS.map((spec) => {
    const lists: string[][] = [];
    const events: [WatchEventType, string][] = [];
    const watch = new KindWatch({
      spec,
      transport,
      logger: log.logger,
      backoff: opts.backoff ?? { initialMs: 4, maxMs: 10_000 },
      watchTimeoutSeconds: 300,
      random: () => 0.5,
      ...(opts.gate !== undefined ? { gate: opts.gate } : {}),
      ...(opts.pageSize !== undefined ? { pageSize: opts.pageSize } : {}),
      handlers: {
        onList: (items) => lists.push(items.map(nameOf)),
        onEvent: (type, o) => events.push([type, nameOf(o)]),
      },
    });
    running.push(watch);
    return { watch, lists, events };
  });
  return { all, log };
}

function gateFor(api: FakeApiserver, backoff = { initialMs: 5, maxMs: 20 }): ReachabilityGate {
  const gate = new ReachabilityGate({ probe: api.probe!, backoff, random: () => 0.5 });
  gates.push(gate);
  return gate;
}

const requests = (api: FakeApiserver): number => api.listCalls.length + api.watchCalls.length;

test('while the apiserver is away every kind waits on ONE probe; when it answers, all resume and catch up', async () => {
  const api = new FakeApiserver({ readyz: true });
  api.put(PATHS.Service, rawService('a'));
  const { all } = loops(api, { gate: gateFor(api) });
  for (const l of all) l.watch.start();
  await waitFor(() => api.openWatches === all.length, 'every watch');
  api.down();
  api.put(PATHS.Service, rawService('b')); // written meanwhile
  const before = requests(api);
  await sleep(300);
  // Each kind tried once (and parked); only the probe kept asking.
  expect(requests(api) - before).toBeLessThanOrEqual(all.length);
  expect(api.probeCalls).toBeGreaterThanOrEqual(5);
  api.up();
  await waitFor(() => api.openWatches === all.length, 'every watch again');
  const services = all[KUBE_KINDS.findIndex((k) => k.kind === 'Service')]!;
  await waitFor(() => services.events.length === 1, 'the change made meanwhile');
  expect(services.events).toEqual([['ADDED', 'b']]);
  expect(api.listCalls).toHaveLength(all.length); // resumed from the resourceVersion: no relist
});

test('without the gate the same outage costs every kind its own retries (the baseline)', async () => {
  const api = new FakeApiserver({ readyz: true });
  const { all } = loops(api, {});
  for (const l of all) l.watch.start();
  await waitFor(() => api.openWatches === all.length, 'every watch');
  api.down();
  const before = requests(api);
  await sleep(300);
  expect(requests(api) - before).toBeGreaterThan(3 * all.length);
  expect(api.probeCalls).toBe(0);
});

test('a probe that never says ready stalls no loop longer than its backoff cap', async () => {
  const api = new FakeApiserver({ readyz: true });
  api.readyzAnswer = { status: 500 }; // /readyz failing while watches would work
  const { all } = loops(api, { gate: gateFor(api), backoff: { initialMs: 4, maxMs: 40 } });
  const [first] = all;
  first!.watch.start();
  await waitFor(() => api.openWatches === 1, 'the watch');
  api.down();
  await sleep(20);
  api.up();
  await waitFor(() => api.openWatches === 1, 'the watch after the cap');
  expect(api.probeCalls).toBeGreaterThanOrEqual(1);
});

test('a watch that delivers an event releases the loops of other kinds parked on the gate', async () => {
  const api = new FakeApiserver({ readyz: true });
  api.readyzAnswer = { status: 503 }; // the probe alone would never release them
  const gate = gateFor(api);
  const { all } = loops(api, { gate, backoff: { initialMs: 4, maxMs: 60_000 } });
  const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
  for (const k of KUBE_KINDS) if (k.kind !== 'Service') api.failPaths.set(k.path, reset);
  for (const l of all) l.watch.start();
  await waitFor(() => gate.parked === all.length - 1, 'every other kind parked');
  api.failPaths.clear();
  await sleep(50);
  expect(all.filter((l) => l.watch.isListed)).toHaveLength(1);
  api.put(PATHS.Service, rawService('a')); // the Service watch answers: the apiserver is there
  await waitFor(() => all.every((l) => l.watch.isListed), 'every kind listed');
});

test('a 429 with Retry-After is honoured (up to the backoff cap)', async () => {
  const api = new FakeApiserver({ readyz: true });
  api.failPaths.set(PATHS.Service, new KubeApiError(429, 'GET /api/v1/services: 429 Too Many Requests', 150));
  const { all, log } = loops(api, { gate: gateFor(api), backoff: { initialMs: 4, maxMs: 1_000 } });
  const services = all[KUBE_KINDS.findIndex((k) => k.kind === 'Service')]!;
  services.watch.start();
  await waitFor(() => log.lines.some((l) => l['msg'] === 'list failed'), 'the 429');
  const line = log.lines.find((l) => l['msg'] === 'list failed')!;
  expect(line['retryInMs']).toBe(150);
  expect(line['thenUntilApiserverReady']).toBeUndefined(); // it answered: no probe needed
  api.failPaths.clear();
  await services.watch.listed;
  expect(api.probeCalls).toBe(0);
});

test('an expired continue token (410 while paging) lists again from the start, at once, and hands over one full list', async () => {
  const api = new FakeApiserver({ readyz: true });
  for (const n of ['a', 'b', 'c', 'd', 'e']) api.put(PATHS.Service, rawService(n));
  api.expireContinueTokens = 1;
  const { all, log } = loops(api, { backoff: { initialMs: 5_000, maxMs: 5_000 }, pageSize: 2 });
  const services = all[KUBE_KINDS.findIndex((k) => k.kind === 'Service')]!;
  services.watch.start();
  await services.watch.listed;
  expect(services.lists).toEqual([['a', 'b', 'c', 'd', 'e']]);
  expect(api.listCalls.map((c) => c.query)).toEqual([
    { limit: '2' },
    { limit: '2', continue: '2' },
    { limit: '2' },
    { limit: '2', continue: '2' },
    { limit: '2', continue: '4' },
  ]);
  expect(log.lines.some((l) => String(l['msg']).includes('continue token expired'))).toBe(true);
});

test('an object written between the last page and the watch reaches the handler (the watch starts at the list)', async () => {
  const api = new FakeApiserver();
  for (const n of ['a', 'b', 'c']) api.put(PATHS.Service, rawService(n));
  let written = false;
  const racing: KubeTransport = {
    list: (path, query, signal) => api.list(path, query, signal),
    watch: (path, query, onEvent, onDone) => {
      if (!written) {
        written = true;
        api.put(PATHS.Service, rawService('late'));
        api.delete(PATHS.Service, 'shop', 'a');
      }
      return api.watch(path, query, onEvent, onDone);
    },
  };
  const { all } = loops(racing, { pageSize: 2 });
  const services = all[KUBE_KINDS.findIndex((k) => k.kind === 'Service')]!;
  services.watch.start();
  await waitFor(() => services.events.length === 2, 'the two events');
  expect(services.lists).toEqual([['a', 'b', 'c']]);
  expect(services.events).toEqual([
    ['ADDED', 'late'],
    ['DELETED', 'a'],
  ]);
});

test('listed items lose their managedFields page by page (never read; the biggest part of many objects)', async () => {
  const api = new FakeApiserver();
  const withFields = (n: string): Record<string, unknown> => {
    const o = rawService(n);
    (o['metadata'] as Record<string, unknown>)['managedFields'] = [
      { manager: 'kubectl', operation: 'Apply' },
    ];
    return o;
  };
  for (const n of ['a', 'b', 'c']) api.put(PATHS.Service, withFields(n));
  const raws: unknown[] = [];
  const watch = new KindWatch({
    spec: KUBE_KINDS.find((k) => k.kind === 'Service')!,
    transport: api,
    logger: captureLogger().logger,
    pageSize: 2,
    handlers: { onList: (items) => raws.push(...items), onEvent: () => undefined },
  });
  running.push(watch);
  watch.start();
  await watch.listed;
  expect(raws).toHaveLength(3);
  for (const raw of raws) {
    const meta = (raw as { metadata: Record<string, unknown> }).metadata;
    expect(meta).not.toHaveProperty('managedFields');
    expect(meta['name']).toBeDefined();
  }
  expect(dropManagedFields(null)).toBeNull();
  expect(dropManagedFields({ metadata: 'odd' })).toEqual({ metadata: 'odd' });
});
