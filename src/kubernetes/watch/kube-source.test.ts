import { KubeConfig } from '@kubernetes/client-node';
import { CausewayError } from '../../errors.js';
import type { SourceUpdate } from '../../sources/source-update.js';
import { KubernetesSource, type KubernetesSourceOptions } from './kube-source.js';
import { KubeApiError } from '../client/kube-transport.js';
import { GATEWAY_API_KUBE_KINDS, KUBE_KINDS } from './kube-kinds.js';
import { FakeApiserver } from '../testdata/fake-apiserver.js';
import {
  PATHS,
  rawIngress,
  rawIngressClass,
  rawService,
  rawSlice,
  rawTlsSecret,
} from '../testdata/kube-fixtures.js';
import { captureLogger, sleep, waitFor } from '../testdata/test-helpers.js';

const sources: KubernetesSource[] = [];
afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.close()));
});

function seed(api: FakeApiserver): void {
  api.put(PATHS.IngressClass, rawIngressClass());
  api.put(PATHS.Ingress, rawIngress('web', { tlsSecret: 'web-tls' }));
  api.put(PATHS.Service, rawService('web'));
  api.put(PATHS.EndpointSlice, rawSlice('web-1', 'web', ['10.244.1.2']));
  api.put(PATHS.Secret, rawTlsSecret('web-tls'));
  api.put(PATHS.Secret, rawTlsSecret('unused-tls'));
}

function source(api: FakeApiserver, opts: Partial<KubernetesSourceOptions> = {}): KubernetesSource {
  const s = new KubernetesSource({
    cluster: 'prod',
    kubeConfig: new KubeConfig(),
    transport: api,
    backoff: { initialMs: 4, maxMs: 20 },
    watchTimeoutSeconds: 300,
    ...opts,
  });
  sources.push(s);
  return s;
}

class Updates {
  readonly all: SourceUpdate[] = [];
  readonly on = (u: SourceUpdate): void => {
    this.all.push(u);
  };
  last(): SourceUpdate {
    const u = this.all.at(-1);
    if (u === undefined) throw new Error('no update yet');
    return u;
  }
  async next(count = this.all.length + 1): Promise<SourceUpdate> {
    await waitFor(() => this.all.length >= count, `update #${count}`);
    return this.all[count - 1]!;
  }
}

test('load() waits for the first list of every kind and returns the whole set, all upserts', async () => {
  const api = new FakeApiserver();
  seed(api);
  api.failPaths.set(PATHS.EndpointSlice, new Error('not yet'));
  const s = source(api);
  let loaded: SourceUpdate | undefined;
  const p = s.load().then((u) => (loaded = u));
  await waitFor(() => api.listCalls.filter((c) => c.path === PATHS.EndpointSlice).length >= 2, 'retries');
  expect(loaded).toBeUndefined();
  api.failPaths.clear();
  await p;
  const u = loaded!;
  expect(u.changed.map((c) => `${c.op} ${c.kind} ${c.key}`)).toEqual([
    'upsert EndpointSlice shop/web-1',
    'upsert Ingress shop/web',
    'upsert IngressClass causeway',
    'upsert Secret shop/web-tls',
    'upsert Service shop/web',
  ]);
  expect(u.resources.ingresses.get('prod/shop/web')?.origin).toEqual({ cluster: 'prod' });
  expect(u.resources.endpointSlices.get('shop/web')?.[0]?.origin).toEqual({ cluster: 'prod' });
  expect([...u.resources.secrets.keys()]).toEqual(['shop/web-tls']);
  expect(u.diagnostics).toEqual([]);
  expect(s.counts()).toEqual({
    IngressClass: 1,
    Ingress: 1,
    Service: 1,
    EndpointSlice: 1,
    Secret: 2,
    ...Object.fromEntries(GATEWAY_API_KUBE_KINDS.map((k) => [k.kind, 0])),
    Namespace: 0,
  });
});

