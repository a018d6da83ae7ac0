/**
 * `causeway controller --alb --aws-endpoint URL` as users run it (bin/causeway.js over dist/), against
 * moto. Standalone (`--manifests`): the controller creates the ALB of an Ingress, follows a manifests
 * edit that scales its Service (targets registered), and after a restart makes zero mutating AWS
 * calls (read from its own `causeway_aws_calls_total` on /metrics). Kubernetes mode (a real
 * kube-apiserver): the leader writes the ALB's DNS name into the Ingress status and an Event for a bad
 * ALB annotation. moto gaps: test/support/moto-server.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, test } from '@jest/globals';
import {
  CoreV1Api,
  DiscoveryV1Api,
  EventsV1Api,
  KubeConfig,
  NetworkingV1Api,
  type V1EndpointSlice,
  type V1Ingress,
  type V1IngressClass,
  type V1Service,
} from '@kubernetes/client-node';
import {
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { projectRoot } from '../../src/tools/envoy-binary.js';
import { albIngress, albService, ALB_CLASS, writeManifests } from '../support/alb-fixtures.js';
import { ensureKubeBinaries, startEtcd, startKubeApiserver } from '../support/kube-apiserver.js';
import { freePorts } from '../support/ports.js';
import { awsEnvFor, createAlbNetwork, startMoto, type RunningMoto } from '../support/moto-server.js';

let moto: RunningMoto;
let elb: ElasticLoadBalancingV2Client;
let dir: string;
const children: ChildProcess[] = [];

const objects = (ips: string[]): object[] => [
  ALB_CLASS,
  albIngress({ name: 'shop', host: 'shop.example.com', paths: [{ path: '/', service: 'shop' }] }),
  ...albService('shop', ips),
];

async function startController(source: string[] = ['--manifests', dir]): Promise<{
  admin: number;
  output: () => string;
  stop: () => Promise<void>;
}> {
  const [xds, admin] = await freePorts(2);
  const child = spawn(
    process.execPath,
    [
      path.join(projectRoot(), 'bin', 'causeway.js'),
      'controller',
      ...source,
      '--alb',
      '--aws-endpoint',
      moto.aws.endpoint,
      '--xds-address',
      `127.0.0.1:${xds}`,
      '--admin-address',
      `127.0.0.1:${admin}`,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ...awsEnvFor(moto.aws),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    },
  );
  children.push(child);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  await waitFor(
    async () =>
      (await fetch(`http://127.0.0.1:${admin}/readyz`).then(
        (r) => r.ok,
        () => false,
      )) || undefined,
    () => out,
  );
  return {
    admin: admin!,
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function waitFor<T>(probe: () => Promise<T | undefined>, why: () => string, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out:\n${why()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function targets(): Promise<string[]> {
  const tgs = (await elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
  const out: string[] = [];
  for (const tg of tgs) {
    const r = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn! }));
    for (const d of r.TargetHealthDescriptions ?? []) out.push(d.Target!.Id!);
  }
  return out.sort();
}

/** Sum of causeway_aws_calls_total over mutating operations (not Describe*, List*). */
async function mutatingCalls(admin: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${admin}/metrics`)).text();
  let sum = 0;
  for (const m of text.matchAll(/^causeway_aws_calls_total\{([^}]*)\} (\d+)/gm)) {
    const op = /operation="([^"]+)"/.exec(m[1]!)?.[1] ?? '';
    if (!/^(Describe|List)/.test(op)) sum += Number(m[2]);
  }
  return sum;
}

beforeAll(async () => {
  if (!fs.existsSync(path.join(projectRoot(), 'dist', 'src', 'alb', 'reconcile', 'alb-reconciler-loop.js')))
    throw new Error('dist/ is missing or stale: run `npm run build` before the end-to-end tests');
  moto = await startMoto();
  await createAlbNetwork(moto.aws);
  elb = new ElasticLoadBalancingV2Client({
    endpoint: moto.aws.endpoint,
    region: moto.aws.region,
    credentials: moto.aws.credentials,
  });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-alb-ctl-'));
}, 120_000);

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

afterAll(async () => {
  elb?.destroy();
  await moto?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('the controller creates the ALB, follows a scale-up, and a restarted controller makes no mutating call', async () => {
  writeManifests(dir, objects(['10.0.7.1']));
  const c = await startController();
  await waitFor(async () => ((await targets()).join() === '10.0.7.1' ? true : undefined), c.output);
  writeManifests(dir, objects(['10.0.7.1', '10.0.7.2']));
  await waitFor(async () => ((await targets()).join() === '10.0.7.1,10.0.7.2' ? true : undefined), c.output);
  expect(await mutatingCalls(c.admin)).toBeGreaterThan(0);
  await c.stop();

  const restarted = await startController();
  // Wait until it has read AWS and planned (its describe calls show on /metrics), then a little more.
  await waitFor(async () => {
    const text = await (await fetch(`http://127.0.0.1:${restarted.admin}/metrics`)).text();
    // Label order is the metric's: service, operation, outcome.
    return /^causeway_aws_calls_total\{service="elbv2",operation="DescribeTargetHealth",outcome="ok"\} [1-9]/m.test(
      text,
    )
      ? true
      : undefined;
  }, restarted.output);
  await new Promise((r) => setTimeout(r, 1000));
  expect(await mutatingCalls(restarted.admin)).toBe(0);
  expect(restarted.output()).not.toMatch(/ALB reconcile of the group failed/);
  await restarted.stop();
}, 120_000);

