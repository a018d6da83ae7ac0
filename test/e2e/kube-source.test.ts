/**
 * The Kubernetes source against a REAL kube-apiserver (and etcd), built by test/kube/build-binaries.sh.
 * Objects are written as `admin` with client-node; the source reads as the `causeway-controller` user with
 * only the read permissions it needs (get/list/watch on the five kinds), so the test also pins the RBAC the
 * source requires. Covers: the first list, create/update/delete of every kind with exact `changed`, nothing
 * emitted for status-only updates, unreferenced Secrets or a relist, an apiserver killed and restarted
 * (a change made meanwhile through a second apiserver on the same etcd is delivered), 410 Gone after a
 * compaction, and a forbidden list.
 */
import {
  CoreV1Api,
  DiscoveryV1Api,
  KubeConfig,
  NetworkingV1Api,
  RbacAuthorizationV1Api,
  type V1EndpointSlice,
  type V1Ingress,
  type V1Secret,
  type V1Service,
} from '@kubernetes/client-node';
import * as tcp from 'node:net';
import { jest } from '@jest/globals';
import { CausewayError } from '../../src/errors.js';
import type { SourceUpdate } from '../../src/sources/source-update.js';
import { KubernetesSource } from '../../src/kubernetes/watch/index.js';
import {
  ensureKubeBinaries,
  startEtcd,
  startKubeApiserver,
  type Etcd,
  type KubeApiserver,
} from '../support/kube-apiserver.js';
import { captureLogger, type CapturedLogger } from '../../src/kubernetes/testdata/test-helpers.js';

jest.setTimeout(120_000);

const NS = 'shop';
const CLUSTER = 'east';
const CERT = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');
const KEY = Buffer.from('-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n').toString('base64');

let etcd: Etcd | undefined;
let api: KubeApiserver | undefined;
let core: CoreV1Api;
let net: NetworkingV1Api;
let disco: DiscoveryV1Api;
const sources: KubernetesSource[] = [];

function clients(kubeconfigPath: string): { core: CoreV1Api; net: NetworkingV1Api; disco: DiscoveryV1Api } {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return {
    core: kc.makeApiClient(CoreV1Api),
    net: kc.makeApiClient(NetworkingV1Api),
    disco: kc.makeApiClient(DiscoveryV1Api),
  };
}

beforeAll(async () => {
  await ensureKubeBinaries(); // a cold build takes minutes
  etcd = await startEtcd();
  api = await startKubeApiserver({ etcd, name: CLUSTER });
  ({ core, net, disco } = clients(api.kubeconfig('admin')));
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfig('admin'));
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const read = ['get', 'list', 'watch'];
  await rbac.createClusterRole({
    body: {
      metadata: { name: 'causeway-source' },
      rules: [
        { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'ingressclasses'], verbs: read },
        { apiGroups: [''], resources: ['services', 'secrets'], verbs: read },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: read },
      ],
    },
  });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: 'causeway-source' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'causeway-source' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'causeway-controller' }],
    },
  });
  await core.createNamespace({ body: { metadata: { name: NS } } });
  // The apiserver creates the `kubernetes` Service itself: wait for it, so it is not a surprise later.
  for (let i = 0; ; i++) {
    const ok = await core.readNamespacedService({ name: 'kubernetes', namespace: 'default' }).then(
      () => true,
      () => false,
    );
    if (ok) break;
    if (i > 100) throw new Error('the kubernetes Service never appeared');
    await sleep(100);
  }
  await seed();
}, 15 * 60_000);

afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  await api?.stop();
  await etcd?.stop();
});

// ---------------------------------------------------------------------------------------------------
// Objects

function ingressClass(name: string, labels?: Record<string, string>) {
  return {
    metadata: { name, ...(labels ? { labels } : {}) },
    spec: { controller: 'causeway.dev/controller' },
  };
}

function service(name: string, port = 80): V1Service {
  return {
    metadata: { name, namespace: NS },
    spec: { ports: [{ name: 'http', port, targetPort: 8080 }], selector: { app: name } },
  };
}