test('load() rejects with CW_E_KUBE_UNAVAILABLE naming the cluster, the kind and its error, and stops', async () => {
  const api = new FakeApiserver();
  seed(api);
  api.failPaths.set(
    PATHS.Secret,
    new KubeApiError(403, 'GET /api/v1/secrets: 403 Forbidden: secrets is forbidden'),
  );
  const log = captureLogger();
  const s = source(api, { initialListTimeoutMs: 60, logger: log.logger });
  const err = await s.load().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(CausewayError);
  expect((err as CausewayError).code).toBe('CW_E_KUBE_UNAVAILABLE');
  expect((err as Error).message).toBe(
    'CW_E_KUBE_UNAVAILABLE: cluster prod: Secret (type=kubernetes.io/tls), Secret (type=Opaque) could not be listed within 60 ms (Secret (type=kubernetes.io/tls): GET /api/v1/secrets: 403 Forbidden: secrets is forbidden; Secret (type=Opaque): GET /api/v1/secrets: 403 Forbidden: secrets is forbidden)',
  );
  expect(api.openWatches).toBe(0);
  const calls = api.listCalls.length;
  await sleep(30);
  expect(api.listCalls.length).toBe(calls);
  expect(log.lines.some((l) => l['msg'] === 'initial list timed out' && l['cluster'] === 'prod')).toBe(true);
  // A later load() starts again.
  api.failPaths.clear();
  const u = await s.load();
  expect(u.resources.secrets.size).toBe(1);
});

test('an apiserver that never answers: the message says so', async () => {
  const api = new FakeApiserver();
  api.down();
  const s = source(api, { initialListTimeoutMs: 30 });
  await expect(s.load()).rejects.toThrow(
    /cluster prod: IngressClass, Ingress, Service, EndpointSlice, Secret \(type=kubernetes.io\/tls\), Secret \(type=Opaque\) could not be listed within 30 ms \(IngressClass: connect ECONNREFUSED/,
  );
});

test('watch() emits after each change with exactly the changed objects, per kind and operation', async () => {
  const api = new FakeApiserver();
  seed(api);
  const s = source(api);
  await s.load();
  const updates = new Updates();
  await s.watch(updates.on);
  expect(updates.all).toEqual([]); // nothing changed since load()

  const steps: [() => void, string[]][] = [
    [() => api.put(PATHS.IngressClass, rawIngressClass('other')), ['upsert IngressClass other']],
    [() => api.put(PATHS.IngressClass, rawIngressClass('other', 'x/y')), ['upsert IngressClass other']],
    [() => api.delete(PATHS.IngressClass, undefined, 'other'), ['delete IngressClass other']],
    [() => api.put(PATHS.Service, rawService('api')), ['upsert Service shop/api']],
    [() => api.put(PATHS.Service, rawService('api', 81)), ['upsert Service shop/api']],
    [() => api.delete(PATHS.Service, 'shop', 'api'), ['delete Service shop/api']],
    [
      () => api.put(PATHS.EndpointSlice, rawSlice('web-2', 'web', ['10.244.2.2'])),
      ['upsert EndpointSlice shop/web-2'],
    ],
    [
      () => api.put(PATHS.EndpointSlice, rawSlice('web-2', 'web', ['10.244.2.3'])),
      ['upsert EndpointSlice shop/web-2'],
    ],
    [() => api.delete(PATHS.EndpointSlice, 'shop', 'web-2'), ['delete EndpointSlice shop/web-2']],
    [
      () => api.put(PATHS.Ingress, rawIngress('api', { tlsSecret: 'unused-tls' })),
      ['upsert Ingress shop/api', 'upsert Secret shop/unused-tls'],
    ],
    [
      () => api.put(PATHS.Ingress, rawIngress('api', { tlsSecret: 'unused-tls', service: 'v2' })),
      ['upsert Ingress shop/api'],
    ],
    [
      () => api.put(PATHS.Secret, rawTlsSecret('unused-tls', 'shop', 'bmV3')),
      ['upsert Secret shop/unused-tls'],
    ],
    [() => api.delete(PATHS.Secret, 'shop', 'unused-tls'), ['delete Secret shop/unused-tls']],
    [() => api.put(PATHS.Secret, rawTlsSecret('unused-tls')), ['upsert Secret shop/unused-tls']],
    [
      () => api.delete(PATHS.Ingress, 'shop', 'api'),
      ['delete Ingress shop/api', 'delete Secret shop/unused-tls'],
    ],
  ];
  for (const [act, expected] of steps) {
    const n = updates.all.length;
    act();
    const u = await updates.next(n + 1);
    expect(u.changed.map((c) => `${c.op} ${c.kind} ${c.key}`)).toEqual(expected);
  }
  const r = updates.last().resources;
  expect([...r.ingresses.keys()]).toEqual(['prod/shop/web']);
  expect([...r.services.keys()]).toEqual(['shop/web']);
  expect([...r.ingressClasses.keys()]).toEqual(['causeway']);
  expect([...r.secrets.keys()]).toEqual(['shop/web-tls']);
  await sleep(10);
  expect(updates.all).toHaveLength(steps.length);
});

test('status-only updates, unreferenced Secrets and relists emit nothing', async () => {
  const api = new FakeApiserver();
  seed(api);
  const s = source(api);
  await s.load();
  const updates = new Updates();
  await s.watch(updates.on);
  api.put(PATHS.Ingress, {
    ...rawIngress('web', { tlsSecret: 'web-tls' }),
    status: { loadBalancer: { ingress: [{ ip: '10.246.0.10' }] } },
  });
  api.put(PATHS.Service, {
    ...rawService('web'),
    status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } },
  });
  api.put(PATHS.Secret, rawTlsSecret('unused-tls', 'shop', 'Y2hhbmdlZA=='));
  const lists = api.listCalls.length;
  s.relist();
  await waitFor(
    () => api.listCalls.length >= lists + KUBE_KINDS.length && api.openWatches === KUBE_KINDS.length,
    'the relists',
  );
  await sleep(10);
  expect(updates.all).toEqual([]);
});

