/**
 * The Gateway API plumbing against a REAL kube-apiserver (and etcd):
 *
 * - manifests/gateway-api/crds/ are the v1.6.3 standard-channel CRDs byte for byte (checked against the Go
 *   module when it is in the module cache) and a real apiserver installs them;
 * - the Kubernetes source, as the shipped ServiceAccount (manifests/rbac.yaml, a real bound token), lists
 *   and watches a Gateway and an HTTPRoute: spec kept, status dropped, an update is seen;
 * - the controller (Kubernetes mode, leader) writes `Accepted=True` on the `causeway` GatewayClass
 *   (manifests/gateway-api/gateway-class.yaml) and `InvalidParameters` on a class with a parametersRef,
 *   keeps `lastTransitionTime` when a sync changes nothing, and leaves another controller's class alone;
 * - a route the apiserver accepts but the strict reader refuses (an IP as hostname) gets an Event;
 * - a real Envoy gateway that cannot bind a Gateway listener's port (another process holds it) NACKs it,
 *   and the HTTPRoute attached to it gets `causeway.dev/GatewayConfigAccepted=False` on its parent,
 *   gone once the listener moves to a free port and the gateway ACKs;
 * - a cluster WITHOUT the CRDs loads at once and serves its Ingresses (a second apiserver).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  CustomObjectsApi,
  EventsV1Api,
  KubeConfig,
  KubernetesObjectApi,
  type KubernetesObject,
} from '@kubernetes/client-node';
import YAML from 'yaml';
import { runController, type RunningController } from '../../src/controller/app.js';
import { GATEWAY_API_KUBE_KINDS } from '../../src/kubernetes/watch/kube-kinds.js';
import { KubernetesSource } from '../../src/kubernetes/watch/kube-source.js';
import type { SourceUpdate } from '../../src/sources/source-update.js';
import { projectRoot } from '../../src/tools/envoy-binary.js';
import { buildBootstrap } from '../../xds/bootstrap/bootstrap.js';
import { until } from '../support/until.js';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import {
  applyManifest,
  applyManifestFile,
  readManifestFile,
  serviceAccountToken,
  writeKubeconfig,
} from '../support/kube-apply.js';
import {
  ensureKubeBinaries,
  startEtcd,
  startKubeApiserver,
  type Etcd,
  type KubeApiserver,
} from '../support/kube-apiserver.js';
import { freePorts } from '../support/ports.js';

const GATEWAY_API_VERSION = 'v1.6.3';
const MANIFESTS = path.join(projectRoot(), 'manifests');
const CRDS = path.join(MANIFESTS, 'gateway-api', 'crds');
const GROUP = 'gateway.networking.k8s.io';
const CLUSTER = 'gwapi';

let dir: string;
let etcd: Etcd | undefined;
let api: KubeApiserver | undefined;
let bare: KubeApiserver | undefined;
let admin: KubeConfig;
let saKubeconfig: string;
let controller: RunningController | undefined;
let envoy: EnvoyProcess | undefined;
let blocker: net.Server | undefined;
const sources: KubernetesSource[] = [];

function crdFiles(): string[] {
  return fs
    .readdirSync(CRDS)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
}

function gateway(port: number): KubernetesObject {
  return {
    apiVersion: `${GROUP}/v1`,
    kind: 'Gateway',
    metadata: { name: 'edge', namespace: 'infra' },
    spec: { gatewayClassName: 'causeway', listeners: [{ name: 'http', port, protocol: 'HTTP' }] },
  } as KubernetesObject;
}

const ROUTE = {
  apiVersion: `${GROUP}/v1`,
  kind: 'HTTPRoute',
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    parentRefs: [{ name: 'edge', namespace: 'infra' }],
    hostnames: ['shop.example.com'],
    rules: [{ backendRefs: [{ name: 'web', port: 80 }] }],
  },
} as KubernetesObject;

/** Creates or replaces (the latest resourceVersion carried) an object of any kind, as admin. */
async function upsert(o: KubernetesObject): Promise<void> {
  const client = KubernetesObjectApi.makeApiClient(admin);
  try {
    await client.create(o);
  } catch {
    const current = await client.read(o as KubernetesObject & { metadata: { name: string } });
    await client.replace({
      ...o,
      metadata: { ...o.metadata, resourceVersion: current.metadata?.resourceVersion },
    });
  }
}

interface ClassStatus {
  readonly conditions?: readonly Record<string, unknown>[];
}

