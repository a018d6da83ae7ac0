import { KUBE_KINDS, type KubeKindSpec } from './kube-kinds.js';
import { KubeApiError } from '../client/kube-transport.js';
import { KindWatch, type WatchEventType } from './kube-watch.js';
import { FakeApiserver } from '../testdata/fake-apiserver.js';
import { PATHS, rawService, rawTlsSecret } from '../testdata/kube-fixtures.js';
import { captureLogger, sleep, waitFor, type CapturedLogger } from '../testdata/test-helpers.js';

const SERVICE = KUBE_KINDS.find((k) => k.kind === 'Service')!;
const SECRET = KUBE_KINDS.find((k) => k.kind === 'Secret')!;

interface Harness {
  readonly api: FakeApiserver;
  readonly watch: KindWatch;
  readonly lists: string[][];
  readonly events: [WatchEventType, string][];
  readonly log: CapturedLogger;
}

const running: KindWatch[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((w) => w.stop()));
});

function nameOf(o: unknown): string {
  return String((o as { metadata: { name: string } }).metadata.name);
}

function harness(
  opts: {
    spec?: KubeKindSpec;
    api?: FakeApiserver;
    pageSize?: number;
    stallTimeoutMs?: number;
    relistIntervalMs?: number;
    backoff?: { initialMs: number; maxMs: number };
  } = {},
): Harness {
  const api = opts.api ?? new FakeApiserver();
  const lists: string[][] = [];
  const events: [WatchEventType, string][] = [];
  const log = captureLogger();
  const watch = new KindWatch({
    spec: opts.spec ?? SERVICE,
    transport: api,
    logger: log.logger,
    backoff: opts.backoff ?? { initialMs: 4, maxMs: 40 },
    watchTimeoutSeconds: 300,
    random: () => 0.5,
    ...(opts.pageSize !== undefined ? { pageSize: opts.pageSize } : {}),
    ...(opts.stallTimeoutMs !== undefined ? { stallTimeoutMs: opts.stallTimeoutMs } : {}),
    ...(opts.relistIntervalMs !== undefined ? { relistIntervalMs: opts.relistIntervalMs } : {}),
    handlers: {
      onList: (items) => lists.push(items.map(nameOf)),
      onEvent: (type, o) => events.push([type, nameOf(o)]),
    },
  });
  running.push(watch);
  return { api, watch, lists, events, log };
}

test('lists every page, then watches from the list resourceVersion with bookmarks and a timeout', async () => {
  const api = new FakeApiserver();
  for (const n of ['a', 'b', 'c', 'd', 'e']) api.put(PATHS.Service, rawService(n));
  const h = harness({ api, pageSize: 2 });
  h.watch.start();
  await h.watch.listed;
  expect(h.lists).toEqual([['a', 'b', 'c', 'd', 'e']]);
  expect(api.listCalls.map((c) => c.query)).toEqual([
    { limit: '2' },
    { limit: '2', continue: '2' },
    { limit: '2', continue: '4' },
  ]);
  await waitFor(() => api.openWatches === 1, 'the watch');
  expect(api.watchCalls[0]).toEqual({
    path: '/api/v1/services',
    query: { resourceVersion: String(api.rv), allowWatchBookmarks: 'true', timeoutSeconds: '300' },
  });
});

test('the Secret list and watch carry the TLS field selector', async () => {
  const api = new FakeApiserver();
  api.put(PATHS.Secret, rawTlsSecret('tls'));
  api.put(PATHS.Secret, { ...rawTlsSecret('opaque'), type: 'Opaque' });
  const h = harness({ api, spec: SECRET });
  h.watch.start();
  await h.watch.listed;
  expect(h.lists).toEqual([['tls']]);
  await waitFor(() => api.openWatches === 1, 'the watch');
  expect(api.listCalls[0]?.query['fieldSelector']).toBe('type=kubernetes.io/tls');
  expect(api.watchCalls[0]?.query['fieldSelector']).toBe('type=kubernetes.io/tls');
});

test('events reach the handler; a normal close reopens at once from the last resourceVersion (bookmarks too)', async () => {
  const h = harness();
  h.watch.start();
  await waitFor(() => h.api.openWatches === 1, 'the watch');
  h.api.put(PATHS.Service, rawService('a'));
  h.api.put(PATHS.Service, rawService('a', 81));
  h.api.delete(PATHS.Service, 'shop', 'a');
  expect(h.events).toEqual([
    ['ADDED', 'a'],
    ['MODIFIED', 'a'],
    ['DELETED', 'a'],
  ]);
  h.api.rv += 10; // other kinds moved on
  h.api.bookmark();
  const bookmarked = String(h.api.rv);
  h.api.endWatches();
  await waitFor(() => h.api.watchCalls.length === 2 && h.api.openWatches === 1, 'the reopened watch');
  expect(h.api.watchCalls[1]?.query['resourceVersion']).toBe(bookmarked);
  expect(h.api.listCalls).toHaveLength(1);
});