function slice(name: string, svc: string, addresses: string[]): V1EndpointSlice {
  return {
    metadata: { name, namespace: NS, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    endpoints: addresses.map((a) => ({ addresses: [a], conditions: { ready: true } })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

function tlsSecret(name: string, cert = CERT): V1Secret {
  return {
    metadata: { name, namespace: NS },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': cert, 'tls.key': KEY },
  };
}

function ingress(name: string, opts: { svc?: string; path?: string; tls?: string } = {}): V1Ingress {
  const host = `${name}.example.com`;
  return {
    metadata: { name, namespace: NS },
    spec: {
      ingressClassName: 'causeway',
      rules: [
        {
          host,
          http: {
            paths: [
              {
                path: opts.path ?? '/',
                pathType: 'Prefix',
                backend: { service: { name: opts.svc ?? 'web', port: { name: 'http' } } },
              },
            ],
          },
        },
      ],
      ...(opts.tls ? { tls: [{ hosts: [host], secretName: opts.tls }] } : {}),
    },
  };
}

async function seed(): Promise<void> {
  await net.createIngressClass({ body: ingressClass('causeway') });
  await core.createNamespacedService({ namespace: NS, body: service('web') });
  await disco.createNamespacedEndpointSlice({ namespace: NS, body: slice('web-1', 'web', ['10.244.1.2']) });
  await core.createNamespacedSecret({ namespace: NS, body: tlsSecret('web-tls') });
  await core.createNamespacedSecret({ namespace: NS, body: tlsSecret('spare-tls') });
  await core.createNamespacedSecret({
    namespace: NS,
    body: { metadata: { name: 'opaque', namespace: NS }, type: 'Opaque', data: { a: 'Yg==' } },
  });
  await net.createNamespacedIngress({ namespace: NS, body: ingress('web', { tls: 'web-tls' }) });
}

// ---------------------------------------------------------------------------------------------------
// Harness

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
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
  /** Waits for the update number `n` (1-based). */
  async nth(n: number, timeoutMs = 10_000): Promise<SourceUpdate> {
    const deadline = Date.now() + timeoutMs;
    while (this.all.length < n) {
      if (Date.now() > deadline) throw new Error(`no update #${n} within ${timeoutMs} ms`);
      await sleep(10);
    }
    return this.all[n - 1]!;
  }
  /** Runs `act` and returns the changes of the single update it causes. */
  async after(act: () => Promise<unknown>): Promise<string[]> {
    const n = this.all.length;
    await act();
    const u = await this.nth(n + 1);
    return u.changed.map((c) => `${c.op} ${c.kind} ${c.key}`);
  }
}

function startSource(opts: { user?: string; logger?: CapturedLogger; initialListTimeoutMs?: number } = {}) {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(api!.kubeconfig(opts.user ?? 'causeway-controller'));
  const source = new KubernetesSource({
    cluster: CLUSTER,
    kubeConfig,
    ...(opts.logger ? { logger: opts.logger.logger } : {}),
    backoff: { initialMs: 200, maxMs: 1_000 },
    initialListTimeoutMs: opts.initialListTimeoutMs ?? 20_000,
  });
  sources.push(source);
  return source;
}

function keys(m: ReadonlyMap<string, unknown>): string[] {
  return [...m.keys()];
}

// ---------------------------------------------------------------------------------------------------

test('load() returns the normalized set, all upserts, origin = cluster; only referenced TLS Secrets', async () => {
  const source = startSource();
  const u = await source.load();
  expect(u.diagnostics).toEqual([]);
  expect(u.changed.map((c) => `${c.op} ${c.kind} ${c.key}`)).toEqual([
    'upsert EndpointSlice shop/web-1',
    'upsert Ingress shop/web',
    'upsert IngressClass causeway',
    'upsert Secret shop/web-tls',
    'upsert Service default/kubernetes',
    'upsert Service shop/web',
  ]);
  const r = u.resources;
  expect(keys(r.ingresses)).toEqual([`${CLUSTER}/shop/web`]);
  expect(keys(r.ingressClasses)).toEqual(['causeway']);
  expect(keys(r.services)).toEqual(['default/kubernetes', 'shop/web']);
  expect(keys(r.endpointSlices)).toEqual(['shop/web']);
  expect(keys(r.secrets)).toEqual(['shop/web-tls']);
  const ing = r.ingresses.get(`${CLUSTER}/shop/web`)!;
  expect(ing.origin).toEqual({ cluster: CLUSTER });
  expect(ing.object.metadata.resourceVersion).toBeUndefined();
  expect(ing.object.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
  expect(ing.object.spec).toEqual({
    ingressClassName: 'causeway',
    rules: [
      {
        host: 'web.example.com',
        http: {
          paths: [
            { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'http' } } } },
          ],
        },
      },
    ],
    tls: [{ hosts: ['web.example.com'], secretName: 'web-tls' }],
  });
  expect(r.services.get('shop/web')?.object.spec?.ports).toEqual([
    { name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 },
  ]);
  expect(r.endpointSlices.get('shop/web')?.[0]?.object.endpoints).toEqual([
    { addresses: ['10.244.1.2'], conditions: { ready: true } },
  ]);
  expect(r.secrets.get('shop/web-tls')?.object).toMatchObject({
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': CERT, 'tls.key': KEY },
  });
});

test('watch(): create, update and delete of every kind, each with exactly its changes', async () => {
  const source = startSource();
  await source.load();
  const updates = new Updates();
  await source.watch(updates.on);

  // IngressClass (spec.controller is immutable: a label change is a content change)
  expect(await updates.after(() => net.createIngressClass({ body: ingressClass('other') }))).toEqual([
    'upsert IngressClass other',
  ]);
  expect(
    await updates.after(async () => {
      const cur = await net.readIngressClass({ name: 'other' });
      cur.metadata!.labels = { tier: 'gold' };
      await net.replaceIngressClass({ name: 'other', body: cur });
    }),
  ).toEqual(['upsert IngressClass other']);
  expect(updates.last().resources.ingressClasses.get('other')?.object.metadata.labels).toEqual({
    tier: 'gold',
  });
  expect(await updates.after(() => net.deleteIngressClass({ name: 'other' }))).toEqual([
    'delete IngressClass other',
  ]);

  // Service
  expect(
    await updates.after(() => core.createNamespacedService({ namespace: NS, body: service('api') })),
  ).toEqual(['upsert Service shop/api']);
  expect(
    await updates.after(async () => {
      const cur = await core.readNamespacedService({ name: 'api', namespace: NS });
      cur.spec!.ports = [{ name: 'http', port: 81, targetPort: 8080 }];
      await core.replaceNamespacedService({ name: 'api', namespace: NS, body: cur });
    }),
  ).toEqual(['upsert Service shop/api']);
  expect(updates.last().resources.services.get('shop/api')?.object.spec?.ports?.[0]?.port).toBe(81);
  expect(await updates.after(() => core.deleteNamespacedService({ name: 'api', namespace: NS }))).toEqual([
    'delete Service shop/api',
  ]);

  // EndpointSlice: changes of endpoints alone list only EndpointSlices (the runner's fast path)
  expect(
    await updates.after(() =>
      disco.createNamespacedEndpointSlice({ namespace: NS, body: slice('web-2', 'web', ['10.244.2.2']) }),
    ),
  ).toEqual(['upsert EndpointSlice shop/web-2']);
  expect(
    await updates.after(async () => {
      const cur = await disco.readNamespacedEndpointSlice({ name: 'web-2', namespace: NS });
      cur.endpoints = [{ addresses: ['10.244.2.3'], conditions: { ready: true } }];
      await disco.replaceNamespacedEndpointSlice({ name: 'web-2', namespace: NS, body: cur });
    }),
  ).toEqual(['upsert EndpointSlice shop/web-2']);
  expect(
    updates
      .last()
      .resources.endpointSlices.get('shop/web')
      ?.map((s) => s.object.endpoints?.[0]?.addresses[0]),
  ).toEqual(['10.244.1.2', '10.244.2.3']);
  expect(
    await updates.after(() => disco.deleteNamespacedEndpointSlice({ name: 'web-2', namespace: NS })),
  ).toEqual(['delete EndpointSlice shop/web-2']);

  // Ingress, and the TLS Secret it references entering and leaving the set with it
  expect(
    await updates.after(() =>
      net.createNamespacedIngress({ namespace: NS, body: ingress('shop', { tls: 'spare-tls' }) }),
    ),
  ).toEqual(['upsert Ingress shop/shop', 'upsert Secret shop/spare-tls']);
  expect(
    await updates.after(async () => {
      const cur = await net.readNamespacedIngress({ name: 'shop', namespace: NS });
      cur.spec!.rules![0]!.http!.paths[0]!.path = '/cart';
      await net.replaceNamespacedIngress({ name: 'shop', namespace: NS, body: cur });
    }),
  ).toEqual(['upsert Ingress shop/shop']);
  expect(
    updates.last().resources.ingresses.get(`${CLUSTER}/shop/shop`)?.object.spec?.rules?.[0]?.http?.paths[0]
      ?.path,
  ).toBe('/cart');

  // Secret
  const newCert = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n').toString(
    'base64',
  );
  expect(
    await updates.after(async () => {
      const cur = await core.readNamespacedSecret({ name: 'spare-tls', namespace: NS });
      cur.data = { 'tls.crt': newCert, 'tls.key': KEY };
      await core.replaceNamespacedSecret({ name: 'spare-tls', namespace: NS, body: cur });
    }),
  ).toEqual(['upsert Secret shop/spare-tls']);
  expect(updates.last().resources.secrets.get('shop/spare-tls')?.object.data?.['tls.crt']).toBe(newCert);
  expect(
    await updates.after(() => core.deleteNamespacedSecret({ name: 'spare-tls', namespace: NS })),
  ).toEqual(['delete Secret shop/spare-tls']);
  expect(
    await updates.after(() => core.createNamespacedSecret({ namespace: NS, body: tlsSecret('spare-tls') })),
  ).toEqual(['upsert Secret shop/spare-tls']);

  expect(await updates.after(() => net.deleteNamespacedIngress({ name: 'shop', namespace: NS }))).toEqual([
    'delete Ingress shop/shop',
    'delete Secret shop/spare-tls',
  ]);

  // Nothing else came.
  await sleep(500);
  expect(updates.all).toHaveLength(15);
  expect(updates.all.every((u) => u.diagnostics.length === 0)).toBe(true);
});

