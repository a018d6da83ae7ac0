/**
 * Two controller replicas against a real kube-apiserver: both translate and serve xDS; only the Lease
 * holder writes Ingress status and Events; when the leader stops, the other takes over and keeps writing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { CoreV1Api, EventsV1Api, KubeConfig, NetworkingV1Api, type V1Ingress } from '@kubernetes/client-node';
import { runController, type RunningController } from '../../src/controller/app.js';
import {
  ensureKubeBinaries,
  startEtcd,
  startKubeApiserver,
  type Etcd,
  type KubeApiserver,
} from '../support/kube-apiserver.js';
import { INGRESS_CLASS, tempDir } from '../support/manifests.js';

const NS = 'shop';
let etcd: Etcd | undefined;
let api: KubeApiserver | undefined;
let net: NetworkingV1Api;
let core: CoreV1Api;
let events: EventsV1Api;
let dir: string;
const replicas: RunningController[] = [];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(100);
  }
}

function ingress(name: string, service: string): V1Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: NS },
    spec: {
      rules: [
        {
          host: `${name}.example.com`,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: service, port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  };
}

async function statusOf(name: string): Promise<string[] | undefined> {
  const ing = await net.readNamespacedIngress({ name, namespace: NS });
  const lb = ing.status?.loadBalancer?.ingress ?? [];
  return lb.length > 0 ? lb.map((i) => i.ip ?? i.hostname ?? '') : undefined;
}

async function startReplica(identity: string): Promise<RunningController> {
  const c = await runController({
    kubeconfig: api!.kubeconfig('admin'),
    clusterName: 'ha',
    config: path.join(dir, 'config.yaml'),
    leaseNamespace: NS,
    identity,
    xdsAddress: '127.0.0.1:0',
    adminAddress: '127.0.0.1:0',
    logLevel: 'silent',
  });
  replicas.push(c);
  return c;
}

beforeAll(async () => {
  await ensureKubeBinaries();
  etcd = await startEtcd();
  api = await startKubeApiserver({ etcd, name: 'ha' });
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfig('admin'));
  net = kc.makeApiClient(NetworkingV1Api);
  core = kc.makeApiClient(CoreV1Api);
  events = kc.makeApiClient(EventsV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
  await net.createIngressClass({ body: structuredClone(INGRESS_CLASS) as never });
  await net.createNamespacedIngress({ namespace: NS, body: ingress('first', 'missing') });
  dir = tempDir('causeway-ha-');
  fs.writeFileSync(path.join(dir, 'config.yaml'), 'groups:\n  default:\n    addresses: [203.0.113.10]\n');
}, 45 * 60_000);

afterAll(async () => {
  for (const r of replicas) await r.stop().catch(() => undefined);
  await api?.stop();
  await etcd?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('only the leader writes; when it stops, the other replica takes over', async () => {
  const a = await startReplica('replica-a');
  const b = await startReplica('replica-b');
  const leader = await eventually('a leader', async () => (a.isLeader() || b.isLeader() ? true : undefined));
  expect(leader).toBe(true);
  expect(a.isLeader() && b.isLeader()).toBe(false);

  // Status from the config file's group addresses; an Event for the missing Service, with our code.
  expect(await eventually('status of first', () => statusOf('first'))).toEqual(['203.0.113.10']);
  const ev = await eventually('an Event for first', async () => {
    const list = await events.listNamespacedEvent({ namespace: NS });
    return list.items.find(
      (e) => e.regarding?.name === 'first' && e.note?.startsWith('CW_E_SERVICE_NOT_FOUND'),
    );
  });
  expect(ev.reason).toBe('ServiceNotFound');
  expect(ev.reportingController).toBe('causeway.dev/gateway');
  const writer = ev.reportingInstance;
  expect(writer).toBe(a.isLeader() ? 'replica-a' : 'replica-b');

  // Stop the leader: the other replica leads and writes the status of a new Ingress.
  const [old, other] = a.isLeader() ? [a, b] : [b, a];
  await old.stop();
  replicas.splice(replicas.indexOf(old), 1);
  await eventually('the other replica leads', async () => (other.isLeader() ? true : undefined), 30_000);
  await net.createNamespacedIngress({ namespace: NS, body: ingress('second', 'missing') });
  expect(await eventually('status of second', () => statusOf('second'))).toEqual(['203.0.113.10']);
}, 120_000);
