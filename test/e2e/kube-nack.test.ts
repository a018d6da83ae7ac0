/**
 * Gateway rejections on the Ingress, in Kubernetes mode, against a REAL kube-apiserver (and etcd): the
 * controller runs in-process with a bound token of the shipped ServiceAccount (manifests/rbac.yaml) and a
 * real Envoy gateway runs the group. Another process on the gateway's host already holds the group's
 * HTTPS port (the `https` listener, there because the Ingress asks for TLS) and the gateway port a TCP
 * Service asks for: neither listener can bind, and the gateway NACKs the LDS update (Causeway's validation
 * cannot foresee this). The leader writes
 *
 * - a `GatewayRejectedConfig` warning Event (note `CW_E_GATEWAY_NACK: gateway <node> (group <g>) rejected
 *   Listener https: <Envoy's error>`) on the Ingress routed on the `https` listener (not on its Secret,
 *   which the gateway took), and `error: causeway.dev/GatewayRejectedConfig` on the gateway ports of the
 *   Ingress's `status.loadBalancer.ingress[]`;
 * - the Event and the `causeway.dev/GatewayConfigAccepted=False` condition on the TCP Service.
 *
 * Fixing the inputs (the Ingress without TLS, so the `https` listener goes away; the Service on a free
 * port) makes the gateway ACK a later listener version, and the marks go away. Needs the kube binaries
 * (built on first use, minutes) and Envoy.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  CoreV1Api,
  EventsV1Api,
  KubeConfig,
  NetworkingV1Api,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { runController, type RunningController } from '../../src/controller/app.js';
import { projectRoot } from '../../src/tools/envoy-binary.js';
import { buildBootstrap } from '../../xds/bootstrap/bootstrap.js';
import { until } from '../support/until.js';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import {
  applyManifest,
  applyManifestFile,
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
import { generateCertificate } from '../support/manifests.js';
import { freePorts } from '../support/ports.js';

const NS = 'shop';
const SYSTEM_NS = 'causeway-system';
const CLUSTER = 'nack';
const NODE = 'kube-nack-gw';
const MANIFESTS = path.join(projectRoot(), 'manifests');
/** Envoy's bind error for a listener on `port` (in its LDS NACK: `<listener name>: <this>`). */
const bindError = (port: number): string => `cannot bind '0.0.0.0:${port}': Address already in use`;

function tlsSecret(c: { cert: string; key: string }): KubernetesObject & Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'shop-tls', namespace: NS },
    type: 'kubernetes.io/tls',
    data: {
      'tls.crt': Buffer.from(c.cert).toString('base64'),
      'tls.key': Buffer.from(c.key).toString('base64'),
    },
  };
}

let dir: string;
let etcd: Etcd | undefined;
let api: KubeApiserver | undefined;
let controller: RunningController | undefined;
let gateway: EnvoyProcess | undefined;
let admin: KubeConfig;
let httpPort: number;
let httpsPort: number;
let freeTcpPort: number;
/** Hold the group's HTTPS port and the TCP Service's port, as another process on the host would. */
const blockers: net.Server[] = [];

function shopIngress(withTls: boolean): KubernetesObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'shop', namespace: NS },
    spec: {
      ingressClassName: 'causeway',
      ...(withTls ? { tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }] } : {}),
      rules: [
        {
          host: 'shop.example.com',
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'web', port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  } as KubernetesObject;
}

function kafka(port: number): KubernetesObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'kafka',
      namespace: NS,
      annotations: { 'causeway.dev/gateway-tcp-port': String(port) },
    },
    spec: { ports: [{ name: 'kafka', port: 9092, targetPort: 9092, protocol: 'TCP' }] },
  } as KubernetesObject;
}

beforeAll(async () => {
  await ensureKubeBinaries();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-e2e-kube-nack-'));
  etcd = await startEtcd();
  api = await startKubeApiserver({ etcd, name: CLUSTER });
  admin = new KubeConfig();
  admin.loadFromFile(api.kubeconfig('admin'));
  for (const file of ['namespace.yaml', 'rbac.yaml', 'ingress-class.yaml'])
    await applyManifestFile(admin, path.join(MANIFESTS, file));
  let takenPort: number;
  [httpPort, httpsPort, takenPort, freeTcpPort] = (await freePorts(4)) as [number, number, number, number];
  for (const port of [httpsPort, takenPort]) {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: '0.0.0.0', port }, resolve));
    blockers.push(blocker);
  }
  const objects: KubernetesObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
    kafka(takenPort),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: NS },
      spec: { ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
    } as KubernetesObject,
    tlsSecret(generateCertificate('shop.example.com')),
    shopIngress(true),
  ];
  for (const o of objects) await applyManifest(admin, o);

  const token = await serviceAccountToken(admin, { namespace: SYSTEM_NS, name: 'causeway-controller' });
  const kubeconfig = writeKubeconfig({
    file: path.join(dir, 'sa.kubeconfig'),
    server: api.url,
    caCert: api.caCert,
    token,
    user: 'causeway-controller',
    cluster: CLUSTER,
  });
  const sa = new KubeConfig();
  sa.loadFromFile(kubeconfig);
  // RBAC reaches the authorizer through informers: wait until the binding is in force.
  await until('the ServiceAccount may list Ingresses', async () =>
    (await sa.makeApiClient(NetworkingV1Api).listIngressForAllNamespaces()) ? true : undefined,
  );

  controller = await runController({
    kubeconfig,
    clusterName: CLUSTER,
    xdsAddress: '127.0.0.1:0',
    adminAddress: '127.0.0.1:0',
    httpPort,
    httpsPort,
    logLevel: process.env['CAUSEWAY_TEST_LOG_LEVEL'] ?? 'silent',
  });
  gateway = await startEnvoy({
    name: 'kube-nack',
    waitFor: 'admin',
    bootstrap: buildBootstrap({
      group: 'default',
      xdsHost: '127.0.0.1',
      xdsPort: controller.xdsPort,
      nodeId: NODE,
      adminPort: 0,
    }),
  });
}, 15 * 60_000);