test('status-only updates, unreferenced or non-TLS Secrets, and a relist emit nothing', async () => {
  const log = captureLogger();
  const source = startSource({ logger: log });
  await source.load();
  const updates = new Updates();
  await source.watch(updates.on);

  const ing = await net.readNamespacedIngress({ name: 'web', namespace: NS });
  ing.status = { loadBalancer: { ingress: [{ ip: '10.246.0.10' }] } };
  const after = await net.replaceNamespacedIngressStatus({ name: 'web', namespace: NS, body: ing });
  expect(after.status?.loadBalancer?.ingress?.[0]?.ip).toBe('10.246.0.10');
  expect(after.metadata?.resourceVersion).not.toBe(ing.metadata?.resourceVersion);

  const svc = await core.readNamespacedService({ name: 'web', namespace: NS });
  svc.status = {
    conditions: [
      { type: 'Ready', status: 'True', reason: 'Test', message: '', lastTransitionTime: new Date() },
    ],
  };
  await core.replaceNamespacedServiceStatus({ name: 'web', namespace: NS, body: svc });

  await core.createNamespacedSecret({ namespace: NS, body: tlsSecret('loose-tls') }); // referenced by nothing
  const opaque = await core.readNamespacedSecret({ name: 'opaque', namespace: NS });
  opaque.data = { a: 'Yw==' };
  await core.replaceNamespacedSecret({ name: 'opaque', namespace: NS, body: opaque });

  source.relist();
  const deadline = Date.now() + 10_000;
  while (log.lines.filter((l) => l['msg'] === 'relisted').length < 5) {
    if (Date.now() > deadline) throw new Error('the relists did not happen');
    await sleep(20);
  }
  await sleep(1_000);
  expect(updates.all).toEqual([]);
});

