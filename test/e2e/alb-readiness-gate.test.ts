/**
 * The pod readiness gate `alb.causeway.dev/target-healthy` against moto and a REAL kube-apiserver.
 *
 * moto reports every target `healthy` at once, so FOR THIS TEST ONLY a scripted fake of health
 * transitions sits in test/support/aws-fault-proxy.ts: a registered target answers `initial` to its
 * first HEALTHY_AFTER DescribeTargetHealth answers, then `healthy` (as an ALB does while its health
 * checks pass the healthy threshold). The product code is the same as in production.
 *
 * No kubelet runs: the test plays kubelet and Deployment controller. Pods are plain Pod objects with
 * the readiness gate; the test sets their status (Ready only once the gate condition is True, as the
 * kubelet does) and the EndpointSlice conditions that follow, and replaces pods one by one (surge 1,
 * maxUnavailable 0, waiting on Ready). Checked: the gate condition turns True only after the target
 * went healthy (never while the script still says `initial`), and at every step of the rolling update
 * at least one registered target is healthy.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, jest, test } from '@jest/globals';
import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import {
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { pino } from 'pino';
import { createAlbEdge, type AlbEdge } from '../../src/alb/reconcile/alb-reconciler-factory.js';
import {
  kubePodGateClient,
  PodReadinessGate,
  READINESS_GATE_CONDITION,
} from '../../src/alb/apply/pod-readiness-gate.js';
import { CALL_FAMILIES } from '../../src/alb/aws/call-families.js';
import { albIngress, albService, ALB_CLASS, resourcesOf } from '../support/alb-fixtures.js';
import { startAwsFaultProxy, type AwsFaultProxy } from '../support/aws-fault-proxy.js';
import {
  ensureKubeBinaries,
  startEtcd,
  startKubeApiserver,
  type Etcd,
  type KubeApiserver,
} from '../support/kube-apiserver.js';
import { createAlbNetwork, startMoto, type RunningMoto } from '../support/moto-server.js';

jest.setTimeout(180_000);

const HEALTHY_AFTER = 3;
const NS = 'default';

let moto: RunningMoto;
let proxy: AwsFaultProxy;
let etcd: Etcd | undefined;
let api: KubeApiserver | undefined;
let core: CoreV1Api;
let kc: KubeConfig;
let edge: AlbEdge;
let gate: PodReadinessGate;
let elb: ElasticLoadBalancingV2Client;
let dir: string;

/** The scripted health: DescribeTargetHealth answers seen per target IP; `healthy` after HEALTHY_AFTER. */
const answersSeen = new Map<string, number>();
/** When each pod's gate first turned True: the answers its target had been seen in by then. */
const gateTrueAt = new Map<string, number>();

function scriptedHealth(action: string, _params: URLSearchParams, body: string): string {
  if (action !== 'DescribeTargetHealth') return body;
  return body.replace(/<member><Target><Id>([^<]+)<\/Id>[\s\S]*?<\/member>/g, (member, ip: string) => {
    const n = (answersSeen.get(ip) ?? 0) + 1;
    answersSeen.set(ip, n);
    return member.replace(
      /<State>[^<]*<\/State>/,
      `<State>${n > HEALTHY_AFTER ? 'healthy' : 'initial'}</State>`,
    );
  });
}

const isHealthy = (ip: string): boolean => (answersSeen.get(ip) ?? 0) > HEALTHY_AFTER;

interface PodSpec {
  readonly name: string;
  readonly ip: string;
}

async function createPod(p: PodSpec): Promise<void> {
  await core.createNamespacedPod({
    namespace: NS,
    body: {
      metadata: { name: p.name, namespace: NS, labels: { app: 'web' } },
      spec: {
        containers: [{ name: 'web', image: 'example.invalid/web:1' }],
        readinessGates: [{ conditionType: READINESS_GATE_CONDITION }],
      },
    },
  });
  // As the kubelet: running, containers ready, Pod Ready only once every readiness gate is True.
  await setPodStatus(p, false);
}

