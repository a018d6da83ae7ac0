/**
 * The whole Kubernetes path, end to end: a REAL kube-apiserver (and etcd) -> the controller (in-process,
 * Kubernetes mode) -> xDS -> a real Envoy gateway (host network namespace, listeners on free loopback ports)
 * -> HTTP echo "pods" in network namespaces (test/support/netns.ts), whose addresses are in EndpointSlices.
 *
 * The shipped manifests (manifests/namespace.yaml, rbac.yaml, ingress-class.yaml) are applied as admin, and
 * the controller runs with a REAL bound token of the ServiceAccount `causeway-system/causeway-controller`
 * (TokenRequest API): that it serves everything proves the role is enough; a list of writes outside the
 * role answered 403 with that same token proves it is no more.
 *
 * Then every watched kind is created, updated and deleted and the gateway is asked what it serves:
 * Ingress, IngressClass, Service, EndpointSlice (an endpoint moved from pod A to pod B must be served within
 * 1 s of the write; the time is printed) and TLS Secret (HTTPS via SNI).
 *
 * Needs root and iproute2 (pods), Envoy, and the kube binaries (built on first use, minutes). Without root
 * or `ip` the file is skipped with a message, but only when CI is unset.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ApiException,
  AuthenticationV1Api,
  CoordinationV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  EventsV1Api,
  KubeConfig,
  NetworkingV1Api,
  PatchStrategy,
  RbacAuthorizationV1Api,
  V1MicroTime,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type {
  KubernetesObject,
  V1EndpointSlice,
  V1Ingress,
  V1IngressClass,
  V1Secret,
  V1Service,
} from '@kubernetes/client-node';
import { runController, type RunningController } from '../../src/controller/app.js';
import { projectRoot } from '../../src/tools/envoy-binary.js';
import { buildBootstrap } from '../../xds/bootstrap/bootstrap.js';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { httpGet, httpsGet } from '../support/http-client.js';
import {
  applyManifest,
  applyManifestFile,
  serviceAccountToken,
  writeKubeconfig,
  type AppliedObject,
} from '../support/kube-apply.js';
import {
  ensureKubeBinaries,
  startEtcd,
  startKubeApiserver,
  type Etcd,
  type KubeApiserver,
} from '../support/kube-apiserver.js';
import { generateCertificate } from '../support/manifests.js';
import { createPodNetwork, podNetworkSupport, type Pod, type PodNetwork } from '../support/netns.js';
import { freePorts } from '../support/ports.js';

const support = podNetworkSupport();
const skipReason = !support.ok && !process.env['CI'] ? support.reason : undefined;
if (skipReason) {
  console.warn(`test/e2e/kube-gateway.test.ts skipped: ${skipReason} (these tests always run under CI=true)`);
}
const suite = skipReason ? describe.skip : describe;

const NS = 'shop';
const SYSTEM_NS = 'causeway-system';
const SERVICE_ACCOUNT = 'causeway-controller';
const SA_USER = `system:serviceaccount:${SYSTEM_NS}:${SERVICE_ACCOUNT}`;
const CLASS = 'causeway';
const CLUSTER = 'e2e';
const TEST_TIMEOUT = 120_000;
/** How long a change may take to show at the gateway before a test fails (the asserted 1 s is separate). */
const CONVERGE_MS = 10_000;
const MANIFESTS = path.join(projectRoot(), 'manifests');

// ---------------------------------------------------------------------------------------------------
// Objects (with apiVersion and kind, so they can go through applyManifest too)

function service(name: string, portName = 'http'): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: NS },
    spec: { ports: [{ name: portName, port: 80, targetPort: 8080, protocol: 'TCP' }] },
  };
}

function endpointSlice(name: string, svc: string, pods: readonly Pod[]): V1EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: NS, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: pods.map((p) => ({ addresses: [p.ip], conditions: { ready: true } })),
  };
}

interface IngressSpec {
  readonly host: string;
  readonly path?: string;
  readonly service: string;
  /** Default `causeway`; null: no ingressClassName at all. */
  readonly className?: string | null;
  readonly tlsSecret?: string;
}

