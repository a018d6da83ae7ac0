/**
 * Smoke tests of the real-Kubernetes harness (test/support/kube-apiserver.ts, test/support/netns.ts):
 * a real etcd + kube-apiserver on loopback, driven with @kubernetes/client-node, and "pods" in network
 * namespaces whose addresses go into EndpointSlices. The first run builds the binaries (~4-5 min).
 *
 * Needs root and iproute2; without them (and only outside CI) the whole file is skipped with a message.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  ApiException,
  CoreV1Api,
  DiscoveryV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  Watch,
} from '@kubernetes/client-node';
import type { V1EndpointSlice } from '@kubernetes/client-node';
import {
  ensureKubeBinaries,
  startEtcd,
  startKubeApiserver,
  type Etcd,
  type KubeApiserver,
} from '../support/kube-apiserver.js';
import {
  createPodNetwork,
  podNetworkSupport,
  type Pod,
  type PodHttpEcho,
  type PodNetwork,
} from '../support/netns.js';

const support = podNetworkSupport();
const skipReason = !support.ok && !process.env['CI'] ? support.reason : undefined;
if (skipReason) {
  console.warn(`test/kube/apiserver.test.ts skipped: ${skipReason} (these tests always run under CI=true)`);
}
const suite = skipReason ? describe.skip : describe;

const LONG = 600_000;

function client(api: KubeApiserver, user = 'admin'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfig(user));
  return kc;
}

/** The HTTP status of a failed client-node call (throws anything that is not an ApiException). */
async function statusOf(call: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await call;
  } catch (err) {
    if (err instanceof ApiException) {
      const body = (typeof err.body === 'string' ? JSON.parse(err.body) : err.body) as { message?: string };
      return { code: err.code, message: body?.message ?? String(err.message) };
    }
    throw err;
  }
  return { code: 200, message: '' };
}

async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${String(timeoutMs)} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function slice(namespace: string, name: string, service: string, address: string): V1EndpointSlice {
  return {
    metadata: {
      name,
      namespace,
      labels: {
        'kubernetes.io/service-name': service,
        'endpointslice.kubernetes.io/managed-by': 'causeway-tests',
      },
    },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: [{ addresses: [address], conditions: { ready: true } }],
  };
}