async function setPodStatus(p: PodSpec, ready: boolean): Promise<void> {
  const now = new Date().toISOString();
  await core.patchNamespacedPodStatus(
    {
      namespace: NS,
      name: p.name,
      body: {
        status: {
          phase: 'Running',
          podIP: p.ip,
          podIPs: [{ ip: p.ip }],
          conditions: [
            { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
            { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now },
          ],
        },
      },
    },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
}

async function gateOf(name: string): Promise<string | undefined> {
  const pod = await core.readNamespacedPod({ namespace: NS, name });
  return pod.status?.conditions?.find((c) => c.type === READINESS_GATE_CONDITION)?.status;
}

/** The kubelet's loop for one pod: Ready follows the gate (containers are ready). */
async function waitGateTrue(p: PodSpec): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const status = await gateOf(p.name);
    if (status === 'True') {
      if (!gateTrueAt.has(p.name)) gateTrueAt.set(p.name, answersSeen.get(p.ip) ?? 0);
      await setPodStatus(p, true);
      return;
    }
    if (Date.now() > deadline) throw new Error(`gate of ${p.name} not True in time (last: ${status})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Endpoint {
  readonly pod: PodSpec;
  readonly state: 'ready' | 'not-ready' | 'terminating';
}

function objectsFor(endpoints: readonly Endpoint[]): object[] {
  const [svc, slice] = albService(
    'web',
    endpoints.map((e) => e.pod.ip),
    {
      notReady: endpoints.filter((e) => e.state === 'not-ready').map((e) => e.pod.ip),
      terminating: endpoints.filter((e) => e.state === 'terminating').map((e) => e.pod.ip),
    },
  ) as [object, { endpoints: { targetRef: { name: string } }[] }];
  // Pod names as the test created them.
  slice.endpoints.forEach((ep, i) => (ep.targetRef.name = endpoints[i]!.pod.name));
  return [
    ALB_CLASS,
    albIngress({ name: 'web', host: 'web.example.com', paths: [{ path: '/', service: 'web' }] }),
    svc,
    slice,
  ];
}

/** Registered targets (moto, directly) that the script reports healthy: never empty during a rollout. */
async function healthyRegistered(): Promise<string[]> {
  const tgs = (await elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
  const out: string[] = [];
  for (const tg of tgs) {
    const r = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn! }));
    for (const d of r.TargetHealthDescriptions ?? []) if (isHealthy(d.Target!.Id!)) out.push(d.Target!.Id!);
  }
  return out.sort();
}

async function reconcile(endpoints: readonly Endpoint[]): Promise<void> {
  const r = await edge.reconciler.reconcile(await resourcesOf(dir, objectsFor(endpoints)));
  expect(r.groups.map((g) => g.error)).toEqual([undefined]);
  const arns = new Map<string, string>();
  for (const stack of r.stacks)
    for (const tg of (await edge.reader.stack(stack.group)).targetGroups) arns.set(tg.resourceId, tg.arn);
  await gate.update(r.stacks, arns);
}

beforeAll(async () => {
  await ensureKubeBinaries();
  moto = await startMoto();
  await createAlbNetwork(moto.aws);
  proxy = await startAwsFaultProxy({ target: moto.aws.endpoint, rewrite: scriptedHealth });
  etcd = await startEtcd();
  api = await startKubeApiserver({ etcd, name: 'gate' });
  kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfig('admin'));
  core = kc.makeApiClient(CoreV1Api);
  process.env['AWS_ACCESS_KEY_ID'] = moto.aws.credentials.accessKeyId;
  process.env['AWS_SECRET_ACCESS_KEY'] = moto.aws.credentials.secretAccessKey;
  elb = new ElasticLoadBalancingV2Client({
    endpoint: moto.aws.endpoint,
    region: moto.aws.region,
    credentials: moto.aws.credentials,
  });
  edge = createAlbEdge({
    endpoint: proxy.url,
    region: moto.aws.region,
    clusterName: 'gate',
    rateLimits: Object.fromEntries(CALL_FAMILIES.map((f) => [f, { ratePerSecond: 1000, burst: 1000 }])),
  });
  gate = new PodReadinessGate({
    client: kubePodGateClient(kc),
    targetHealth: (arns) => edge.reader.targetHealth(arns),
    isLeader: () => true,
    logger: pino({ level: 'silent' }),
    pollMs: 50,
  });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-gate-'));
});

afterAll(async () => {
  gate?.close();
  edge?.destroy();
  elb?.destroy();
  await proxy?.close();
  await moto?.stop();
  await api?.stop();
  await etcd?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('the gate follows target health, and a rolling update never has zero healthy targets', async () => {
  const old: PodSpec[] = [
    { name: 'web-old-1', ip: '10.0.5.1' },
    { name: 'web-old-2', ip: '10.0.5.2' },
  ];
  const fresh: PodSpec[] = [
    { name: 'web-new-1', ip: '10.0.6.1' },
    { name: 'web-new-2', ip: '10.0.6.2' },
  ];
  // The first version comes up: registered not-ready, gate False while `initial`, True once healthy.
  for (const p of old) await createPod(p);
  await reconcile(old.map((pod) => ({ pod, state: 'not-ready' })));
  expect(await gateOf('web-old-1')).not.toBe('True');
  for (const p of old) await waitGateTrue(p);
  let endpoints: Endpoint[] = old.map((pod) => ({ pod, state: 'ready' }));
  await reconcile(endpoints);
  expect(await healthyRegistered()).toEqual(['10.0.5.1', '10.0.5.2']);

  // Rolling update, one pod at a time (surge 1, maxUnavailable 0), each step waiting on Ready.
  const healthyCounts: number[] = [];
  for (const [i, n] of fresh.entries()) {
    await createPod(n);
    endpoints = [...endpoints, { pod: n, state: 'not-ready' }];
    await reconcile(endpoints);
    healthyCounts.push((await healthyRegistered()).length);
    expect(await gateOf(n.name)).not.toBe('True');
    await waitGateTrue(n);
    endpoints = endpoints.map((e) => (e.pod === n ? { pod: n, state: 'ready' } : e));
    await reconcile(endpoints);
    healthyCounts.push((await healthyRegistered()).length);
    // The old pod terminates: deregistered first, then gone.
    const o = old[i]!;
    endpoints = endpoints.map((e) => (e.pod === o ? { pod: o, state: 'terminating' } : e));
    await reconcile(endpoints);
    healthyCounts.push((await healthyRegistered()).length);
    await core.deleteNamespacedPod({ namespace: NS, name: o.name, gracePeriodSeconds: 0 });
    endpoints = endpoints.filter((e) => e.pod !== o);
    await reconcile(endpoints);
    healthyCounts.push((await healthyRegistered()).length);
  }
  expect(healthyCounts.every((n) => n > 0)).toBe(true);
  expect(await healthyRegistered()).toEqual(['10.0.6.1', '10.0.6.2']);
  // Every gate turned True only after its target had been reported healthy (more than HEALTHY_AFTER answers).
  for (const p of [...old, ...fresh]) expect(gateTrueAt.get(p.name)).toBeGreaterThan(HEALTHY_AFTER);
  // The gate polled health through the AWS edge (both first pods together, then each new pod).
  expect(proxy.count('DescribeTargetHealth')).toBeGreaterThanOrEqual(3 * (HEALTHY_AFTER + 1));
});