test('a dropped watch resumes from the last resourceVersion, after a backoff, and catches up without a relist', async () => {
  const h = harness();
  h.api.put(PATHS.Service, rawService('a'));
  h.watch.start();
  await waitFor(() => h.api.openWatches === 1, 'the watch');
  h.api.put(PATHS.Service, rawService('b'));
  const seen = String(h.api.rv);
  h.api.down();
  h.api.put(PATHS.Service, rawService('c')); // made while the watch is down
  await sleep(20);
  expect(h.events).toEqual([['ADDED', 'b']]);
  h.api.up();
  await waitFor(() => h.events.length === 2, 'the missed event');
  expect(h.events[1]).toEqual(['ADDED', 'c']);
  expect(h.api.listCalls).toHaveLength(1);
  expect(h.lists).toEqual([['a']]);
  const resumed = h.api.watchCalls.filter((c) => c.query['resourceVersion'] === seen);
  expect(resumed.length).toBeGreaterThanOrEqual(2);
  expect(h.log.lines.some((l) => l['msg'] === 'watch failed; keeping the last state and resuming')).toBe(
    true,
  );
});

test('410 Gone on resume relists and hands over the full new state', async () => {
  const h = harness();
  h.api.put(PATHS.Service, rawService('a'));
  h.api.put(PATHS.Service, rawService('b'));
  h.watch.start();
  await waitFor(() => h.api.openWatches === 1, 'the watch');
  h.api.down();
  h.api.delete(PATHS.Service, 'shop', 'a');
  h.api.put(PATHS.Service, rawService('c'));
  h.api.compact();
  h.api.up();
  await waitFor(() => h.lists.length === 2, 'the relist');
  expect(h.lists).toEqual([
    ['a', 'b'],
    ['b', 'c'],
  ]);
  await waitFor(() => h.api.openWatches === 1, 'the new watch');
  expect(h.api.watchCalls.at(-1)?.query['resourceVersion']).toBe(String(h.api.rv));
  expect(h.log.lines.some((l) => String(l['msg']).includes('410 Gone'))).toBe(true);
  expect(h.log.lines.some((l) => l['msg'] === 'relisted')).toBe(true);
});

test('an ERROR event with 410 in an open watch relists; so does an HTTP 410 answer to the watch', async () => {
  const h = harness();
  h.watch.start();
  await waitFor(() => h.api.openWatches === 1, 'the watch');
  h.api.sendError(410, 'too old resource version');
  await waitFor(() => h.lists.length === 2, 'the relist');
  await waitFor(() => h.api.openWatches === 1, 'the new watch');
  h.api.endWatches(new KubeApiError(410, 'Gone'));
  await waitFor(() => h.lists.length === 3, 'the second relist');
});

test('after an outage, the first 410 relists at once (the apiserver answered); 410 right after a relist backs off', async () => {
  // A long backoff: a relist that waited for it would not happen within the test.
  const h = harness({ backoff: { initialMs: 2_000, maxMs: 2_000 } });
  h.api.put(PATHS.Service, rawService('a'));
  h.watch.start();
  await waitFor(() => h.api.openWatches === 1, 'the watch');
  h.api.sendError(410, 'too old resource version');
  const t0 = Date.now();
  await waitFor(() => h.lists.length === 2, 'the relist');
  expect(Date.now() - t0).toBeLessThan(1_000);
  await waitFor(() => h.api.openWatches === 1, 'the new watch');
  // Now a 410 at once after that relist: this one waits for the backoff.
  h.api.sendError(410, 'too old resource version');
  await sleep(300);
  expect(h.lists).toHaveLength(2);
});

test('failures back off exponentially (capped, jittered); a healthy watch resets the count', async () => {
  const h = harness({ backoff: { initialMs: 4, maxMs: 16 } });
  h.api.down();
  h.watch.start();
  await waitFor(
    () => h.log.lines.filter((l) => l['msg'] === 'list failed').length >= 5,
    'five list failures',
  );
  const delays = h.log.lines.filter((l) => l['msg'] === 'list failed').map((l) => l['retryInMs']);
  // random() = 0.5: three quarters of the nominal 4, 8, 16, 16, ... ms
  expect(delays.slice(0, 5)).toEqual([3, 6, 12, 12, 12]);
  expect(h.watch.lastError).toBeDefined();
  h.api.up();
  await h.watch.listed;
  await waitFor(() => h.api.openWatches === 1, 'the watch');
  h.api.put(PATHS.Service, rawService('a')); // a healthy watch: the count restarts
  h.log.lines.length = 0;
  h.api.down();
  await waitFor(() => h.log.lines.some((l) => l['retryInMs'] !== undefined), 'a retry');
  expect(h.log.lines.find((l) => l['retryInMs'] !== undefined)?.['retryInMs']).toBe(3);
});

