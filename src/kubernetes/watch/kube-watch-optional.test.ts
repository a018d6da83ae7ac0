/**
 * The optional kinds (the Gateway API's): a cluster without their CRDs (404) or without the RBAC to read
 * them (403) has none of them at once, is listed again every `absentRecheckMs`, and is watched once the CRD
 * exists; a CRD deleted later empties the kind.
 */
import { GATEWAY_API_KUBE_KINDS } from './kube-kinds.js';
import { KubeApiError } from '../client/kube-transport.js';
import { KindWatch } from './kube-watch.js';
import { FakeApiserver } from '../testdata/fake-apiserver.js';
import { captureLogger, waitFor, type CapturedLogger } from '../testdata/test-helpers.js';

const GATEWAYS = GATEWAY_API_KUBE_KINDS.find((k) => k.kind === 'Gateway')!;
const notFound = (): KubeApiError => new KubeApiError(404, `GET ${GATEWAYS.path}: 404 Not Found`);

const running: KindWatch[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((w) => w.stop()));
});

function gateway(name: string): Record<string, unknown> {
  return {
    metadata: { name, namespace: 'infra' },
    spec: { gatewayClassName: 'causeway', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
  };
}

function start(api: FakeApiserver, absentRecheckMs: number, optional = true) {
  const lists: string[][] = [];
  const events: string[] = [];
  const log: CapturedLogger = captureLogger();
  const watch = new KindWatch({
    spec: { ...GATEWAYS, optional },
    transport: api,
    logger: log.logger,
    backoff: { initialMs: 4, maxMs: 40 },
    absentRecheckMs,
    random: () => 0.5,
    handlers: {
      onList: (items) =>
        lists.push(items.map((o) => String((o as { metadata: { name: string } }).metadata.name))),
      onEvent: (type, o) => events.push(`${type} ${(o as { metadata: { name: string } }).metadata.name}`),
    },
  });
  running.push(watch);
  watch.start();
  return { watch, lists, events, log };
}

const infoLines = (log: CapturedLogger): unknown[] =>
  log.lines.filter((l) => l['level'] === 30 && String(l['msg']).includes('not served by this cluster'));

test('a 404 on the list of an optional kind is an empty, complete first list, logged once at info', async () => {
  const api = new FakeApiserver();
  api.failPaths.set(GATEWAYS.path, notFound());
  const h = start(api, 20);
  await h.watch.listed;
  expect(h.lists[0]).toEqual([]);
  expect(h.watch.lastError).toBeUndefined();
  // Listed again every absentRecheckMs, never watched, logged at info only once.
  await waitFor(() => api.listCalls.length >= 3, 'the rechecks');
  expect(api.watchCalls).toEqual([]);
  expect(infoLines(h.log)).toHaveLength(1);
});

test('once the CRD is installed the kind is listed and watched; deleting the CRD empties it', async () => {
  const api = new FakeApiserver();
  api.failPaths.set(GATEWAYS.path, notFound());
  const h = start(api, 20);
  await h.watch.listed;
  api.failPaths.clear();
  api.put(GATEWAYS.path, gateway('edge'));
  await waitFor(() => h.lists.some((l) => l.includes('edge')), 'the list with the Gateway');
  await waitFor(() => api.openWatches === 1, 'the watch');
  api.put(GATEWAYS.path, gateway('second'));
  await waitFor(() => h.events.includes('ADDED second'), 'the watch event');
  expect(h.log.lines.some((l) => String(l['msg']).includes('now served by the cluster'))).toBe(true);
  // The CRD goes: the watch fails with 404, the relist answers 404: the kind is empty again.
  api.failPaths.set(GATEWAYS.path, notFound());
  api.endWatches(notFound());
  await waitFor(() => h.lists.length > 0 && h.lists[h.lists.length - 1]!.length === 0, 'the empty list');
});

test('a 403 on an optional kind is "none of them" too (RBAC not updated), with a message saying so', async () => {
  const api = new FakeApiserver();
  api.failPaths.set(GATEWAYS.path, new KubeApiError(403, 'forbidden'));
  const h = start(api, 1_000);
  await h.watch.listed;
  expect(h.lists).toEqual([[]]);
  expect(h.log.lines.some((l) => String(l['msg']).includes('manifests/rbac.yaml'))).toBe(true);
});

test('a kind that is not optional is never listed as empty on a 404: it retries with backoff', async () => {
  const api = new FakeApiserver();
  api.failPaths.set(GATEWAYS.path, notFound());
  const h = start(api, 20, false);
  await waitFor(() => api.listCalls.length >= 2, 'the retries');
  expect(h.watch.isListed).toBe(false);
  expect(h.lists).toEqual([]);
  expect(h.watch.lastError).toBeInstanceOf(KubeApiError);
});

test('an optional kind failing otherwise (500) is not taken as absent', async () => {
  const api = new FakeApiserver();
  api.failPaths.set(GATEWAYS.path, new KubeApiError(500, 'internal error'));
  const h = start(api, 20);
  await waitFor(() => api.listCalls.length >= 2, 'the retries');
  expect(h.watch.isListed).toBe(false);
  expect(h.lists).toEqual([]);
});