afterAll(async () => {
  const steps: Array<() => Promise<unknown> | unknown> = [
    () => gateway?.stop(),
    () => controller?.stop(),
    () => api?.stop(),
    () => etcd?.stop(),
    () => (dir ? fs.rmSync(dir, { recursive: true, force: true }) : undefined),
    ...blockers.map((b) => () => new Promise<void>((resolve) => b.close(() => resolve()))),
  ];
  for (const step of steps) await Promise.resolve(step()).catch(() => undefined);
}, 120_000);

const ingressStatus = async (): Promise<unknown> =>
  (await admin.makeApiClient(NetworkingV1Api).readNamespacedIngressStatus({ namespace: NS, name: 'shop' }))
    .status?.loadBalancer?.ingress ?? [];

test('the Ingress on the https listener gets a GatewayRejectedConfig Event (its Secret none); its status marks the gateway ports', async () => {
  const events = admin.makeApiClient(EventsV1Api);
  const event = await until('the Ingress NACK Event', async () =>
    (await events.listNamespacedEvent({ namespace: NS })).items.find(
      (e) => e.reason === 'GatewayRejectedConfig' && e.regarding?.kind === 'Ingress',
    ),
  );
  expect(event.type).toBe('Warning');
  expect(event.regarding?.name).toBe('shop');
  expect(event.regarding?.uid).toBeTruthy();
  expect(event.note).toMatch(
    new RegExp(
      `^CW_E_GATEWAY_NACK: gateway ${NODE} \\(group default\\) rejected Listener https: Error adding/updating listener\\(s\\) `,
    ),
  );
  expect(event.note).toContain(`https: ${bindError(httpsPort)}`);

  const error = 'causeway.dev/GatewayRejectedConfig';
  await until('the status port errors', async () => {
    const s = (await ingressStatus()) as Array<{ ports?: unknown[] }>;
    return s.length > 0 && s.every((e) => (e.ports?.length ?? 0) > 0) ? s : undefined;
  });
  expect(await ingressStatus()).toEqual([
    {
      ip: '127.0.0.1',
      // Sorted by port number.
      ports: [httpPort, httpsPort].sort((a, b) => a - b).map((port) => ({ port, protocol: 'TCP', error })),
    },
  ]);
  // The Secret is not blamed: the gateway took it (only the listener could not bind).
  const onSecret = (await events.listNamespacedEvent({ namespace: NS })).items.filter(
    (e) => e.reason === 'GatewayRejectedConfig' && e.regarding?.kind === 'Secret',
  );
  expect(onSecret).toEqual([]);
}, 120_000);

const serviceCondition = async (): Promise<Record<string, unknown> | undefined> => {
  const s = await admin
    .makeApiClient(CoreV1Api)
    .readNamespacedServiceStatus({ namespace: NS, name: 'kafka' });
  const c = s.status?.conditions?.find((x) => x.type === 'causeway.dev/GatewayConfigAccepted');
  return c ? (JSON.parse(JSON.stringify(c)) as Record<string, unknown>) : undefined;
};

test('the TCP Service whose port is taken gets the Event and the GatewayConfigAccepted=False condition', async () => {
  const condition = await until('the Service condition', serviceCondition);
  expect(condition).toMatchObject({
    type: 'causeway.dev/GatewayConfigAccepted',
    status: 'False',
    reason: 'GatewayRejectedConfig',
  });
  expect(String(condition['message'])).toMatch(
    new RegExp(`^gateway ${NODE} \\(group default\\) rejected Listener tcp/\\d+: .*Address already in use`),
  );
  const events = admin.makeApiClient(EventsV1Api);
  const event = await until('the Service Event', async () =>
    (await events.listNamespacedEvent({ namespace: NS })).items.find(
      (e) =>
        e.reason === 'GatewayRejectedConfig' &&
        e.regarding?.kind === 'Service' &&
        e.regarding.name === 'kafka',
    ),
  );
  expect(event.note).toBe(`CW_E_GATEWAY_NACK: ${String(condition['message'])}`);
}, 120_000);

test('the Ingress without TLS and the Service on a free port: the gateway ACKs, and the marks go away', async () => {
  // The controller writes their status meanwhile: a replace may conflict (409), so retry it.
  for (const fixed of [shopIngress(false), kafka(freeTcpPort)])
    await until(`${fixed.kind} fixed`, async () => ((await applyManifest(admin, fixed)) ? true : undefined));
  await until('the status mark to clear', async () => {
    const s = (await ingressStatus()) as Array<{ ports?: unknown[] }>;
    return s.length > 0 && s.every((e) => e.ports === undefined || e.ports.length === 0) ? s : undefined;
  });
  expect(await ingressStatus()).toEqual([{ ip: '127.0.0.1' }]);
  await until('the Service condition to go', async () => ((await serviceCondition()) ? undefined : true));
  await gateway!.waitForListener(freeTcpPort);
}, 120_000);
