/**
 * Opaque Secrets in Kubernetes mode, end to end: a REAL kube-apiserver (and etcd) -> the controller
 * (in-process, Kubernetes mode, with a bound token of the ServiceAccount of the shipped
 * manifests/rbac.yaml: reading Opaque Secrets needs no new permission) -> xDS -> a real Envoy gateway.
 *
 * An Ingress with basic auth whose users are in an Opaque htpasswd Secret answers 401 without or with wrong
 * credentials and 200 with the right ones; an update of the Secret changes who signs in; its deletion fails
 * closed (503) with a "not found" diagnostic, and its re-creation brings the users back. A TLS Secret
 * (the other watch) is served alongside the whole time. An unreferenced Opaque Secret (application
 * credentials) never reaches the gateway config, and no hash or password shows in /debug. CA bundles in
 * Opaque Secrets (`ca.crt`: a backend CA on a Service, a client CA on an Ingress) reach the gateway config.
 *
 * The backend listens on a non-loopback address of this host (the apiserver refuses loopback endpoints),
 * so no network namespace (root) is needed; without such an address the file is skipped unless CI is set.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ApiException,
  CoreV1Api,
  KubeConfig,
  NetworkingV1Api,
  type KubernetesObject,
  type V1Secret,
} from '@kubernetes/client-node';
import { runController, type RunningController } from '../../src/controller/app.js';
import { projectRoot } from '../../src/tools/envoy-binary.js';
import { buildBootstrap } from '../../xds/bootstrap/bootstrap.js';
import { startEchoBackend, type EchoBackend } from '../support/echo-backend.js';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { basicAuthorization, shaEntry } from '../support/htpasswd-secrets.js';
import { httpGet, httpsGet } from '../support/http-client.js';
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

/** The first non-internal IPv4 address of this host: what the EndpointSlice points at. */
function hostAddress(): string | undefined {
  for (const list of Object.values(os.networkInterfaces()))
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

const ADDRESS = hostAddress();
const skip = ADDRESS === undefined && !process.env['CI'];
if (skip) console.warn('test/e2e/kube-opaque-secrets.test.ts skipped: no non-loopback IPv4 address');
const suite = skip ? describe.skip : describe;

const NS = 'shop';
const CLUSTER = 'e2e';
const CONVERGE_MS = 15_000;
const MANIFESTS = path.join(projectRoot(), 'manifests');
const AUTH_HOST = 'private.example.com';
const TLS_HOST = 'secure.example.com';
const APP_PASSWORD = 'app-db-password-do-not-leak';

function htpasswd(name: string, lines: readonly string[]): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: NS },
    type: 'Opaque',
    data: { auth: Buffer.from(`${lines.join('\n')}\n`).toString('base64') },
  };
}

function ingress(
  name: string,
  host: string,
  o: { annotations?: Record<string, string>; tlsSecret?: string; service?: string },
): KubernetesObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: NS, ...(o.annotations ? { annotations: o.annotations } : {}) },
    spec: {
      ingressClassName: 'causeway',
      ...(o.tlsSecret ? { tls: [{ hosts: [host], secretName: o.tlsSecret }] } : {}),
      rules: [
        {
          host,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: o.service ?? 'web', port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  } as KubernetesObject;
}

function opaqueCa(name: string, pem: string): KubernetesObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: NS },
    type: 'Opaque',
    data: { 'ca.crt': Buffer.from(pem).toString('base64') },
  } as KubernetesObject;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() - t0 > CONVERGE_MS)
      throw new Error(`${what}: not within ${CONVERGE_MS} ms (last: ${String(v)})`);
    await sleep(50);
  }
}