test('an apiserver killed and restarted: the state stays, the watch resumes, a change made meanwhile arrives', async () => {
  const log = captureLogger();
  const source = startSource({ logger: log });
  const first = await source.load();
  const updates = new Updates();
  await source.watch(updates.on);

  // A second apiserver on the same etcd and prefix: the same cluster, reachable while the first is down.
  const other = await startKubeApiserver({ etcd: etcd!, prefix: api!.prefix, name: `${CLUSTER}-b` });
  try {
    const b = clients(other.kubeconfig('admin'));
    await api!.kill();
    const failuresBefore = (): number => log.lines.filter((l) => l['retryInMs'] !== undefined).length;
    const deadline = Date.now() + 10_000;
    while (failuresBefore() < 5) {
      if (Date.now() > deadline) throw new Error('the source did not notice the apiserver was gone');
      await sleep(20);
    }
    await b.core.createNamespacedService({ namespace: NS, body: service('while-down') });
    const cur = await b.disco.readNamespacedEndpointSlice({ name: 'web-1', namespace: NS });
    cur.endpoints = [{ addresses: ['10.244.1.7'], conditions: { ready: true } }];
    await b.disco.replaceNamespacedEndpointSlice({ name: 'web-1', namespace: NS, body: cur });
    await sleep(2_000);
    expect(updates.all).toEqual([]); // nothing emitted, nothing emptied while the apiserver is away

    await api!.restart();
    const deadline2 = Date.now() + 30_000;
    while (updates.all.flatMap((u) => u.changed).length < 2) {
      if (Date.now() > deadline2)
        throw new Error(`changes not delivered: ${JSON.stringify(updates.all.map((u) => u.changed))}`);
      await sleep(20);
    }
    await sleep(500);
    const changed = updates.all.flatMap((u) => u.changed.map((c) => `${c.op} ${c.kind} ${c.key}`)).sort();
    expect(changed).toEqual(['upsert EndpointSlice shop/web-1', 'upsert Service shop/while-down']);
    const r = updates.last().resources;
    expect(r.endpointSlices.get('shop/web')?.[0]?.object.endpoints?.[0]?.addresses).toEqual(['10.244.1.7']);
    expect(r.ingresses).toEqual(first.resources.ingresses);
    const warned = log.lines.find((l) => l['retryInMs'] !== undefined);
    expect(warned).toMatchObject({ level: 40, cluster: CLUSTER });
    // The restarted apiserver's watch cache starts at the current revision: it no longer holds the
    // resourceVersions the watches stood on, so they get 410 Gone and relist (a relist of what did not
    // change emits nothing; the changes above are all that came).
    const gone = new Set(
      log.lines.filter((l) => String(l['msg']).includes('410 Gone')).map((l) => l['kind']),
    );
    const relisted = new Set(log.lines.filter((l) => l['msg'] === 'relisted').map((l) => l['kind']));
    expect([...relisted].sort()).toEqual([...gone].sort());
    expect(relisted.has('Service')).toBe(true);
  } finally {
    await other.stop();
    await core.deleteNamespacedService({ name: 'while-down', namespace: NS }).catch(() => undefined);
  }
});