test('changes made between load() and watch() are emitted by watch() at once', async () => {
  const api = new FakeApiserver();
  seed(api);
  const s = source(api);
  await s.load();
  await waitFor(() => api.openWatches === KUBE_KINDS.length, 'the watches');
  api.put(PATHS.Service, rawService('api'));
  const updates = new Updates();
  await s.watch(updates.on);
  expect(updates.all).toHaveLength(1);
  expect(updates.last().changed).toEqual([{ kind: 'Service', key: 'shop/api', op: 'upsert' }]);
});

test('watch() without load() waits for the lists and emits the whole set first', async () => {
  const api = new FakeApiserver();
  seed(api);
  const s = source(api);
  const updates = new Updates();
  await s.watch(updates.on);
  expect(updates.all).toHaveLength(1);
  expect(updates.last().changed).toHaveLength(5);
  await expect(s.watch(updates.on)).rejects.toThrow(/twice/);
});

test('a burst of events makes one update; an EndpointSlice-only burst lists only EndpointSlices', async () => {
  const api = new FakeApiserver();
  seed(api);
  const s = source(api);
  await s.load();
  const updates = new Updates();
  await s.watch(updates.on);
  for (let i = 0; i < 20; i++) api.put(PATHS.EndpointSlice, rawSlice('web-1', 'web', [`10.244.1.${i + 10}`]));
  const u = await updates.next(1);
  await sleep(10);
  expect(updates.all).toHaveLength(1);
  expect(u.changed).toEqual([{ kind: 'EndpointSlice', key: 'shop/web-1', op: 'upsert' }]);
  expect(u.resources.endpointSlices.get('shop/web')?.[0]?.object.endpoints?.[0]?.addresses).toEqual([
    '10.244.1.29',
  ]);
});