suite('Opaque Secrets in Kubernetes mode (real apiserver, real Envoy)', () => {
  let dir: string;
  let etcd: Etcd | undefined;
  let api: KubeApiserver | undefined;
  let backend: EchoBackend | undefined;
  let controller: RunningController | undefined;
  let gateway: EnvoyProcess | undefined;
  let core: CoreV1Api;
  let httpPort: number;
  let httpsPort: number;
  const cert = generateCertificate(TLS_HOST);

  /** The status of GET / on the auth host, with `user:password` if given. */
  async function status(credentials?: [string, string]): Promise<number> {
    const headers: Record<string, string> = credentials
      ? { authorization: basicAuthorization(...credentials) }
      : {};
    const r = await httpGet(`http://127.0.0.1:${httpPort}/`, { host: AUTH_HOST, headers, timeoutMs: 3000 });
    return r.status;
  }

  /** The status of GET / over HTTPS (SNI) on the TLS host, trusting only its certificate. */
  async function tlsStatus(): Promise<number | string> {
    try {
      const r = await httpsGet(`https://127.0.0.1:${httpsPort}/`, {
        host: TLS_HOST,
        servername: TLS_HOST,
        ca: cert.cert,
        timeoutMs: 3000,
      });
      return r.status;
    } catch (err) {
      return `error: ${(err as Error).message}`;
    }
  }

  async function admin(p: string): Promise<string> {
    return (await httpGet(`http://127.0.0.1:${controller!.adminPort}${p}`)).body;
  }

  beforeAll(async () => {
    await ensureKubeBinaries(); // a cold build takes minutes
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-e2e-kube-opaque-'));
    etcd = await startEtcd();
    api = await startKubeApiserver({ etcd, name: CLUSTER });
    const kc = new KubeConfig();
    kc.loadFromFile(api.kubeconfig('admin'));
    core = kc.makeApiClient(CoreV1Api);
    for (const file of ['namespace.yaml', 'rbac.yaml', 'ingress-class.yaml'])
      await applyManifestFile(kc, path.join(MANIFESTS, file));

    backend = await startEchoBackend({ name: 'web', address: ADDRESS ?? '127.0.0.1' });
    const seed: KubernetesObject[] = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: NS },
        spec: { ports: [{ name: 'http', port: 80, targetPort: backend.port, protocol: 'TCP' }] },
      } as KubernetesObject,
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'web-1', namespace: NS, labels: { 'kubernetes.io/service-name': 'web' } },
        addressType: 'IPv4',
        ports: [{ name: 'http', port: backend.port, protocol: 'TCP' }],
        endpoints: [{ addresses: [ADDRESS ?? '127.0.0.1'], conditions: { ready: true } }],
      } as KubernetesObject,
      htpasswd('users', [shaEntry('alice', 'alice-pw')]),
      // Application credentials no Ingress names: never passed on.
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'app-creds', namespace: NS },
        type: 'Opaque',
        stringData: { password: APP_PASSWORD },
      } as KubernetesObject,
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'secure-tls', namespace: NS },
        type: 'kubernetes.io/tls',
        data: {
          'tls.crt': Buffer.from(cert.cert).toString('base64'),
          'tls.key': Buffer.from(cert.key).toString('base64'),
        },
      } as KubernetesObject,
      ingress('private', AUTH_HOST, {
        annotations: { 'causeway.dev/auth-type': 'basic', 'causeway.dev/auth-secret': 'users' },
      }),
      ingress('secure', TLS_HOST, { tlsSecret: 'secure-tls' }),
      // CA bundles in Opaque Secrets: a backend CA (on a Service speaking HTTPS) and a client CA.
      opaqueCa('backend-ca', generateCertificate('backend-ca.example.com').cert),
      opaqueCa('client-ca', generateCertificate('client-ca.example.com').cert),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: 'tls-web',
          namespace: NS,
          annotations: {
            'causeway.dev/backend-protocol': 'HTTPS',
            'causeway.dev/backend-tls-ca-secret': 'backend-ca',
          },
        },
        spec: { ports: [{ name: 'https', port: 80, targetPort: 8443, protocol: 'TCP' }] },
      } as KubernetesObject,
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'tls-web-1', namespace: NS, labels: { 'kubernetes.io/service-name': 'tls-web' } },
        addressType: 'IPv4',
        ports: [{ name: 'https', port: 8443, protocol: 'TCP' }],
        endpoints: [{ addresses: [ADDRESS ?? '127.0.0.1'], conditions: { ready: true } }],
      } as KubernetesObject,
      ingress('tls-backend', 'backend.example.com', { service: 'tls-web' }),
      ingress('mtls', 'mtls.example.com', {
        tlsSecret: 'secure-tls',
        annotations: { 'causeway.dev/auth-tls-secret': 'client-ca' },
      }),
    ];
    for (const object of seed) await applyManifest(kc, object);

    // The controller reads as the shipped ServiceAccount (manifests/rbac.yaml), with a real bound token.
    const token = await serviceAccountToken(kc, {
      namespace: 'causeway-system',
      name: 'causeway-controller',
    });
    const kubeconfig = writeKubeconfig({
      file: path.join(dir, 'controller.kubeconfig'),
      server: api.url,
      caCert: api.caCert,
      token,
      user: 'causeway-controller',
      cluster: CLUSTER,
    });
    const sa = new KubeConfig();
    sa.loadFromFile(kubeconfig);
    const saNet = sa.makeApiClient(NetworkingV1Api);
    // The authorizer reads RBAC objects through informers: wait until the binding is in force.
    await until(
      'the ServiceAccount may list Ingresses',
      () =>
        saNet.listIngressForAllNamespaces().then(
          () => 200,
          (err: unknown) => (err instanceof ApiException ? err.code : 0),
        ),
      (code) => code === 200,
    );

    [httpPort, httpsPort] = (await freePorts(2)) as [number, number];
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
      name: 'kube-opaque-gateway',
      bootstrap: buildBootstrap({
        group: 'default',
        xdsHost: '127.0.0.1',
        xdsPort: controller.xdsPort,
        nodeId: 'kube-opaque-gw',
        adminPort: 0,
      }),
    });
    await gateway.waitForListener(httpPort);
  }, 15 * 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await controller?.stop();
    await backend?.close();
    await api?.stop();
    await etcd?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  test('the users of an Opaque htpasswd Secret sign in (401 without, 200 with); the TLS Secret serves alongside', async () => {
    await until(
      'alice signs in',
      () => status(['alice', 'alice-pw']),
      (s) => s === 200,
    );
    expect(await status()).toBe(401);
    expect(await status(['alice', 'wrong'])).toBe(401);
    expect(await until('HTTPS via the TLS Secret', tlsStatus, (s) => s === 200)).toBe(200);
  });

  test('an update of the Secret changes who signs in; the TLS host is untouched', async () => {
    const cur = await core.readNamespacedSecret({ namespace: NS, name: 'users' });
    cur.data = htpasswd('users', [shaEntry('bob', 'bob-pw')]).data;
    await core.replaceNamespacedSecret({ namespace: NS, name: 'users', body: cur });
    await until(
      'bob signs in',
      () => status(['bob', 'bob-pw']),
      (s) => s === 200,
    );
    expect(await status(['alice', 'alice-pw'])).toBe(401);
    expect(await tlsStatus()).toBe(200);
  });

  test('deleting the Secret fails closed (503, "not found"); creating it again brings its users back', async () => {
    await core.deleteNamespacedSecret({ namespace: NS, name: 'users' });
    await until(
      '503 without the Secret',
      () => status(['bob', 'bob-pw']),
      (s) => s === 503,
    );
    expect(await admin('/debug/diagnostics')).toContain('Secret shop/users not found');
    expect(await tlsStatus()).toBe(200);
    await core.createNamespacedSecret({
      namespace: NS,
      body: htpasswd('users', [shaEntry('carol', 'carol-pw')]),
    });
    await until(
      'carol signs in',
      () => status(['carol', 'carol-pw']),
      (s) => s === 200,
    );
    expect(await status(['bob', 'bob-pw'])).toBe(401);
  });

  test('CA bundles in Opaque Secrets (backend CA, client CA) reach the gateway config', async () => {
    const names = await until(
      'the CA Secrets in the config',
      async () => {
        const config = JSON.parse(await admin('/debug/config?group=default')) as {
          secrets?: { name?: string }[];
        };
        return (config.secrets ?? []).map((x) => x.name ?? '').filter((n) => n.startsWith('ca/'));
      },
      (n) => n.length === 2,
    ).catch(async (err: unknown) => {
      throw new Error(`${(err as Error).message}; diagnostics: ${await admin('/debug/diagnostics')}`);
    });
    expect(names).toEqual(['ca/shop/backend-ca', 'ca/shop/client-ca']);
    expect(await admin('/debug/diagnostics')).not.toMatch(/CA_SECRET_(NOT_FOUND|INVALID)/);
  });

  test('no hash, password or unreferenced Secret shows in /debug', async () => {
    const config = await admin('/debug/config?group=default');
    const diagnostics = await admin('/debug/diagnostics');
    expect(config).toContain('basic_auth');
    for (const text of [config, diagnostics]) {
      expect(text).not.toContain('{SHA}');
      expect(text).not.toContain('carol-pw');
      expect(text).not.toContain(APP_PASSWORD);
      expect(text).not.toContain(Buffer.from(APP_PASSWORD).toString('base64'));
      expect(text).not.toContain('app-creds');
    }
  });
});