/** A loopback TCP proxy to the apiserver that can cut every connection and refuse new ones for a while. */
async function startCuttableProxy(targetPort: number): Promise<{
  port: number;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}> {
  const sockets = new Set<tcp.Socket>();
  let refusing = false;
  const server = tcp.createServer((client) => {
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = tcp.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as tcp.AddressInfo).port;
  return {
    port,
    cut() {
      refusing = true;
      for (const s of sockets) s.resetAndDestroy();
    },
    restore() {
      refusing = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

test('dropped connections (apiserver up): the watches resume from their last resourceVersion, no relist, nothing missed', async () => {
  const proxy = await startCuttableProxy(api!.port);
  try {
    const log = captureLogger();
    const direct = new KubeConfig();
    direct.loadFromFile(api!.kubeconfig('causeway-controller'));
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: direct.clusters.map((c) => ({ ...c, server: `https://127.0.0.1:${proxy.port}` })),
      users: direct.users,
      contexts: direct.contexts,
      currentContext: direct.currentContext,
    });
    const source = new KubernetesSource({
      cluster: CLUSTER,
      kubeConfig,
      logger: log.logger,
      backoff: { initialMs: 200, maxMs: 1_000 },
    });
    sources.push(source);
    await source.load();
    const updates = new Updates();
    await source.watch(updates.on);
    await sleep(200);

    proxy.cut();
    const deadline = Date.now() + 10_000;
    while (log.lines.filter((l) => l['retryInMs'] !== undefined).length < 5) {
      if (Date.now() > deadline) throw new Error('the source did not notice the dropped connections');
      await sleep(20);
    }
    await core.createNamespacedService({ namespace: NS, body: service('while-cut') });
    const cur = await disco.readNamespacedEndpointSlice({ name: 'web-1', namespace: NS });
    const before = cur.endpoints;
    cur.endpoints = [{ addresses: ['10.244.1.8'], conditions: { ready: true } }];
    await disco.replaceNamespacedEndpointSlice({ name: 'web-1', namespace: NS, body: cur });
    await sleep(1_000);
    expect(updates.all).toEqual([]);

    proxy.restore();
    const deadline2 = Date.now() + 15_000;
    while (updates.all.flatMap((u) => u.changed).length < 2) {
      if (Date.now() > deadline2) throw new Error('changes not delivered');
      await sleep(20);
    }
    await sleep(300);
    expect(updates.all.flatMap((u) => u.changed.map((c) => `${c.op} ${c.kind} ${c.key}`)).sort()).toEqual([
      'upsert EndpointSlice shop/web-1',
      'upsert Service shop/while-cut',
    ]);
    // Resumed, not relisted: the apiserver's watch cache still held the resourceVersions.
    expect(log.lines.filter((l) => l['msg'] === 'relisted')).toEqual([]);
    expect(log.lines.some((l) => l['msg'] === 'watch failed; keeping the last state and resuming')).toBe(
      true,
    );

    const back = await disco.readNamespacedEndpointSlice({ name: 'web-1', namespace: NS });
    back.endpoints = before;
    await disco.replaceNamespacedEndpointSlice({ name: 'web-1', namespace: NS, body: back });
    await core.deleteNamespacedService({ name: 'while-cut', namespace: NS });
  } finally {
    await proxy.close();
  }
});

test('a compaction past the watched resourceVersion (410 Gone) relists every kind and loses nothing', async () => {
  const log = captureLogger();
  // An apiserver without watch cache on the same data: watches go to etcd, so a watch reopened from a
  // compacted revision gets 410 Gone at once.
  const direct = await startKubeApiserver({
    etcd: etcd!,
    prefix: api!.prefix,
    name: `${CLUSTER}-direct`,
    watchCache: false,
  });
  try {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(direct.kubeconfig('causeway-controller'));
    const source = new KubernetesSource({
      cluster: CLUSTER,
      kubeConfig,
      logger: log.logger,
      backoff: { initialMs: 200, maxMs: 1_000 },
      watchTimeoutSeconds: 2, // every watch ends after 2 s and is reopened from its last resourceVersion
    });
    sources.push(source);
    await source.load();
    const updates = new Updates();
    await source.watch(updates.on);
    const b = clients(direct.kubeconfig('admin'));
    // Writes the source does not watch move the revision on; compaction then removes the history
    // every watch stands on.
    for (let i = 0; i < 3; i++) {
      await b.core.createNamespacedConfigMap({
        namespace: NS,
        body: { metadata: { name: `filler-${i}`, namespace: NS }, data: { i: String(i) } },
      });
    }
    await direct.compact();
    const relisted = (): Set<unknown> =>
      new Set(log.lines.filter((l) => l['msg'] === 'relisted').map((l) => l['kind']));
    const deadline = Date.now() + 20_000;
    while (relisted().size < 5) {
      if (Date.now() > deadline) throw new Error(`not every kind relisted: ${[...relisted()].join(', ')}`);
      await sleep(50);
    }
    expect(log.lines.filter((l) => String(l['msg']).includes('410 Gone')).length).toBeGreaterThanOrEqual(5);
    await sleep(300);
    expect(updates.all).toEqual([]); // a relist of an unchanged state emits nothing
    expect(
      await updates.after(() =>
        b.core.createNamespacedService({ namespace: NS, body: service('after-compaction') }),
      ),
    ).toEqual(['upsert Service shop/after-compaction']);
    await b.core.deleteNamespacedService({ name: 'after-compaction', namespace: NS });
  } finally {
    await direct.stop();
  }
});

test('a user who may not list Secrets: load() fails with CW_E_KUBE_UNAVAILABLE naming cluster and kind', async () => {
  const source = startSource({ user: 'viewer', initialListTimeoutMs: 1_500 });
  const err = (await source.load().catch((e: unknown) => e)) as CausewayError;
  expect(err).toBeInstanceOf(CausewayError);
  expect(err.code).toBe('CW_E_KUBE_UNAVAILABLE');
  expect(err.message).toContain(
    'cluster east: IngressClass, Ingress, Service, EndpointSlice, Secret (type=kubernetes.io/tls), Secret (type=Opaque) could not be listed',
  );
  expect(err.message).toMatch(
    /Secret \(type=Opaque\): GET \/api\/v1\/secrets: 403 Forbidden: secrets is forbidden: User "viewer"/,
  );
});