test('a lost apiserver keeps the last state; changes made meanwhile arrive after it returns', async () => {
  const api = new FakeApiserver();
  seed(api);
  const log = captureLogger();
  const s = source(api, { logger: log.logger });
  const first = await s.load();
  const updates = new Updates();
  await s.watch(updates.on);
  await waitFor(() => api.openWatches === KUBE_KINDS.length, 'the watches');
  api.down();
  api.put(PATHS.Service, rawService('web', 8080));
  api.delete(PATHS.EndpointSlice, 'shop', 'web-1');
  await waitFor(() => log.lines.filter((l) => l['retryInMs'] !== undefined).length >= 10, 'retries');
  expect(updates.all).toEqual([]);
  expect(log.lines.find((l) => l['retryInMs'] !== undefined)).toMatchObject({
    level: 40,
    cluster: 'prod',
    msg: 'watch failed; keeping the last state and resuming',
  });
  api.up();
  await waitFor(
    () => updates.all.flatMap((u) => u.changed).length >= 2,
    'the changes made while the apiserver was away',
  );
  const changed = updates.all.flatMap((u) => u.changed.map((c) => `${c.op} ${c.kind} ${c.key}`)).sort();
  expect(changed).toEqual(['delete EndpointSlice shop/web-1', 'upsert Service shop/web']);
  expect(updates.last().resources.ingresses).toEqual(first.resources.ingresses);
});

test('a rejected object becomes a diagnostic; its last good version stays in force', async () => {
  const api = new FakeApiserver();
  seed(api);
  const s = source(api);
  const first = await s.load();
  const updates = new Updates();
  await s.watch(updates.on);
  const bad = rawIngress('web', { tlsSecret: 'web-tls' });
  (bad['spec'] as Record<string, unknown>)['rules'] = [
    { http: { paths: [{ path: '/', pathType: 'Regex' }] } },
  ];
  api.put(PATHS.Ingress, bad);
  const u = await updates.next(1);
  expect(u.changed).toEqual([]);
  expect(u.resources.ingresses.get('prod/shop/web')).toEqual(first.resources.ingresses.get('prod/shop/web'));
  expect(u.diagnostics).toHaveLength(1);
  expect(u.diagnostics[0]).toMatchObject({
    code: 'CW_E_KUBE_OBJECT',
    object: { kind: 'Ingress', namespace: 'shop', name: 'web', cluster: 'prod' },
  });
  expect(u.diagnostics[0]?.message).toContain('spec.rules[0].http.paths[0].pathType must be one of');
  api.put(PATHS.Ingress, rawIngress('web', { tlsSecret: 'web-tls' }));
  const fixed = await updates.next(2);
  expect(fixed.diagnostics).toEqual([]);
  expect(fixed.changed).toEqual([]); // back to the version in force
});

test('close() stops everything: no callback afterwards, no open watch', async () => {
  const api = new FakeApiserver();
  seed(api);
  const s = source(api);
  await s.load();
  const updates = new Updates();
  await s.watch(updates.on);
  await waitFor(() => api.openWatches === KUBE_KINDS.length, 'the watches');
  await s.close();
  expect(api.openWatches).toBe(0);
  api.put(PATHS.Service, rawService('late'));
  await sleep(10);
  expect(updates.all).toEqual([]);
  await expect(s.load()).rejects.toThrow(/closed/);
});

test('close() during load() rejects the load', async () => {
  const api = new FakeApiserver();
  api.down();
  const s = source(api);
  const p = s.load();
  await sleep(5);
  await s.close();
  await expect(p).rejects.toThrow(/closed while loading/);
});

test('a throwing callback is logged and the source goes on', async () => {
  const api = new FakeApiserver();
  seed(api);
  const log = captureLogger();
  const s = source(api, { logger: log.logger });
  await s.load();
  let calls = 0;
  await s.watch(() => {
    calls++;
    throw new Error('boom');
  });
  api.put(PATHS.Service, rawService('a'));
  await waitFor(() => calls === 1, 'the first call');
  api.put(PATHS.Service, rawService('b'));
  await waitFor(() => calls === 2, 'the second call');
  expect(log.lines.some((l) => l['msg'] === 'update callback failed')).toBe(true);
});