suite(`real kube-apiserver + etcd${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let etcd: Etcd | undefined;
  let api: KubeApiserver;
  let net: PodNetwork | undefined;
  let pod: Pod;
  let echo: PodHttpEcho;

  beforeAll(async () => {
    await ensureKubeBinaries(); // a cold build takes minutes: hence the 15-minute timeout
    etcd = await startEtcd();
    api = await startKubeApiserver({ etcd, name: 'east' });
    net = await createPodNetwork({ name: 'smoke' });
    pod = await net.addPod('web-1');
    echo = await pod.startHttpEcho('web-1', 8080);
  }, 900_000);

  afterAll(async () => {
    await net?.destroy();
    await api?.stop();
    await etcd?.stop();
  }, 120_000);

  test(
    'a netns pod answers HTTP from the host namespace',
    async () => {
      expect(pod.ip).toMatch(/^10\.244\.\d+\.\d+$/);
      const res = await fetch(`${echo.url}/hello?x=1`, { signal: AbortSignal.timeout(5000) });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-echo-backend')).toBe('web-1');
      const body = (await res.json()) as { backend: string; path: string; method: string };
      expect(body).toMatchObject({ backend: 'web-1', path: '/hello?x=1', method: 'GET' });
      expect((await fetch(`${echo.url}/status/503`)).status).toBe(503);
      // The pod's default route is the bridge's address in the host namespace.
      const route = await pod.exec('ip', ['-4', 'route', 'show', 'default']);
      expect(route.stdout).toContain(`via ${net!.gateway}`);
      // Pod to pod, across the bridge.
      const other = await net!.addPod('client');
      try {
        const got = await other.exec(process.execPath, [
          '-e',
          `fetch(${JSON.stringify(`${echo.url}/from-client`)}).then((r) => r.json()).then((b) => console.log(b.backend, b.path))`,
        ]);
        expect(got.stdout.trim()).toBe('web-1 /from-client');
      } finally {
        await other.remove();
      }
    },
    LONG,
  );

  test(
    'Namespace, selector-less Service and EndpointSlice with a pod IP round-trip',
    async () => {
      const kc = client(api);
      const core = kc.makeApiClient(CoreV1Api);
      const discovery = kc.makeApiClient(DiscoveryV1Api);
      const namespace = 'shop';
      await core.createNamespace({ body: { metadata: { name: namespace } } });
      try {
        await core.createNamespacedService({
          namespace,
          body: {
            metadata: { name: 'web' },
            spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
          },
        });
        await discovery.createNamespacedEndpointSlice({
          namespace,
          body: slice(namespace, 'web-1', 'web', pod.ip),
        });

        const services = await core.listNamespacedService({ namespace });
        expect(services.items.map((s) => s.metadata?.name)).toEqual(['web']);
        expect(services.items[0]?.spec?.clusterIP).toMatch(/^10\.96\./);
        const slices = await discovery.listNamespacedEndpointSlice({
          namespace,
          labelSelector: 'kubernetes.io/service-name=web',
        });
        expect(slices.items).toHaveLength(1);
        const address = slices.items[0]?.endpoints[0]?.addresses[0];
        const port = slices.items[0]?.ports?.[0]?.port;
        expect(address).toBe(pod.ip);
        // What the apiserver says is where the pod really answers.
        const res = await fetch(`http://${String(address)}:${String(port)}/`, {
          signal: AbortSignal.timeout(5000),
        });
        expect(((await res.json()) as { backend: string }).backend).toBe('web-1');
      } finally {
        await discovery.deleteNamespacedEndpointSlice({ namespace, name: 'web-1' }).catch(() => undefined);
        await core.deleteNamespacedService({ namespace, name: 'web' }).catch(() => undefined);
        // No controller-manager here: the Namespace stays Terminating, harmless in this throwaway etcd.
        await core.deleteNamespace({ name: namespace });
      }
    },
    LONG,
  );

  test(
    'an EndpointSlice with a loopback address is refused',
    async () => {
      const discovery = client(api).makeApiClient(DiscoveryV1Api);
      const refused = await statusOf(
        discovery.createNamespacedEndpointSlice({
          namespace: 'default',
          body: slice('default', 'loopback', 'web', '127.0.0.1'),
        }),
      );
      expect(refused.code).toBe(422);
      expect(refused.message).toMatch(/loopback/);
    },
    LONG,
  );

  test(
    'RBAC is on: causeway-controller may not list Services until a ClusterRole and binding allow it',
    async () => {
      const admin = client(api).makeApiClient(RbacAuthorizationV1Api);
      const asController = client(api, 'causeway-controller').makeApiClient(CoreV1Api);
      const denied = await statusOf(asController.listServiceForAllNamespaces());
      expect(denied.code).toBe(403);
      expect(denied.message).toContain('User "causeway-controller" cannot list resource "services"');

      const name = 'causeway-smoke-read-services';
      await admin.createClusterRole({
        body: {
          metadata: { name },
          rules: [{ apiGroups: [''], resources: ['services'], verbs: ['get', 'list', 'watch'] }],
        },
      });
      try {
        await admin.createClusterRoleBinding({
          body: {
            metadata: { name },
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
            subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'causeway-controller' }],
          },
        });
        // The authorizer reads RBAC objects through an informer: allow a moment for it to catch up.
        const list = await eventually(() =>
          asController.listServiceForAllNamespaces().catch(() => undefined),
        );
        expect(list.items.map((s) => s.metadata?.name)).toContain('kubernetes');
        // Still nothing beyond the grant.
        expect((await statusOf(asController.listSecretForAllNamespaces())).code).toBe(403);
      } finally {
        await admin.deleteClusterRoleBinding({ name }).catch(() => undefined);
        await admin.deleteClusterRole({ name });
      }
      await eventually(async () =>
        (await statusOf(asController.listServiceForAllNamespaces())).code === 403 ? true : undefined,
      );
    },
    LONG,
  );

  test(
    'two apiservers sharing one etcd under different prefixes see different objects',
    async () => {
      const west = await startKubeApiserver({ etcd: etcd!, name: 'west' });
      try {
        expect(west.prefix).not.toBe(api.prefix);
        const eastCore = client(api).makeApiClient(CoreV1Api);
        const westCore = client(west).makeApiClient(CoreV1Api);
        await westCore.createNamespace({ body: { metadata: { name: 'only-in-west' } } });
        await eastCore.createNamespace({ body: { metadata: { name: 'only-in-east' } } });
        try {
          const westNames = (await westCore.listNamespace()).items.map((n) => n.metadata?.name);
          const eastNames = (await eastCore.listNamespace()).items.map((n) => n.metadata?.name);
          expect(westNames).toContain('only-in-west');
          expect(westNames).not.toContain('only-in-east');
          expect(eastNames).toContain('only-in-east');
          expect(eastNames).not.toContain('only-in-west');
          // Side by side in the one etcd, each under its own prefix.
          expect(await etcd!.keys(`${west.prefix}/namespaces/`)).toContain(
            `${west.prefix}/namespaces/only-in-west`,
          );
          expect(await etcd!.keys(`${api.prefix}/namespaces/`)).not.toContain(
            `${api.prefix}/namespaces/only-in-west`,
          );
        } finally {
          await westCore.deleteNamespace({ name: 'only-in-west' });
          await eastCore.deleteNamespace({ name: 'only-in-east' });
        }
      } finally {
        await west.stop();
      }
    },
    LONG,
  );

  test(
    'restarts keep the data: apiserver (same port, same CA) and etcd',
    async () => {
      const core = client(api).makeApiClient(CoreV1Api);
      await core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: 'survivor' }, data: { k: 'v' } },
      });
      const { url, caCert } = api;
      await api.restart();
      expect(api.url).toBe(url);
      expect(api.caCert).toBe(caCert);
      expect((await core.readNamespacedConfigMap({ namespace: 'default', name: 'survivor' })).data).toEqual({
        k: 'v',
      });

      // Down hard (both), then back: etcd first, as a cluster would come back.
      await api.kill();
      expect(api.running).toBe(false);
      await expect(core.listNamespace()).rejects.toThrow(/ECONNREFUSED/);
      await etcd!.kill();
      await etcd!.restart();
      await api.restart();
      expect((await core.readNamespacedConfigMap({ namespace: 'default', name: 'survivor' })).data).toEqual({
        k: 'v',
      });
      await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'survivor' });
    },
    LONG,
  );

  test(
    'etcd compaction makes a watch from an old resourceVersion fail with 410 Gone',
    async () => {
      // Without the watch cache, watches go to etcd directly, so compaction shows at once.
      const direct = await startKubeApiserver({ etcd: etcd!, name: 'nocache', watchCache: false });
      try {
        const kc = client(direct);
        const core = kc.makeApiClient(CoreV1Api);
        const first = await core.createNamespacedConfigMap({
          namespace: 'default',
          body: { metadata: { name: 'a' } },
        });
        // Two writes after it: a watch from oldRv starts at oldRv + 1, which must be below the compacted revision.
        await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'b' } } });
        await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'c' } } });
        const oldRv = first.metadata?.resourceVersion;
        expect(oldRv).toBeDefined();
        const revision = await direct.compact();
        expect(revision).toBeGreaterThan(Number(oldRv) + 1);

        let watch: AbortController | undefined;
        const event = await new Promise<{ type: string; obj: { code?: number; reason?: string } }>(
          (resolve, reject) => {
            const timer = setTimeout(() => reject(new Error('no watch event in 10 s')), 10_000);
            new Watch(kc)
              .watch(
                '/api/v1/namespaces/default/configmaps',
                { resourceVersion: oldRv },
                (type, obj: { code?: number; reason?: string }) => {
                  clearTimeout(timer);
                  resolve({ type, obj });
                },
                (err: unknown) => {
                  if (err) {
                    clearTimeout(timer);
                    reject(err instanceof Error ? err : new Error(String(err)));
                  }
                },
              )
              .then((controller) => (watch = controller), reject);
          },
        );
        watch?.abort();
        expect(event.type).toBe('ERROR');
        expect(event.obj).toMatchObject({ code: 410, reason: 'Expired' });
        await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'a' });
        await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'b' });
        await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'c' });
      } finally {
        await direct.stop();
      }
    },
    LONG,
  );
});