test('an HTTP error on the first list leaves `listed` pending with lastError, until it succeeds', async () => {
  const h = harness();
  h.api.failPaths.set(PATHS.Service, new KubeApiError(403, 'GET /api/v1/services: 403 Forbidden: no'));
  h.watch.start();
  await waitFor(() => h.watch.lastError !== undefined, 'an error');
  expect(h.watch.isListed).toBe(false);
  expect((h.watch.lastError as Error).message).toContain('403 Forbidden');
  h.api.failPaths.clear();
  await h.watch.listed;
  expect(h.watch.isListed).toBe(true);
  expect(h.watch.lastError).toBeUndefined();
});

test('a watch that closes at once without events backs off instead of spinning', async () => {
  const h = harness({ backoff: { initialMs: 10, maxMs: 40 } });
  h.watch.start();
  await waitFor(() => h.api.openWatches === 1, 'the watch');
  const calls0 = h.api.watchCalls.length;
  for (let i = 0; i < 20; i++) {
    h.api.endWatches();
    await sleep(5);
  }
  // 100 ms of immediate closes with 7.5, 15, 30, 30 ms delays: a handful of reopenings, not hundreds.
  expect(h.api.watchCalls.length - calls0).toBeLessThan(10);
});

test('a stalled watch (nothing, not even a bookmark) is abandoned and reopened from the same resourceVersion', async () => {
  const h = harness({ stallTimeoutMs: 30 });
  h.watch.start();
  await waitFor(() => h.api.watchCalls.length >= 2, 'a reopened watch', 1_000);
  expect(h.api.watchCalls[1]?.query['resourceVersion']).toBe(h.api.watchCalls[0]?.query['resourceVersion']);
  expect(h.log.lines.some((l) => String(l['error']).includes('watch stalled'))).toBe(true);
  expect(h.api.listCalls).toHaveLength(1);
});

test('an ERROR event other than 410 resumes from the same resourceVersion', async () => {
  const h = harness();
  h.watch.start();
  await waitFor(() => h.api.openWatches === 1, 'the watch');
  const rv = h.api.watchCalls[0]!.query['resourceVersion'];
  h.api.sendError(500, 'etcd unavailable');
  await waitFor(() => h.api.watchCalls.length === 2, 'the resumed watch');
  expect(h.api.watchCalls[1]?.query['resourceVersion']).toBe(rv);
  expect(h.lists).toHaveLength(1);
  expect(
    h.log.lines.find((l) => l['msg'] === 'watch failed; keeping the last state and resuming')?.['error'],
  ).toBe('watch error 500: etcd unavailable');
});

test('requestRelist (and the relist interval) relist without losing anything', async () => {
  const h = harness({ relistIntervalMs: 25 });
  h.api.put(PATHS.Service, rawService('a'));
  h.watch.start();
  await waitFor(() => h.lists.length >= 3, 'periodic relists', 1_000);
  expect(h.lists.every((l) => l.join() === 'a')).toBe(true);
});

test('the late end of an aborted watch does not touch the next one', async () => {
  const h = harness();
  h.api.abortDoneDelayMs = 20;
  h.watch.start();
  await waitFor(() => h.api.openWatches === 1, 'the watch');
  h.watch.requestRelist();
  await waitFor(() => h.lists.length === 2 && h.api.openWatches === 1, 'the relist and the new watch');
  const calls = h.api.watchCalls.length;
  await sleep(60);
  expect(h.api.openWatches).toBe(1);
  expect(h.api.watchCalls.length).toBe(calls);
  h.api.put(PATHS.Service, rawService('a'));
  expect(h.events).toEqual([['ADDED', 'a']]);
});

test('stop() ends the loop: no handler call afterwards, the watch is closed, and start() resumes', async () => {
  const h = harness();
  h.watch.start();
  await waitFor(() => h.api.openWatches === 1, 'the watch');
  await h.watch.stop();
  expect(h.api.openWatches).toBe(0);
  h.api.put(PATHS.Service, rawService('late'));
  await sleep(10);
  expect(h.events).toEqual([]);
  h.watch.start();
  await waitFor(() => h.events.length === 1, 'the replayed event');
  expect(h.events).toEqual([['ADDED', 'late']]);
  expect(h.api.listCalls).toHaveLength(1);
});

test('start() right after a stop() that has not finished yet runs one loop, not two', async () => {
  const h = harness();
  h.watch.start();
  await waitFor(() => h.api.openWatches === 1, 'the watch');
  const stopping = h.watch.stop();
  h.watch.start();
  await stopping;
  await waitFor(() => h.api.openWatches === 1, 'the reopened watch');
  await sleep(20);
  expect(h.api.openWatches).toBe(1);
  h.api.put(PATHS.Service, rawService('a'));
  expect(h.events).toEqual([['ADDED', 'a']]);
});

test('stop() during a backoff or a pending first list returns promptly', async () => {
  const h = harness({ backoff: { initialMs: 60_000, maxMs: 60_000 } });
  h.api.down();
  h.watch.start();
  await waitFor(() => h.watch.lastError !== undefined, 'a failure');
  const t0 = Date.now();
  await h.watch.stop();
  expect(Date.now() - t0).toBeLessThan(100);
});