test('with a readiness probe, every kind of the source waits on ONE probe while the apiserver is away', async () => {
  const api = new FakeApiserver({ readyz: true });
  seed(api);
  const s = source(api, {
    backoff: { initialMs: 4, maxMs: 10_000 },
    probeBackoff: { initialMs: 5, maxMs: 20 },
  });
  await s.load();
  const updates = new Updates();
  await s.watch(updates.on);
  await waitFor(() => api.openWatches === KUBE_KINDS.length, 'the watches');
  api.down();
  api.put(PATHS.Service, rawService('web', 8080));
  const requests = (): number => api.listCalls.length + api.watchCalls.length;
  const before = requests();
  await sleep(300);
  expect(requests() - before).toBeLessThanOrEqual(6); // one failed try per kind, then parked
  expect(api.probeCalls).toBeGreaterThanOrEqual(5);
  api.up();
  await waitFor(() => updates.all.some((u) => u.changed.length > 0), 'the change made meanwhile');
  expect(updates.last().changed.map((c) => `${c.op} ${c.kind} ${c.key}`)).toEqual([
    'upsert Service shop/web',
  ]);
  const probes = api.probeCalls;
  await sleep(100);
  expect(api.probeCalls).toBe(probes); // nobody parked: no more probes
});

const GATEWAY_PATH = GATEWAY_API_KUBE_KINDS.find((k) => k.kind === 'Gateway')!.path;
const HTTP_ROUTE_PATH = GATEWAY_API_KUBE_KINDS.find((k) => k.kind === 'HTTPRoute')!.path;

function rawGateway(name: string, port = 80): Record<string, unknown> {
  return {
    metadata: { name, namespace: 'infra', uid: `uid-gw-${name}`, managedFields: [{ manager: 'kubectl' }] },
    spec: { gatewayClassName: 'causeway', listeners: [{ name: 'http', port, protocol: 'HTTP' }] },
    status: { conditions: [{ type: 'Accepted', status: 'True' }] },
  };
}

test('a cluster without the Gateway API CRDs loads and serves its Ingresses as before', async () => {
  const api = new FakeApiserver();
  seed(api);
  for (const k of GATEWAY_API_KUBE_KINDS)
    api.failPaths.set(k.path, new KubeApiError(404, `GET ${k.path}: 404 Not Found`));
  const s = source(api, { initialListTimeoutMs: 2_000 });
  const u = await s.load();
  expect([...u.resources.ingresses.keys()]).toEqual(['prod/shop/web']);
  expect(u.resources.gatewayApi.gateways.size).toBe(0);
  expect(u.diagnostics).toEqual([]);
});

test('Gateway API objects are listed and watched: spec kept, status dropped, an update is seen', async () => {
  const api = new FakeApiserver();
  seed(api);
  api.put(GATEWAY_PATH, rawGateway('edge'));
  api.put(HTTP_ROUTE_PATH, {
    metadata: { name: 'web', namespace: 'shop' },
    spec: { parentRefs: [{ name: 'edge', namespace: 'infra' }] },
  });
  const s = source(api);
  const u = await s.load();
  const gw = u.resources.gatewayApi.gateways.get('infra/edge')?.object;
  expect(gw?.spec.listeners).toEqual([{ name: 'http', port: 80, protocol: 'HTTP' }]);
  expect(gw).not.toHaveProperty('status');
  expect(gw?.metadata).not.toHaveProperty('managedFields');
  expect([...u.resources.gatewayApi.httpRoutes.keys()]).toEqual(['prod/shop/web']);
  const updates = new Updates();
  await s.watch(updates.on);
  await waitFor(() => api.openWatches === KUBE_KINDS.length, 'the watches');
  api.put(GATEWAY_PATH, rawGateway('edge', 8080));
  const next = await updates.next();
  expect(next.changed).toEqual([{ kind: 'Gateway', key: 'infra/edge', op: 'upsert' }]);
  expect(next.resources.gatewayApi.gateways.get('infra/edge')?.object.spec.listeners[0]?.port).toBe(8080);
});