test('Kubernetes mode: the ALB DNS name lands in the Ingress status, a bad annotation in an Event', async () => {
  await ensureKubeBinaries();
  const etcd = await startEtcd();
  const api = await startKubeApiserver({ etcd, name: 'alb' });
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(api.kubeconfig('admin'));
    const net = kc.makeApiClient(NetworkingV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    const disco = kc.makeApiClient(DiscoveryV1Api);
    const events = kc.makeApiClient(EventsV1Api);
    await core.createNamespace({ body: { metadata: { name: 'causeway-system' } } });
    const [cls, ingress, svc, slice] = [
      ALB_CLASS,
      albIngress({
        name: 'kube-shop',
        host: 'kube.example.com',
        paths: [{ path: '/', service: 'kube-shop' }],
      }),
      ...albService('kube-shop', ['10.0.8.1']),
    ] as [V1IngressClass, V1Ingress, V1Service, V1EndpointSlice];
    await net.createIngressClass({ body: cls });
    await core.createNamespacedService({ namespace: 'default', body: svc });
    await disco.createNamespacedEndpointSlice({ namespace: 'default', body: slice });
    await net.createNamespacedIngress({ namespace: 'default', body: ingress });
    const bad = albIngress({
      name: 'kube-bad',
      host: 'bad.example.com',
      paths: [{ path: '/', service: 'kube-shop' }],
      annotations: { 'alb.causeway.dev/scheme': 'sideways' },
    }) as V1Ingress;
    await net.createNamespacedIngress({ namespace: 'default', body: bad });

    const c = await startController(['--kubeconfig', api.kubeconfig('admin'), '--cluster-name', 'kube']);
    const hostname = await waitFor(async () => {
      const ing = await net.readNamespacedIngress({ namespace: 'default', name: 'kube-shop' });
      return ing.status?.loadBalancer?.ingress?.[0]?.hostname ?? undefined;
    }, c.output);
    const lbs = (await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
    expect(lbs.map((l) => l.DNSName?.toLowerCase())).toContain(hostname);
    const event = await waitFor(async () => {
      const list = await events.listNamespacedEvent({ namespace: 'default' });
      return list.items.find((e) => e.regarding?.name === 'kube-bad' && e.reason === 'InvalidALBAnnotation');
    }, c.output);
    expect(event.note).toMatch(/scheme/);
    await c.stop();
  } finally {
    await api.stop();
    await etcd.stop();
  }
}, 180_000);