function ingress(name: string, s: IngressSpec): V1Ingress {
  const className = s.className === undefined ? CLASS : s.className;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: NS },
    spec: {
      ...(className !== null ? { ingressClassName: className } : {}),
      ...(s.tlsSecret !== undefined ? { tls: [{ hosts: [s.host], secretName: s.tlsSecret }] } : {}),
      rules: [
        {
          host: s.host,
          http: {
            paths: [
              {
                path: s.path ?? '/',
                pathType: 'Prefix',
                backend: { service: { name: s.service, port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  };
}

function tlsSecret(name: string, c: { cert: string; key: string }): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: NS },
    type: 'kubernetes.io/tls',
    data: {
      'tls.crt': Buffer.from(c.cert).toString('base64'),
      'tls.key': Buffer.from(c.key).toString('base64'),
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Helpers

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `probe` every `intervalMs` until `ok` holds; returns the value and the time it took (from the
 * call). Fails after `timeoutMs` with the last value seen.
 */
async function until<T>(
  what: string,
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = CONVERGE_MS,
  intervalMs = 20,
): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (ok(last)) return { value: last, ms: performance.now() - t0 };
    if (performance.now() - t0 > timeoutMs) {
      throw new Error(`${what}: not within ${String(timeoutMs)} ms (last: ${JSON.stringify(last)})`);
    }
    await sleep(intervalMs);
  }
}

/** The HTTP status of a client-node call: 200 for any success, else the ApiException's code. */
async function statusOf(call: () => Promise<unknown>): Promise<number> {
  try {
    await call();
    return 200;
  } catch (err) {
    if (err instanceof ApiException) return err.code;
    throw err;
  }
}

function apiMessage(err: unknown): string {
  if (!(err instanceof ApiException)) return String(err);
  const body = (typeof err.body === 'string' ? JSON.parse(err.body) : err.body) as { message?: string };
  return body?.message ?? String(err.message);
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

suite(
  `Kubernetes API -> controller -> xDS -> Envoy -> pods${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let etcd: Etcd | undefined;
    let api: KubeApiserver | undefined;
    let podNet: PodNetwork | undefined;
    let controller: RunningController | undefined;
    let gateway: EnvoyProcess | undefined;
    let dir: string | undefined;
    let podA: Pod;
    let podB: Pod;
    let podC: Pod;
    let httpPort: number;
    let httpsPort: number;
    let saKubeconfig: string;
    // As admin
    let admin: KubeConfig;
    let core: CoreV1Api;
    let net: NetworkingV1Api;
    let disco: DiscoveryV1Api;
    // As the ServiceAccount
    let sa: KubeConfig;
    /** What applying the shipped manifests did. */
    const shipped: AppliedObject[] = [];

    /** What the gateway answers for http://<host><path>: the echo pod's name on 200, else the status (or the error). */
    async function get(host: string, urlPath = '/'): Promise<string | number> {
      try {
        const r = await httpGet(`http://127.0.0.1:${String(httpPort)}${urlPath}`, { host, timeoutMs: 3000 });
        return r.status === 200 ? String(r.headers['x-echo-backend']) : r.status;
      } catch (err) {
        return `error: ${(err as Error).message}`;
      }
    }

    /** HTTPS via SNI `host`, trusting only `ca`: the echo pod and the served certificate's fingerprint, or the error. */
    async function getTls(
      host: string,
      ca: string,
    ): Promise<{ backend: string | number; fingerprint: string } | string> {
      try {
        const r = await httpsGet(`https://127.0.0.1:${String(httpsPort)}/`, {
          host,
          servername: host,
          ca,
          timeoutMs: 3000,
        });
        return {
          backend: r.status === 200 ? String(r.headers['x-echo-backend']) : r.status,
          fingerprint: r.peerCertificate?.fingerprint256 ?? '',
        };
      } catch (err) {
        return `error: ${(err as Error).message}`;
      }
    }

    function served(host: string, urlPath: string, expected: string | number, timeoutMs = CONVERGE_MS) {
      return until(
        `http://${host}${urlPath} -> ${String(expected)}`,
        () => get(host, urlPath),
        (v) => v === expected,
        timeoutMs,
      );
    }

    let barrierRound = 0;
    /**
     * Waits until the gateway serves every Ingress change made before: one more change to the `barrier`
     * Ingress (a new path) comes after them on the same watch, and the controller translates the whole state.
     */
    async function ingressBarrier(): Promise<void> {
      const round = ++barrierRound;
      const body = ingress('barrier', {
        host: 'barrier.example.com',
        path: `/round-${String(round)}`,
        service: 'home',
      });
      if (round === 1) await net.createNamespacedIngress({ namespace: NS, body });
      else {
        const cur = await net.readNamespacedIngress({ namespace: NS, name: 'barrier' });
        cur.spec = body.spec;
        await net.replaceNamespacedIngress({ namespace: NS, name: 'barrier', body: cur });
      }
      await served('barrier.example.com', `/round-${String(round)}`, 'pod-c');
    }

    async function updateIngress(name: string, edit: (i: V1Ingress) => void): Promise<void> {
      const cur = await net.readNamespacedIngress({ namespace: NS, name });
      edit(cur);
      await net.replaceNamespacedIngress({ namespace: NS, name, body: cur });
    }

    async function updateService(name: string, edit: (s: V1Service) => void): Promise<void> {
      const cur = await core.readNamespacedService({ namespace: NS, name });
      edit(cur);
      await core.replaceNamespacedService({ namespace: NS, name, body: cur });
    }

    async function updateClass(name: string, edit: (c: V1IngressClass) => void): Promise<void> {
      const cur = await net.readIngressClass({ name });
      edit(cur);
      await net.replaceIngressClass({ name, body: cur });
    }

    beforeAll(async () => {
      // A cold build takes minutes: hence the long timeout.
      await ensureKubeBinaries();
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-e2e-kube-gateway-'));
      etcd = await startEtcd();
      api = await startKubeApiserver({ etcd, name: CLUSTER });

      podNet = await createPodNetwork({ name: 'kube-gateway' });
      podA = await podNet.addPod('pod-a');
      podB = await podNet.addPod('pod-b');
      podC = await podNet.addPod('pod-c');
      await podA.startHttpEcho('pod-a', 8080);
      await podB.startHttpEcho('pod-b', 8080);
      await podC.startHttpEcho('pod-c', 8080);

      admin = new KubeConfig();
      admin.loadFromFile(api.kubeconfig('admin'));
      core = admin.makeApiClient(CoreV1Api);
      net = admin.makeApiClient(NetworkingV1Api);
      disco = admin.makeApiClient(DiscoveryV1Api);

      // What a user applies, as shipped.
      for (const file of ['namespace.yaml', 'rbac.yaml', 'ingress-class.yaml']) {
        shipped.push(...(await applyManifestFile(admin, path.join(MANIFESTS, file))));
      }
      // The application: two Services with one pod each, an Ingress, and a Secret that is not TLS.
      const opaqueSecret: V1Secret = {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'opaque', namespace: NS },
        data: { a: 'Yg==' },
      };
      const seed: KubernetesObject[] = [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
        service('home'),
        endpointSlice('home-1', 'home', [podC]),
        service('web'),
        endpointSlice('web-1', 'web', [podA]),
        ingress('home', { host: 'home.example.com', service: 'home' }),
        opaqueSecret,
      ];
      for (const object of seed) await applyManifest(admin, object);

      // A real bound ServiceAccount token, as the kubelet would mount it into the controller's pod.
      const token = await serviceAccountToken(admin, { namespace: SYSTEM_NS, name: SERVICE_ACCOUNT });
      saKubeconfig = writeKubeconfig({
        file: path.join(dir, 'causeway-controller.kubeconfig'),
        server: api.url,
        caCert: api.caCert,
        token,
        user: SERVICE_ACCOUNT,
        cluster: CLUSTER,
      });
      sa = new KubeConfig();
      sa.loadFromFile(saKubeconfig);
      // The authorizer reads RBAC objects through informers: wait until the binding is in force.
      const saNet = sa.makeApiClient(NetworkingV1Api);
      await until(
        'the ServiceAccount may list Ingresses',
        () => statusOf(() => saNet.listIngressForAllNamespaces()),
        (code) => code === 200,
      );

      [httpPort, httpsPort] = (await freePorts(2)) as [number, number];
      controller = await runController({
        kubeconfig: saKubeconfig,
        clusterName: CLUSTER,
        xdsAddress: '127.0.0.1:0',
        adminAddress: '127.0.0.1:0',
        httpPort,
        httpsPort,
        logLevel: process.env['CAUSEWAY_TEST_LOG_LEVEL'] ?? 'silent',
      });
      gateway = await startEnvoy({
        name: 'kube-gateway',
        bootstrap: buildBootstrap({
          group: 'default',
          xdsHost: '127.0.0.1',
          xdsPort: controller.xdsPort,
          nodeId: 'kube-gw',
          adminPort: 0,
        }),
      });
      await gateway.waitForListener(httpPort);
    }, 15 * 60_000);

    afterAll(async () => {
      // Everything, in reverse order, each step even when an earlier one failed.
      const steps: Array<[string, () => Promise<unknown> | unknown]> = [
        ['Envoy', () => gateway?.stop()],
        ['controller', () => controller?.stop()],
        ['pod network', () => podNet?.destroy()],
        ['kube-apiserver', () => api?.stop()],
        ['etcd', () => etcd?.stop()],
        ['temp folder', () => (dir ? fs.rmSync(dir, { recursive: true, force: true }) : undefined)],
      ];
      const failures: string[] = [];
      for (const [what, step] of steps) {
        try {
          await step();
        } catch (err) {
          failures.push(`${what}: ${(err as Error).message}`);
        }
      }
      if (failures.length > 0) throw new Error(`cleanup failed: ${failures.join('; ')}`);
    }, 120_000);

    test(
      'the controller runs with the ServiceAccount token of manifests/rbac.yaml and the gateway serves the pods',
      async () => {
        // The kubeconfig the controller uses authenticates as the ServiceAccount, not as a token-file user.
        const review = await sa.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({
          body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
        });
        expect(review.status?.userInfo?.username).toBe(SA_USER);
        expect(review.status?.userInfo?.groups).toEqual(
          expect.arrayContaining(['system:serviceaccounts', `system:serviceaccounts:${SYSTEM_NS}`]),
        );

        await served('home.example.com', '/', 'pod-c');
        expect(await get('nowhere.example.com', '/')).toBe(404);
        const ready = await httpGet(`http://127.0.0.1:${String(controller!.adminPort)}/readyz`);
        expect(ready.status).toBe(200);

        expect(shipped.map((a) => `${a.action} ${a.object.kind} ${a.object.metadata.name}`)).toEqual([
          'created Namespace causeway-system',
          'created ServiceAccount causeway-controller',
          'created ClusterRole causeway-controller',
          'created ClusterRoleBinding causeway-controller',
          'created Role causeway-leader-election',
          'created RoleBinding causeway-leader-election',
          'created IngressClass causeway',
        ]);
        // Applying again replaces (kubectl apply semantics for an unchanged file): nothing changes.
        const again = await applyManifestFile(admin, path.join(MANIFESTS, 'ingress-class.yaml'));
        expect(again.map((a) => a.action)).toEqual(['replaced']);
        await ingressBarrier();
        expect(await get('home.example.com', '/')).toBe('pod-c');
      },
      TEST_TIMEOUT,
    );

    test(
      'the ServiceAccount may do nothing beyond the role: writes outside it are refused with 403',
      async () => {
        const saCore = sa.makeApiClient(CoreV1Api);
        const saNet = sa.makeApiClient(NetworkingV1Api);
        const saDisco = sa.makeApiClient(DiscoveryV1Api);
        const saLeases = sa.makeApiClient(CoordinationV1Api);
        const saEvents = sa.makeApiClient(EventsV1Api);
        const saRbac = sa.makeApiClient(RbacAuthorizationV1Api);
        const homeIngress = await net.readNamespacedIngress({ namespace: NS, name: 'home' });
        const lease = (namespace: string) => ({
          namespace,
          body: {
            metadata: { name: 'causeway-rbac-check' },
            spec: { holderIdentity: 'e2e', leaseDurationSeconds: 15 },
          },
        });

        // What the role grants works (so the refusals below are RBAC, not a broken request or token) ...
        const allowed: Record<string, () => Promise<unknown>> = {
          'get a Secret': () => saCore.readNamespacedSecret({ namespace: NS, name: 'opaque' }),
          'list Secrets': () => saCore.listSecretForAllNamespaces(),
          'list Ingresses': () => saNet.listIngressForAllNamespaces(),
          'get an IngressClass': () => saNet.readIngressClass({ name: CLASS }),
          'get a Service': () => saCore.readNamespacedService({ namespace: NS, name: 'home' }),
          'list EndpointSlices': () => saDisco.listEndpointSliceForAllNamespaces(),
          // Their labels: Gateway API listeners' allowedRoutes.namespaces.selector.
          'list Namespaces': () => saCore.listNamespace(),
          'patch Ingress status': () =>
            saNet.patchNamespacedIngressStatus(
              {
                namespace: NS,
                name: 'home',
                body: { status: { loadBalancer: { ingress: [{ ip: '10.246.0.1' }] } } },
              },
              mergePatch,
            ),
          'create an events.k8s.io Event': () =>
            saEvents.createNamespacedEvent({
              namespace: NS,
              body: {
                metadata: { name: 'causeway-rbac-check', namespace: NS },
                eventTime: new V1MicroTime(Date.now()),
                reportingController: 'causeway.dev/gateway',
                reportingInstance: 'e2e',
                action: 'Check',
                reason: 'RBACCheck',
                type: 'Normal',
                note: 'RBAC check',
                regarding: {
                  apiVersion: 'networking.k8s.io/v1',
                  kind: 'Ingress',
                  namespace: NS,
                  name: 'home',
                },
              },
            }),
          'create a Lease in causeway-system': () => saLeases.createNamespacedLease(lease(SYSTEM_NS)),
          'get a Lease in causeway-system': () =>
            saLeases.readNamespacedLease({ namespace: SYSTEM_NS, name: 'causeway-rbac-check' }),
        };
        // ... and nothing else.
        const forbidden: Record<string, () => Promise<unknown>> = {
          'create a Service': () =>
            saCore.createNamespacedService({ namespace: NS, body: service('intruder') }),
          'delete a Service': () => saCore.deleteNamespacedService({ namespace: NS, name: 'home' }),
          'create an Ingress': () =>
            saNet.createNamespacedIngress({
              namespace: NS,
              body: ingress('intruder', { host: 'intruder.example.com', service: 'home' }),
            }),
          'update an Ingress spec (PUT)': () =>
            saNet.replaceNamespacedIngress({ namespace: NS, name: 'home', body: homeIngress }),
          'update an Ingress spec (merge patch)': () =>
            saNet.patchNamespacedIngress(
              { namespace: NS, name: 'home', body: { spec: { ingressClassName: 'other' } } },
              mergePatch,
            ),
          'update Ingress status with PUT (only patch is granted)': () =>
            saNet.replaceNamespacedIngressStatus({ namespace: NS, name: 'home', body: homeIngress }),
          'delete an Ingress': () => saNet.deleteNamespacedIngress({ namespace: NS, name: 'home' }),
          'create an IngressClass': () =>
            saNet.createIngressClass({
              body: { metadata: { name: 'intruder' }, spec: { controller: 'x.dev/y' } },
            }),
          'delete an IngressClass': () => saNet.deleteIngressClass({ name: CLASS }),
          'create a Secret': () =>
            saCore.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'intruder' } } }),
          'delete a Secret': () => saCore.deleteNamespacedSecret({ namespace: NS, name: 'opaque' }),
          'create an EndpointSlice': () =>
            saDisco.createNamespacedEndpointSlice({
              namespace: NS,
              body: endpointSlice('intruder', 'home', [podA]),
            }),
          'delete an EndpointSlice': () =>
            saDisco.deleteNamespacedEndpointSlice({ namespace: NS, name: 'home-1' }),
          'create a Lease in another namespace': () => saLeases.createNamespacedLease(lease(NS)),
          'delete its Lease': () =>
            saLeases.deleteNamespacedLease({ namespace: SYSTEM_NS, name: 'causeway-rbac-check' }),
          'list events.k8s.io Events': () => saEvents.listNamespacedEvent({ namespace: NS }),
          'create a core/v1 Event': () =>
            saCore.createNamespacedEvent({
              namespace: NS,
              body: {
                metadata: { name: 'intruder' },
                involvedObject: { kind: 'Ingress', namespace: NS, name: 'home' },
                reason: 'Intruder',
                message: 'x',
              },
            }),
          'list Pods': () => saCore.listPodForAllNamespaces(),
          'list ConfigMaps': () => saCore.listConfigMapForAllNamespaces(),
          'mint ServiceAccount tokens': () =>
            saCore.createNamespacedServiceAccountToken({
              namespace: SYSTEM_NS,
              name: SERVICE_ACCOUNT,
              body: { spec: { audiences: [] } },
            }),
          'bind itself to cluster-admin': () =>
            saRbac.createClusterRoleBinding({
              body: {
                metadata: { name: 'intruder' },
                roleRef: {
                  apiGroup: 'rbac.authorization.k8s.io',
                  kind: 'ClusterRole',
                  name: 'cluster-admin',
                },
                subjects: [{ kind: 'ServiceAccount', name: SERVICE_ACCOUNT, namespace: SYSTEM_NS }],
              },
            }),
        };

        const got: Record<string, number> = {};
        for (const [what, call] of Object.entries(allowed)) got[what] = await statusOf(call);
        for (const [what, call] of Object.entries(forbidden)) got[what] = await statusOf(call);
        expect(got).toEqual({
          ...Object.fromEntries(Object.keys(allowed).map((k) => [k, 200])),
          ...Object.fromEntries(Object.keys(forbidden).map((k) => [k, 403])),
        });

        // The refusal names the ServiceAccount: it is RBAC speaking about this identity.
        const refusal = await saCore
          .deleteNamespacedSecret({ namespace: NS, name: 'opaque' })
          .then(() => 'deleted', apiMessage);
        expect(refusal).toContain(`User "${SA_USER}" cannot delete resource "secrets"`);
        // Nothing was changed by the refused calls.
        expect((await core.readNamespacedSecret({ namespace: NS, name: 'opaque' })).data).toEqual({
          a: 'Yg==',
        });
        expect((await net.readNamespacedIngress({ namespace: NS, name: 'home' })).spec).toEqual(
          homeIngress.spec,
        );
        await served('home.example.com', '/', 'pod-c');
      },
      TEST_TIMEOUT,
    );

    test(
      'Ingress: a new host and path appears, a changed path moves, a deleted Ingress answers 404',
      async () => {
        expect(await get('shop.example.com', '/cart')).toBe(404);
        await net.createNamespacedIngress({
          namespace: NS,
          body: ingress('shop', { host: 'shop.example.com', path: '/cart', service: 'web' }),
        });
        await served('shop.example.com', '/cart', 'pod-a');
        expect(await get('shop.example.com', '/cart/items')).toBe('pod-a');
        expect(await get('shop.example.com', '/')).toBe(404);

        // Path /cart -> /basket, and the backend web (pod A) -> home (pod C).
        await updateIngress('shop', (i) => {
          const p = i.spec!.rules![0]!.http!.paths[0]!;
          p.path = '/basket';
          p.backend = { service: { name: 'home', port: { number: 80 } } };
        });
        await served('shop.example.com', '/basket', 'pod-c');
        expect(await get('shop.example.com', '/cart')).toBe(404);

        await net.deleteNamespacedIngress({ namespace: NS, name: 'shop' });
        await served('shop.example.com', '/basket', 404);
        expect(await get('shop.example.com', '/cart')).toBe(404);
        expect(await get('home.example.com', '/')).toBe('pod-c'); // the others are untouched
      },
      TEST_TIMEOUT,
    );

    test(
      'IngressClass: an Ingress of a class created later becomes served, and not once the class is deleted; the default class is followed',
      async () => {
        await net.createNamespacedIngress({
          namespace: NS,
          body: ingress('late', { host: 'late.example.com', service: 'web', className: 'later' }),
        });
        await ingressBarrier(); // the controller has seen the Ingress...
        expect(await get('late.example.com', '/')).toBe(404); // ... and ignores it: its class does not exist

        await net.createIngressClass({
          body: { metadata: { name: 'later' }, spec: { controller: 'causeway.dev/gateway' } },
        });
        await served('late.example.com', '/', 'pod-a');

        await net.deleteIngressClass({ name: 'later' });
        await served('late.example.com', '/', 404);
        await net.deleteNamespacedIngress({ namespace: NS, name: 'late' });

        // Update: the shipped class stops being the default. An Ingress created without a class then keeps
        // none (the apiserver's DefaultIngressClass admission finds no default to fill in) ...
        await updateClass(CLASS, (c) => {
          c.metadata!.annotations = {
            ...c.metadata!.annotations,
            'ingressclass.kubernetes.io/is-default-class': 'false',
          };
        });
        try {
          const created = await net.createNamespacedIngress({
            namespace: NS,
            body: ingress('classless', { host: 'classless.example.com', service: 'web', className: null }),
          });
          expect(created.spec?.ingressClassName).toBeUndefined();
          await ingressBarrier();
          expect(await get('classless.example.com', '/')).toBe(404);
          // ... and is served once the class is marked default again, and not when it is unmarked.
          await updateClass(CLASS, (c) => {
            c.metadata!.annotations = {
              ...c.metadata!.annotations,
              'ingressclass.kubernetes.io/is-default-class': 'true',
            };
          });
          await served('classless.example.com', '/', 'pod-a');
          await updateClass(CLASS, (c) => {
            c.metadata!.annotations = {
              ...c.metadata!.annotations,
              'ingressclass.kubernetes.io/is-default-class': 'false',
            };
          });
          await served('classless.example.com', '/', 404);
          expect(await get('home.example.com', '/')).toBe('pod-c'); // named class: unaffected
        } finally {
          await net.deleteNamespacedIngress({ namespace: NS, name: 'classless' }).catch(() => undefined);
          await updateClass(CLASS, (c) => {
            c.metadata!.annotations = {
              ...c.metadata!.annotations,
              'ingressclass.kubernetes.io/is-default-class': 'true',
            };
          });
        }
      },
      TEST_TIMEOUT,
    );

    test(
      'Service: created -> served, port renamed -> 503, renamed back -> served, deleted -> 503',
      async () => {
        await disco.createNamespacedEndpointSlice({
          namespace: NS,
          body: endpointSlice('api-1', 'api', [podB]),
        });
        await net.createNamespacedIngress({
          namespace: NS,
          body: ingress('api', { host: 'api.example.com', service: 'api' }),
        });
        await served('api.example.com', '/', 503); // no such Service yet

        await core.createNamespacedService({ namespace: NS, body: service('api') });
        await served('api.example.com', '/', 'pod-b');

        // The Ingress names port 80; the EndpointSlice port is found by the Service port's name.
        await updateService('api', (s) => (s.spec!.ports![0]!.name = 'grpc'));
        await served('api.example.com', '/', 503);
        await updateService('api', (s) => (s.spec!.ports![0]!.name = 'http'));
        await served('api.example.com', '/', 'pod-b');

        await core.deleteNamespacedService({ namespace: NS, name: 'api' });
        await served('api.example.com', '/', 503);

        await net.deleteNamespacedIngress({ namespace: NS, name: 'api' });
        await disco.deleteNamespacedEndpointSlice({ namespace: NS, name: 'api-1' });
        await served('api.example.com', '/', 404);
      },
      TEST_TIMEOUT,
    );

    test(
      'EndpointSlice: created -> served, endpoint moved from pod A to pod B within 1 s, a second slice adds pod C, deleted -> 503',
      async () => {
        await core.createNamespacedService({ namespace: NS, body: service('move') });
        await net.createNamespacedIngress({
          namespace: NS,
          body: ingress('move', { host: 'move.example.com', service: 'move' }),
        });
        await served('move.example.com', '/', 503); // a Service without endpoints

        await disco.createNamespacedEndpointSlice({
          namespace: NS,
          body: endpointSlice('move-1', 'move', [podA]),
        });
        await served('move.example.com', '/', 'pod-a');
        for (let i = 0; i < 3; i++) expect(await get('move.example.com', '/')).toBe('pod-a');

        // Move the endpoint: the clock starts before the write is sent to the apiserver.
        const cur = await disco.readNamespacedEndpointSlice({ namespace: NS, name: 'move-1' });
        cur.endpoints = [{ addresses: [podB.ip], conditions: { ready: true } }];
        const t0 = performance.now();
        await disco.replaceNamespacedEndpointSlice({ namespace: NS, name: 'move-1', body: cur });
        const written = performance.now() - t0;
        const moved = await until(
          'the moved endpoint is served',
          () => get('move.example.com', '/'),
          (v) => v === 'pod-b',
          CONVERGE_MS,
          2,
        );
        const ms = performance.now() - t0;
        process.stdout.write(
          `EndpointSlice write in the apiserver -> Envoy serving the new endpoint: ${ms.toFixed(0)} ms ` +
            `(the write itself: ${written.toFixed(0)} ms)\n`,
        );
        expect(moved.value).toBe('pod-b');
        expect(ms).toBeLessThan(1000);
        for (let i = 0; i < 5; i++) expect(await get('move.example.com', '/')).toBe('pod-b'); // A is gone

        // A second slice of the same Service: both are used.
        await disco.createNamespacedEndpointSlice({
          namespace: NS,
          body: endpointSlice('move-2', 'move', [podC]),
        });
        const seen = new Set<string | number>();
        await until(
          'pods B and C both answer',
          async () => {
            seen.add(await get('move.example.com', '/'));
            return [...seen].sort();
          },
          (v) => v.includes('pod-b') && v.includes('pod-c'),
          CONVERGE_MS,
          5,
        );
        expect([...seen].sort()).toEqual(['pod-b', 'pod-c']);

        // Deleting slices: first one (only C is left), then the other (no endpoint: 503).
        await disco.deleteNamespacedEndpointSlice({ namespace: NS, name: 'move-1' });
        let inARow = 0;
        await until(
          'only pod C answers',
          () => get('move.example.com', '/'),
          (v) => (inARow = v === 'pod-c' ? inARow + 1 : 0) >= 6,
          CONVERGE_MS,
          5,
        );
        await disco.deleteNamespacedEndpointSlice({ namespace: NS, name: 'move-2' });
        await served('move.example.com', '/', 503);

        await net.deleteNamespacedIngress({ namespace: NS, name: 'move' });
        await core.deleteNamespacedService({ namespace: NS, name: 'move' });
      },
      TEST_TIMEOUT,
    );

    test(
      'TLS Secret: HTTPS via SNI appears when the Secret is created, serves the rotated certificate after an update, and goes with the Secret',
      async () => {
        const host = 'secure.example.com';
        const first = generateCertificate(host);
        const second = generateCertificate(host);
        const fingerprint = (pem: string): string => new X509Certificate(pem).fingerprint256;
        expect(fingerprint(first.cert)).not.toBe(fingerprint(second.cert));

        await net.createNamespacedIngress({
          namespace: NS,
          body: ingress('secure', { host, service: 'web', tlsSecret: 'secure-tls' }),
        });
        // Without its Secret the host is served over plain HTTP only.
        await served(host, '/', 'pod-a');
        expect(await getTls(host, first.cert)).toEqual(expect.stringMatching(/^error: /));

        await core.createNamespacedSecret({ namespace: NS, body: tlsSecret('secure-tls', first) });
        const up = await until(
          'HTTPS with the first certificate',
          () => getTls(host, first.cert),
          (v) => typeof v !== 'string',
        );
        expect(up.value).toEqual({ backend: 'pod-a', fingerprint: fingerprint(first.cert) });

        // Rotation: the same Secret, a new certificate and key.
        const cur = await core.readNamespacedSecret({ namespace: NS, name: 'secure-tls' });
        cur.data = tlsSecret('secure-tls', second).data;
        await core.replaceNamespacedSecret({ namespace: NS, name: 'secure-tls', body: cur });
        const rotated = await until(
          'HTTPS with the rotated certificate',
          () => getTls(host, second.cert),
          (v) => typeof v !== 'string',
        );
        expect(rotated.value).toEqual({ backend: 'pod-a', fingerprint: fingerprint(second.cert) });
        // The old certificate is no longer presented: trusting only it fails the handshake's verification.
        expect(await getTls(host, first.cert)).toEqual(expect.stringMatching(/^error: .*certificate/));

        await core.deleteNamespacedSecret({ namespace: NS, name: 'secure-tls' });
        await until(
          'no HTTPS once the Secret is deleted',
          () => getTls(host, second.cert),
          (v) => typeof v === 'string',
        );
        expect(await get(host, '/')).toBe('pod-a'); // plain HTTP still serves it

        await net.deleteNamespacedIngress({ namespace: NS, name: 'secure' });
        await served(host, '/', 404);
      },
      TEST_TIMEOUT,
    );
  },
);
