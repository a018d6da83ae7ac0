/**
 * ALB mode under AWS faults, against moto behind test/support/aws-fault-proxy.ts:
 * - throttling (400 `Throttling`) and 500s injected on a share of the calls: the reconcile still
 *   converges, every retry is counted, and no logical call makes more than `maxAttempts` requests;
 * - a call that always fails: retries stop at `maxAttempts` and the Ingresses get a CW_E_ALB_* diagnostic;
 * - "killed between two calls": the proxy lets K mutating calls through, the K+1-th reaches AWS but its
 *   answer is lost, and every later one fails (the controller as good as dead). A fresh controller then
 *   converges with no orphan (every resource tagged), no duplicate (one per name) and nothing left to do.
 * moto gaps: see test/support/moto-server.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { Registry } from 'prom-client';
import { TAG_CLUSTER, TAG_RESOURCE } from '../../src/alb/model/alb-model.js';
import { createAlbEdge, type AlbEdge } from '../../src/alb/reconcile/alb-reconciler-factory.js';
import { AwsMetrics } from '../../src/alb/aws/aws-metrics.js';
import { CALL_FAMILIES } from '../../src/alb/aws/call-families.js';
import type { ResourceSet } from '../../src/resources/resource-set.js';
import { albIngress, albService, ALB_CLASS, resourcesOf } from '../support/alb-fixtures.js';
import { isMutatingAction, startAwsFaultProxy, type FaultDecision } from '../support/aws-fault-proxy.js';
import { createAlbNetwork, startMoto, type RunningMoto } from '../support/moto-server.js';

const CLUSTER = 'faults';
const UNLIMITED = Object.fromEntries(CALL_FAMILIES.map((f) => [f, { ratePerSecond: 1000, burst: 1000 }]));
const MAX_ATTEMPTS = 5;

let moto: RunningMoto;
let elb: ElasticLoadBalancingV2Client;
let dir: string;
let resources: ResourceSet;
const edges: AlbEdge[] = [];

function edgeVia(endpoint: string, metrics?: AwsMetrics): AlbEdge {
  const e = createAlbEdge({
    endpoint,
    region: moto.aws.region,
    clusterName: CLUSTER,
    rateLimits: UNLIMITED,
    retry: { maxAttempts: MAX_ATTEMPTS, baseMs: 5, capMs: 50 },
    ...(metrics ? { metrics } : {}),
  });
  edges.push(e);
  return e;
}

beforeAll(async () => {
  moto = await startMoto();
  elb = new ElasticLoadBalancingV2Client({
    endpoint: moto.aws.endpoint,
    region: moto.aws.region,
    credentials: moto.aws.credentials,
  });
  process.env['AWS_ACCESS_KEY_ID'] = moto.aws.credentials.accessKeyId;
  process.env['AWS_SECRET_ACCESS_KEY'] = moto.aws.credentials.secretAccessKey;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-alb-faults-'));
  resources = await resourcesOf(dir, [
    ALB_CLASS,
    albIngress({
      name: 'shop',
      group: 'store',
      host: 'shop.example.com',
      paths: [{ path: '/cart', service: 'cart' }],
    }),
    albIngress({
      name: 'api',
      group: 'store',
      host: 'api.example.com',
      paths: [{ path: '/v1', service: 'api' }],
    }),
    albIngress({ name: 'blog', host: 'blog.example.com', paths: [{ path: '/', service: 'blog' }] }),
    ...albService('cart', ['10.0.1.10', '10.0.1.11']),
    ...albService('api', ['10.0.2.10']),
    ...albService('blog', ['10.0.3.10']),
  ]);
}, 120_000);

afterAll(async () => {
  for (const e of edges) e.destroy();
  elb?.destroy();
  await moto?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function freshAccount(): Promise<void> {
  await moto.reset();
  await createAlbNetwork(moto.aws);
}

/** Load balancers and target groups in the account: name, and our resource tag when there is one. */
async function inventory(): Promise<{ name: string; cluster?: string; resource?: string }[]> {
  const lbs = (await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
  const tgs = (await elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
  const items = [
    ...lbs.map((l) => ({ arn: l.LoadBalancerArn!, name: l.LoadBalancerName! })),
    ...tgs.map((t) => ({ arn: t.TargetGroupArn!, name: t.TargetGroupName! })),
  ];
  const out: { name: string; cluster?: string; resource?: string }[] = [];
  for (let i = 0; i < items.length; i += 20) {
    const batch = items.slice(i, i + 20);
    const r = await elb.send(new DescribeTagsCommand({ ResourceArns: batch.map((b) => b.arn) }));
    for (const b of batch) {
      const tags = r.TagDescriptions?.find((d) => d.ResourceArn === b.arn)?.Tags ?? [];
      const get = (k: string): string | undefined => tags.find((t) => t.Key === k)?.Value;
      out.push({
        name: b.name,
        ...(get(TAG_CLUSTER) ? { cluster: get(TAG_CLUSTER)! } : {}),
        ...(get(TAG_RESOURCE) ? { resource: get(TAG_RESOURCE)! } : {}),
      });
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

async function expectConverged(): Promise<void> {
  const inv = await inventory();
  // No orphan: everything there is ours and tagged with its resource id. No duplicate: one per name.
  expect(inv.filter((i) => i.cluster !== CLUSTER || i.resource === undefined)).toEqual([]);
  expect(new Set(inv.map((i) => i.name)).size).toBe(inv.length);
  expect(new Set(inv.map((i) => i.resource)).size).toBe(inv.length);
  // Nothing left to do, for a controller that starts now.
  const fresh = edgeVia(moto.aws.endpoint);
  const { plans } = await fresh.reconciler.planAll(resources);
  expect(plans.map((p) => [p.group, p.plan.changes.map((c) => c.op)])).toEqual([
    ['default/blog', []],
    ['store', []],
  ]);
}

describe('ALB mode under AWS faults', () => {
  test('throttling and 500s on a share of the calls: converges, retries counted and bounded', async () => {
    await freshAccount();
    // Faults on ELBv2 calls (the proxy's error bodies are ELBv2's XML); EC2 and ACM pass. A request is
    // known by its form body (a retry sends the same one): every 3rd distinct request is throttled once,
    // every 7th gets a 500 then a throttle, every 11th a reset; so no call fails more than twice, and
    // the outcome does not depend on how the two groups' calls interleave.
    const seen = new Map<string, { index: number; attempts: number }>();
    const script = (index: number, attempt: number): FaultDecision => {
      if (index % 7 === 0) return attempt === 1 ? 'error500' : attempt === 2 ? 'throttle' : 'pass';
      if (index % 3 === 0) return attempt === 1 ? 'throttle' : 'pass';
      if (index % 11 === 0) return attempt === 1 ? 'reset' : 'pass';
      return 'pass';
    };
    const proxy = await startAwsFaultProxy({
      target: moto.aws.endpoint,
      decide: (_action, params): FaultDecision => {
        if (params.get('Version') !== '2015-12-01') return 'pass';
        const key = params.toString();
        const entry = seen.get(key) ?? { index: seen.size + 1, attempts: 0 };
        entry.attempts++;
        seen.set(key, entry);
        return script(entry.index, entry.attempts);
      },
    });
    try {
      const registry = new Registry();
      const metrics = new AwsMetrics(registry);
      const e = edgeVia(proxy.url, metrics);
      const r = await e.reconciler.reconcile(resources);
      // Every failure the controller saw was scripted: none came from the way to moto.
      expect(proxy.calls.filter((c) => c.upstreamError !== undefined)).toEqual([]);
      expect(r.groups.map((g) => [g.group, g.error])).toEqual([
        ['default/blog', undefined],
        ['store', undefined],
      ]);
      const injected = proxy.calls.filter((c) => c.decision !== 'pass').length;
      expect(injected).toBeGreaterThan(5);
      // Every request beyond the logical calls is a retry, and the metrics count each of them.
      const logical = e.gateway.counts().total;
      expect(proxy.count()).toBe(logical + injected);
      const retries = (await registry.getSingleMetric('causeway_aws_retries_total')!.get()).values;
      const byReason = Object.fromEntries(
        retries
          .filter(
            (v) =>
              v.labels['service'] === 'elbv2' ||
              v.labels['service'] === 'ec2' ||
              v.labels['service'] === 'acm',
          )
          .reduce(
            (m, v) => m.set(String(v.labels['reason']), (m.get(String(v.labels['reason'])) ?? 0) + v.value),
            new Map<string, number>(),
          ),
      );
      expect(byReason['throttling']).toBe(proxy.calls.filter((c) => c.decision === 'throttle').length);
      expect(byReason['server-error']).toBe(proxy.calls.filter((c) => c.decision === 'error500').length);
      expect(byReason['network']).toBe(proxy.calls.filter((c) => c.decision === 'reset').length);
    } finally {
      await proxy.close();
    }
    await expectConverged();
  });

  test('a call that always fails: exactly maxAttempts requests, then a diagnostic and no change', async () => {
    await freshAccount();
    const proxy = await startAwsFaultProxy({
      target: moto.aws.endpoint,
      decide: (action) => (action === 'DescribeLoadBalancers' ? 'throttle' : 'pass'),
    });
    try {
      const e = edgeVia(proxy.url);
      const r = await e.reconciler.reconcile(resources);
      expect(proxy.count('DescribeLoadBalancers')).toBe(MAX_ATTEMPTS);
      expect(r.groups).toEqual([]);
      expect(new Set(r.diagnostics.map((d) => d.code))).toEqual(new Set(['CW_E_ALB_AWS_UNAVAILABLE']));
      expect(r.diagnostics.map((d) => d.object.name).sort()).toEqual(['api', 'blog', 'shop']);
      expect(proxy.calls.filter((c) => isMutatingAction(c.action))).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  // K = mutating calls let through before the controller "dies": after a target group, a load
  // balancer, a listener, a rule, and in the middle of the second group.
  test.each([1, 3, 5, 6, 9, 12])(
    'killed after %i mutating calls (the next one lost): a fresh controller converges, no orphan, no duplicate',
    async (k) => {
      await freshAccount();
      let mutating = 0;
      const proxy = await startAwsFaultProxy({
        target: moto.aws.endpoint,
        decide: (action) => {
          if (!isMutatingAction(action)) return 'pass';
          mutating++;
          return mutating <= k ? 'pass' : mutating === k + 1 ? 'lost' : 'error500';
        },
      });
      try {
        const dying = edgeVia(proxy.url);
        const r = await dying.reconciler.reconcile(resources);
        expect(r.groups.some((g) => g.error !== undefined)).toBe(true);
        expect(r.diagnostics.some((d) => d.code === 'CW_E_ALB_APPLY_FAILED')).toBe(true);
      } finally {
        await proxy.close();
      }
      // Whatever exists now is tagged: creates carry their tags.
      expect((await inventory()).filter((i) => i.cluster !== CLUSTER)).toEqual([]);
      const restarted = edgeVia(moto.aws.endpoint);
      const r = await restarted.reconciler.reconcile(resources);
      expect(r.groups.map((g) => [g.group, g.error])).toEqual([
        ['default/blog', undefined],
        ['store', undefined],
      ]);
      await expectConverged();
    },
  );
});