async function classStatus(name: string): Promise<ClassStatus | undefined> {
  const o = (await admin
    .makeApiClient(CustomObjectsApi)
    .getClusterCustomObject({ group: GROUP, version: 'v1', plural: 'gatewayclasses', name })) as {
    status?: ClassStatus;
  };
  return o.status;
}

/** The condition `type` of the first parent in HTTPRoute shop/`name`'s status; null when it has none. */
async function routeParentCondition(name: string, type: string): Promise<Record<string, unknown> | null> {
  const o = (await admin.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
    group: GROUP,
    version: 'v1',
    namespace: 'shop',
    plural: 'httproutes',
    name,
  })) as {
    status?: { parents?: { conditions?: Record<string, unknown>[] }[] };
  };
  return o.status?.parents?.[0]?.conditions?.find((c) => c['type'] === type) ?? null;
}

beforeAll(async () => {
  await ensureKubeBinaries();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-e2e-gwapi-'));
  etcd = await startEtcd();
  api = await startKubeApiserver({ etcd, name: CLUSTER });
  admin = new KubeConfig();
  admin.loadFromFile(api.kubeconfig('admin'));
  for (const file of ['namespace.yaml', 'rbac.yaml'])
    await applyManifestFile(admin, path.join(MANIFESTS, file));
  const objects = KubernetesObjectApi.makeApiClient(admin);
  for (const file of crdFiles())
    for (const o of readManifestFile(path.join(CRDS, file))) await objects.create(o as KubernetesObject);
  for (const name of ['infra', 'shop'])
    await applyManifest(admin, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name },
    } as KubernetesObject);
  const token = await serviceAccountToken(admin, {
    namespace: 'causeway-system',
    name: 'causeway-controller',
  });
  saKubeconfig = writeKubeconfig({
    file: path.join(dir, 'sa.kubeconfig'),
    server: api.url,
    caCert: api.caCert,
    token,
    user: 'causeway-controller',
    cluster: CLUSTER,
  });
  const sa = new KubeConfig();
  sa.loadFromFile(saKubeconfig);
  // The CRDs are established and the binding is in force once the ServiceAccount lists every kind.
  await until('the ServiceAccount lists every Gateway API kind', async () => {
    const custom = sa.makeApiClient(CustomObjectsApi);
    for (const k of GATEWAY_API_KUBE_KINDS)
      await custom.listClusterCustomObject({ group: GROUP, version: 'v1', plural: k.path.split('/').pop()! });
    return true;
  });
  await upsert(gateway(80));
  await upsert(ROUTE);
}, 15 * 60_000);

afterAll(async () => {
  await envoy?.stop();
  if (blocker) await new Promise<void>((resolve) => blocker!.close(() => resolve()));
  for (const s of sources) await s.close();
  await controller?.stop();
  await bare?.stop();
  await api?.stop();
  await etcd?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('manifests/gateway-api', () => {
  test(`the CRDs are the ${GATEWAY_API_VERSION} standard channel, byte for byte`, () => {
    const files = crdFiles();
    expect(files).toEqual(
      expect.arrayContaining(
        [
          'gatewayclasses',
          'gateways',
          'httproutes',
          'grpcroutes',
          'tlsroutes',
          'tcproutes',
          'udproutes',
          'referencegrants',
        ].map((p) => `${GROUP}_${p}.yaml`),
      ),
    );
    for (const file of files) {
      const text = fs.readFileSync(path.join(CRDS, file), 'utf8');
      expect([
        file,
        text.includes(`bundle-version: ${GATEWAY_API_VERSION}`),
        text.includes('channel: standard'),
      ]).toEqual([file, true, true]);
    }
    const upstream = path.join(
      os.homedir(),
      'go',
      'pkg',
      'mod',
      `sigs.k8s.io/gateway-api@${GATEWAY_API_VERSION}`,
      'config',
      'crd',
      'standard',
    );
    if (!fs.existsSync(upstream)) return; // the annotations above still pin the version and channel
    const upstreamFiles = fs
      .readdirSync(upstream)
      .filter((f) => f.endsWith('.yaml'))
      .sort();
    expect(files).toEqual(upstreamFiles);
    for (const file of files)
      expect([
        file,
        fs.readFileSync(path.join(CRDS, file)).equals(fs.readFileSync(path.join(upstream, file))),
      ]).toEqual([file, true]);
  });

  test('the RBAC role reads every watched Gateway API kind and writes the status of all but ReferenceGrants', () => {
    const role = readManifestFile(path.join(MANIFESTS, 'rbac.yaml')).find(
      (o) => o.kind === 'ClusterRole',
    ) as unknown as {
      rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
    };
    const allowed = (resource: string, verb: string): boolean =>
      role.rules.some(
        (r) => r.apiGroups.includes(GROUP) && r.resources.includes(resource) && r.verbs.includes(verb),
      );
    for (const k of GATEWAY_API_KUBE_KINDS) {
      const plural = k.path.split('/').pop()!;
      expect([plural, ['get', 'list', 'watch'].every((v) => allowed(plural, v))]).toEqual([plural, true]);
      if (k.kind !== 'ReferenceGrant')
        expect([plural, allowed(`${plural}/status`, 'patch')]).toEqual([plural, true]);
    }
  });
});

describe('Kubernetes mode', () => {
  test('the source lists and watches a Gateway and an HTTPRoute as the ServiceAccount; an update is seen', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(saKubeconfig);
    const source = new KubernetesSource({ cluster: CLUSTER, kubeConfig: kc, initialListTimeoutMs: 20_000 });
    sources.push(source);
    const first = await source.load();
    expect(first.diagnostics).toEqual([]);
    const gw = first.resources.gatewayApi.gateways.get('infra/edge')?.object;
    // The CRD's defaults (allowedRoutes) are the apiserver's: the spec as stored.
    expect(gw?.spec.listeners).toEqual([
      { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } },
    ]);
    expect(first.resources.gatewayApi.httpRoutes.get(`${CLUSTER}/shop/web`)?.object.spec.hostnames).toEqual([
      'shop.example.com',
    ]);
    const updates: SourceUpdate[] = [];
    await source.watch((u) => updates.push(u));
    await upsert(gateway(8080));
    const seen = await until('the Gateway update', async () =>
      updates.find(
        (u) => u.resources.gatewayApi.gateways.get('infra/edge')?.object.spec.listeners[0]?.port === 8080,
      ),
    );
    expect(seen.changed).toEqual([{ kind: 'Gateway', key: 'infra/edge', op: 'upsert' }]);
  }, 60_000);

  test('the leader writes Accepted on the causeway GatewayClass, InvalidParameters with parametersRef, others untouched', async () => {
    const objects = KubernetesObjectApi.makeApiClient(admin);
    for (const o of readManifestFile(path.join(MANIFESTS, 'gateway-api', 'gateway-class.yaml')))
      await objects.create(o as KubernetesObject);
    await upsert({
      apiVersion: `${GROUP}/v1`,
      kind: 'GatewayClass',
      metadata: { name: 'tuned' },
      spec: {
        controllerName: 'causeway.dev/gateway',
        parametersRef: { group: 'example.com', kind: 'Config', name: 'c' },
      },
    } as KubernetesObject);
    await upsert({
      apiVersion: `${GROUP}/v1`,
      kind: 'GatewayClass',
      metadata: { name: 'theirs' },
      spec: { controllerName: 'example.com/other' },
    } as KubernetesObject);
    const [httpPort, httpsPort] = (await freePorts(2)) as [number, number];
    controller = await runController({
      kubeconfig: saKubeconfig,
      clusterName: CLUSTER,
      xdsAddress: '127.0.0.1:0',
      adminAddress: '127.0.0.1:0',
      httpPort,
      httpsPort,
      logLevel: process.env['CAUSEWAY_TEST_LOG_LEVEL'] ?? 'silent',
    });
    const accepted = await until('Accepted=True on causeway', async () => {
      const c = (await classStatus('causeway'))?.conditions?.find((x) => x['type'] === 'Accepted');
      return c?.['status'] === 'True' ? c : undefined;
    });
    expect(accepted).toMatchObject({ reason: 'Accepted', observedGeneration: 1 });
    const refused = await until('Accepted=False on tuned', async () => {
      const c = (await classStatus('tuned'))?.conditions?.find((x) => x['type'] === 'Accepted');
      return c?.['status'] === 'False' ? c : undefined;
    });
    expect(refused).toMatchObject({ reason: 'InvalidParameters' });
    // Another controller's class: no status written (a status subresource starts empty).
    expect(await classStatus('theirs')).toBeUndefined();
    // A spec change with the same outcome: a new observedGeneration, the same lastTransitionTime.
    await upsert({
      apiVersion: `${GROUP}/v1`,
      kind: 'GatewayClass',
      metadata: { name: 'causeway' },
      spec: { controllerName: 'causeway.dev/gateway', description: 'changed' },
    } as KubernetesObject);
    const again = await until('observedGeneration 2', async () => {
      const c = (await classStatus('causeway'))?.conditions?.find((x) => x['type'] === 'Accepted');
      return c?.['observedGeneration'] === 2 ? c : undefined;
    });
    expect(again['lastTransitionTime']).toBe(accepted['lastTransitionTime']);
  }, 120_000);

  test('a route the apiserver accepts but the reader refuses (an IP as hostname) gets an Event on it', async () => {
    expect(controller).toBeDefined(); // started by the test above
    await upsert({
      apiVersion: `${GROUP}/v1`,
      kind: 'HTTPRoute',
      metadata: { name: 'by-ip', namespace: 'shop' },
      spec: { hostnames: ['10.0.0.1'], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] },
    } as KubernetesObject);
    const event = await until('the Event on the HTTPRoute', async () => {
      const list = await admin.makeApiClient(EventsV1Api).listNamespacedEvent({ namespace: 'shop' });
      return list.items.find((e) => e.regarding?.kind === 'HTTPRoute' && e.regarding.name === 'by-ip');
    });
    expect(event.regarding?.apiVersion).toBe(`${GROUP}/v1`);
    expect(event.note).toContain('CW_E_KUBE_OBJECT');
    expect(event.note).toContain('spec.hostnames[0] "10.0.0.1" is an IP address, not a hostname');
  }, 60_000);

  test("a gateway's rejection of a route's listener marks the route's parent; gone once it ACKs", async () => {
    expect(controller).toBeDefined(); // started by the GatewayClass test
    // Another process holds the listener's port, as on a shared host: the gateway cannot bind it and
    // NACKs the listener, which comes from the HTTPRoute attached to it.
    const [taken, free] = (await freePorts(2)) as [number, number];
    blocker = net.createServer();
    await new Promise<void>((resolve) => blocker!.listen({ host: '0.0.0.0', port: taken }, resolve));
    const open = (port: number): KubernetesObject => {
      const gw = gateway(port) as KubernetesObject & { spec: { listeners: object[] } };
      return {
        ...gw,
        spec: {
          ...gw.spec,
          listeners: [
            { name: 'http', port, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } },
          ],
        },
      } as KubernetesObject;
    };
    await upsert(open(taken));
    envoy = await startEnvoy({
      name: 'gwapi-nack',
      waitFor: 'admin',
      bootstrap: buildBootstrap({
        group: 'infra-edge',
        xdsHost: '127.0.0.1',
        xdsPort: controller!.xdsPort,
        nodeId: 'gwapi-nack-1',
        adminPort: 0,
      }),
    });
    const rejected = await until(
      'the rejection on the HTTPRoute parent',
      async () => (await routeParentCondition('web', 'causeway.dev/GatewayConfigAccepted')) ?? undefined,
    );
    expect(rejected).toMatchObject({ status: 'False', reason: 'Rejected' });
    expect(rejected['message']).toMatch(/^gateway gwapi-nack-1 \(group infra-edge\) rejected Listener /);
    // The spec's own conditions stay: the route is valid, a gateway could not apply it.
    expect(await routeParentCondition('web', 'Accepted')).toMatchObject({ status: 'True' });
    await upsert(open(free));
    await until('the condition to go', async () =>
      (await routeParentCondition('web', 'causeway.dev/GatewayConfigAccepted')) === null ? true : undefined,
    );
  }, 90_000);

  test('a cluster without the Gateway API CRDs loads at once and serves its Ingresses', async () => {
    bare = await startKubeApiserver({ etcd: etcd!, name: 'bare' });
    const kc = new KubeConfig();
    kc.loadFromFile(bare.kubeconfig('admin'));
    await applyManifest(kc, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'shop' },
    } as KubernetesObject);
    await applyManifest(
      kc,
      YAML.parse(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: web, namespace: shop }
spec: { rules: [{ host: shop.example.com, http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }] } }] }
`) as KubernetesObject,
    );
    const source = new KubernetesSource({ cluster: 'bare', kubeConfig: kc, initialListTimeoutMs: 20_000 });
    sources.push(source);
    const u = await source.load();
    expect([...u.resources.ingresses.keys()]).toEqual(['bare/shop/web']);
    expect(u.resources.gatewayApi.gateways.size).toBe(0);
    expect(u.diagnostics).toEqual([]);
  }, 60_000);
});
