/**
 * ALB mode against moto (a real `moto_server` on 127.0.0.1; see test/support/moto-server.ts for the
 * moto gaps): the reconciler builds, plans and applies through the real AWS edge (gateway, reader,
 * applier) and the tests check AWS state through a separate SDK client.
 *
 * Known moto gaps, worked around here and not coded around in the product: targets are keyed by Id
 * only (so every test Service uses distinct pod IPs), target health is `healthy` at once (health
 * transitions are covered by alb-readiness-gate.test.ts with a scripted proxy), SetRulePriorities
 * refuses swaps (the plan moves priorities in two phases anyway), AddTags limits (see moto-server.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyTargetGroupAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateSubnetCommand, EC2Client } from '@aws-sdk/client-ec2';
import { TAG_CLUSTER, TAG_GROUP } from '../../src/alb/model/alb-model.js';
import { TAG_ATTRIBUTES_DIGEST, withAttributesDigest } from '../../src/alb/model/attributes-digest.js';
import { createAlbEdge, type AlbEdge } from '../../src/alb/reconcile/alb-reconciler-factory.js';
import { albIngress, albService, ALB_CLASS, resourcesOf } from '../support/alb-fixtures.js';
import {
  createAlbNetwork,
  startMoto,
  type AlbTestNetwork,
  type RunningMoto,
} from '../support/moto-server.js';

/** The digest of `attributes`, as the tag `withAttributesDigest` adds carries it. */
function attributesDigest(attributes: Readonly<Record<string, string>>): string {
  return withAttributesDigest({}, attributes)[TAG_ATTRIBUTES_DIGEST]!;
}

const CLUSTER = 'e2e';
const FAST = {
  rateLimits: Object.fromEntries(
    ['describe', 'mutate-lb', 'mutate-rule', 'mutate-tg', 'targets', 'tags', 'ec2', 'acm'].map((f) => [
      f,
      { ratePerSecond: 1000, burst: 1000 },
    ]),
  ),
  retry: { maxAttempts: 4, baseMs: 10, capMs: 100 },
};

let moto: RunningMoto;
let network: AlbTestNetwork;
let elb: ElasticLoadBalancingV2Client;
let dir: string;
const edges: AlbEdge[] = [];

function edge(): AlbEdge {
  const e = createAlbEdge({
    endpoint: moto.aws.endpoint,
    region: moto.aws.region,
    clusterName: CLUSTER,
    ...FAST,
  });
  edges.push(e);
  return e;
}

beforeAll(async () => {
  moto = await startMoto();
  network = await createAlbNetwork(moto.aws);
  elb = new ElasticLoadBalancingV2Client({
    endpoint: moto.aws.endpoint,
    region: moto.aws.region,
    credentials: moto.aws.credentials,
  });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-alb-'));
  process.env['AWS_ACCESS_KEY_ID'] = moto.aws.credentials.accessKeyId;
  process.env['AWS_SECRET_ACCESS_KEY'] = moto.aws.credentials.secretAccessKey;
}, 120_000);

afterAll(async () => {
  for (const e of edges) e.destroy();
  elb?.destroy();
  await moto?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Every ALB and target group in the account, with its tags. */
async function account(): Promise<{
  lbs: { arn: string; name: string; dns: string; tags: Record<string, string> }[];
  tgs: { arn: string; name: string; tags: Record<string, string> }[];
}> {
  const lbs = (await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
  const tgs = (await elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
  const arns = [...lbs.map((l) => l.LoadBalancerArn!), ...tgs.map((t) => t.TargetGroupArn!)];
  const tags = new Map<string, Record<string, string>>();
  for (let i = 0; i < arns.length; i += 20) {
    const r = await elb.send(new DescribeTagsCommand({ ResourceArns: arns.slice(i, i + 20) }));
    for (const d of r.TagDescriptions ?? [])
      tags.set(d.ResourceArn!, Object.fromEntries((d.Tags ?? []).map((t) => [t.Key!, t.Value!])));
  }
  return {
    lbs: lbs.map((l) => ({
      arn: l.LoadBalancerArn!,
      name: l.LoadBalancerName!,
      dns: l.DNSName!,
      tags: tags.get(l.LoadBalancerArn!) ?? {},
    })),
    tgs: tgs.map((t) => ({
      arn: t.TargetGroupArn!,
      name: t.TargetGroupName!,
      tags: tags.get(t.TargetGroupArn!) ?? {},
    })),
  };
}

async function targetsOf(tgArn: string): Promise<string[]> {
  const r = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }));
  return (r.TargetHealthDescriptions ?? []).map((d) => `${d.Target!.Id!}:${d.Target!.Port!}`).sort();
}

async function pathsOf(lbArn: string): Promise<string[]> {
  const out: string[] = [];
  for (const l of (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }))).Listeners ??
    []) {
    for (const r of (await elb.send(new DescribeRulesCommand({ ListenerArn: l.ListenerArn! }))).Rules ?? []) {
      for (const c of r.Conditions ?? [])
        if (c.Field === 'path-pattern') out.push(...(c.PathPatternConfig?.Values ?? c.Values ?? []));
    }
  }
  return out.sort();
}

async function attributeOf(tgArn: string, key: string): Promise<string | undefined> {
  const r = await elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tgArn }));
  return r.Attributes?.find((a) => a.Key === key)?.Value;
}

function objects(opts: { shopPath?: string; apiIps?: string[]; withLone?: boolean } = {}): object[] {
  return [
    ALB_CLASS,
    albIngress({
      name: 'shop',
      group: 'store',
      host: 'shop.example.com',
      paths: [{ path: opts.shopPath ?? '/cart', service: 'cart' }],
    }),
    albIngress({
      name: 'api',
      group: 'store',
      host: 'api.example.com',
      paths: [{ path: '/v1', service: 'api' }],
    }),
    ...((opts.withLone ?? true)
      ? [albIngress({ name: 'blog', host: 'blog.example.com', paths: [{ path: '/', service: 'blog' }] })]
      : []),
    ...albService('cart', ['10.0.1.10', '10.0.1.11']),
    ...albService('api', opts.apiIps ?? ['10.0.2.10']),
    ...albService('blog', ['10.0.3.10']),
  ];
}

describe('ALB mode against moto', () => {
  const e0 = (): AlbEdge => edges[0]!;
  let foreign: { lb: string; tg: string };

  test('create from scratch: one ALB per IngressGroup, tagged, with rules, target groups and pod IP targets', async () => {
    // A load balancer and a target group that are not ours: they must survive everything below.
    const lb = await elb.send(
      new CreateLoadBalancerCommand({
        Name: 'foreign-lb',
        Subnets: [...network.subnetIds],
        Type: 'application',
      }),
    );
    const tg = await elb.send(
      new CreateTargetGroupCommand({
        Name: 'foreign-tg',
        Protocol: 'HTTP',
        Port: 80,
        VpcId: network.vpcId,
        TargetType: 'ip',
      }),
    );
    foreign = { lb: lb.LoadBalancers![0]!.LoadBalancerArn!, tg: tg.TargetGroups![0]!.TargetGroupArn! };

    const e = edge();
    const r = await e.reconciler.reconcile(await resourcesOf(dir, objects()));
    expect(r.groups.map((g) => [g.group, g.error])).toEqual([
      ['default/blog', undefined],
      ['store', undefined],
    ]);
    expect(r.groups.every((g) => g.applied > 0)).toBe(true);
    const a = await account();
    const ours = a.lbs.filter((l) => l.tags[TAG_CLUSTER] === CLUSTER);
    expect(ours.map((l) => l.tags[TAG_GROUP]).sort()).toEqual(['default/blog', 'store']);
    const store = ours.find((l) => l.tags[TAG_GROUP] === 'store')!;
    expect(await pathsOf(store.arn)).toEqual(expect.arrayContaining(['/cart', '/v1']));
    const ourTgs = a.tgs.filter((t) => t.tags[TAG_CLUSTER] === CLUSTER);
    expect(ourTgs).toHaveLength(3);
    const targets = (await Promise.all(ourTgs.map((t) => targetsOf(t.arn)))).flat().sort();
    expect(targets).toEqual(['10.0.1.10:8080', '10.0.1.11:8080', '10.0.2.10:8080', '10.0.3.10:8080']);
    // Ingress status: each Ingress gets its ALB's DNS name.
    expect(r.hostnames.get('/default/shop')).toEqual([store.dns]);
    expect(r.hostnames.get('/default/api')).toEqual([store.dns]);

    // A second pass re-reads the groups the apply changed (reads only) and plans nothing; a third
    // pass over the same input makes not a single AWS call (the cache is current).
    const mutating = e.gateway.counts().mutating;
    const again = await e.reconciler.reconcile(await resourcesOf(dir, objects()));
    expect(again.groups.map((g) => g.planned)).toEqual([0, 0]);
    expect(e.gateway.counts().mutating).toBe(mutating);
    const before = e.gateway.counts().total;
    const third = await e.reconciler.reconcile(await resourcesOf(dir, objects()));
    expect(third.groups.map((g) => g.planned)).toEqual([0, 0]);
    expect(e.gateway.counts().total).toBe(before);
  });

  test('change paths: the rule follows, nothing else moves', async () => {
    const e = e0();
    const r = await e.reconciler.reconcile(await resourcesOf(dir, objects({ shopPath: '/basket' })));
    expect(r.groups.find((g) => g.group === 'store')?.applied).toBeGreaterThan(0);
    expect(r.groups.find((g) => g.group === 'default/blog')?.planned).toBe(0);
    const store = (await account()).lbs.find((l) => l.tags[TAG_GROUP] === 'store')!;
    const paths = await pathsOf(store.arn);
    expect(paths).toEqual(expect.arrayContaining(['/basket', '/v1']));
    expect(paths).not.toContain('/cart');
  });

  test('scale a Service up and down: only target registration calls', async () => {
    const e = e0();
    const apiTg = async (): Promise<string> =>
      (await account()).tgs.find(
        (t) =>
          t.tags[TAG_CLUSTER] === CLUSTER &&
          t.name.length > 0 &&
          t.tags['causeway.dev/resource']?.includes('/api/'),
      )!.arn;
    const tgArn = await apiTg();
    // The path change made the group's stack be re-read on its next reconcile: do that one first.
    await e.reconciler.reconcile(await resourcesOf(dir, objects({ shopPath: '/basket' })));
    const mutating0 = e.gateway.counts();
    await e.reconciler.reconcile(
      await resourcesOf(
        dir,
        objects({ shopPath: '/basket', apiIps: ['10.0.2.10', '10.0.2.11', '10.0.2.12'] }),
      ),
    );
    const up = e.gateway.counts();
    expect(await targetsOf(tgArn)).toEqual(['10.0.2.10:8080', '10.0.2.11:8080', '10.0.2.12:8080']);
    expect(up.byOperation['RegisterTargets']! - (mutating0.byOperation['RegisterTargets'] ?? 0)).toBe(1);
    expect(up.mutating - mutating0.mutating).toBe(1);
    // The cache was patched, not dropped: the scale-up read nothing.
    expect(up.total - mutating0.total).toBe(1);

    await e.reconciler.reconcile(
      await resourcesOf(dir, objects({ shopPath: '/basket', apiIps: ['10.0.2.12'] })),
    );
    const down = e.gateway.counts();
    expect(await targetsOf(tgArn)).toEqual(['10.0.2.12:8080']);
    expect(down.mutating - up.mutating).toBe(1);
    expect(down.byOperation['DeregisterTargets']).toBe(1);
    expect(down.total - up.total).toBe(1);
  });

  test('restart: a fresh controller finds everything by tags and makes zero mutating calls', async () => {
    const e = edge();
    const r = await e.reconciler.reconcile(
      await resourcesOf(dir, objects({ shopPath: '/basket', apiIps: ['10.0.2.12'] })),
    );
    expect(r.groups.map((g) => g.planned)).toEqual([0, 0]);
    const c = e.gateway.counts();
    expect(c.mutating).toBe(0);
    // The reads are bounded: inventory (2 describes + tags by 20) and one pass per group, not per resource kind.
    expect(c.total).toBeLessThan(40);
  });

  test('restart reads no attributes (digest tags vouch for them); the drift check describes them and undoes an out-of-band change', async () => {
    const converged = objects({ shopPath: '/basket', apiIps: ['10.0.2.12'] });
    const attributeReads = (e: AlbEdge): number =>
      (e.gateway.counts().byOperation['DescribeTargetGroupAttributes'] ?? 0) +
      (e.gateway.counts().byOperation['DescribeLoadBalancerAttributes'] ?? 0);
    const ourTgs = async (): Promise<{ arn: string; tags: Record<string, string> }[]> =>
      (await account()).tgs.filter((t) => t.tags[TAG_CLUSTER] === CLUSTER);

    // Every target group and load balancer we created carries the digest of its managed attributes.
    const a = await account();
    const ours = [...a.lbs, ...a.tgs].filter((r) => r.tags[TAG_CLUSTER] === CLUSTER);
    expect(ours.length).toBeGreaterThan(0);
    for (const t of await ourTgs())
      expect(t.tags[TAG_ATTRIBUTES_DIGEST]).toBe(
        attributesDigest({ 'deregistration_delay.timeout_seconds': '300' }),
      );
    for (const r of ours) expect(r.tags[TAG_ATTRIBUTES_DIGEST]).toMatch(/^[0-9a-f]{16}$/);

    // A restart: an empty plan, and not one attribute read.
    const restarted = edge();
    const r = await restarted.reconciler.reconcile(await resourcesOf(dir, converged));
    expect(r.groups.map((g) => [g.group, g.planned])).toEqual([
      ['default/blog', 0],
      ['store', 0],
    ]);
    expect(restarted.gateway.counts().byOperation['DescribeTargetGroupAttributes'] ?? 0).toBe(0);
    expect(attributeReads(restarted)).toBe(0);
    expect(restarted.gateway.counts().mutating).toBe(0);

    // Someone changes a managed attribute behind our back (the digest tag stays as it was).
    const apiTg = (await ourTgs()).find((t) => t.tags['causeway.dev/resource']?.includes('/api/'))!;
    await elb.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: apiTg.arn,
        Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '17' }],
      }),
    );
    // A resync trusts the cache and the tags: it does not see it (that is the drift check's job)...
    const resync = await restarted.reconciler.reconcile(await resourcesOf(dir, converged));
    expect(resync.groups.map((g) => g.planned)).toEqual([0, 0]);
    // ...the drift check describes every attribute for real, finds the change and puts it back.
    const before = restarted.gateway.counts();
    restarted.reconciler.startDriftCheck();
    const drift = await restarted.reconciler.reconcile(await resourcesOf(dir, converged));
    const after = restarted.gateway.counts();
    expect(drift.groups.map((g) => [g.group, g.planned, g.error])).toEqual([
      ['default/blog', 0, undefined],
      ['store', 1, undefined],
    ]);
    expect(
      (after.byOperation['DescribeTargetGroupAttributes'] ?? 0) -
        (before.byOperation['DescribeTargetGroupAttributes'] ?? 0),
    ).toBe((await ourTgs()).length);
    expect(
      (after.byOperation['ModifyTargetGroupAttributes'] ?? 0) -
        (before.byOperation['ModifyTargetGroupAttributes'] ?? 0),
    ).toBe(1);
    expect(after.mutating - before.mutating).toBe(1);
    expect(await attributeOf(apiTg.arn, 'deregistration_delay.timeout_seconds')).toBe('300');
    // Converged again, and the next pass trusts the digests again.
    const reads = attributeReads(restarted);
    const again = await restarted.reconciler.reconcile(await resourcesOf(dir, converged));
    expect(again.groups.map((g) => g.planned)).toEqual([0, 0]);
    expect(attributeReads(restarted)).toBe(reads);
  });

  test('attributes set by us move the digest tag with them: a modify and a create with non-default attributes', async () => {
    const slow = { 'alb.causeway.dev/target-group-attributes': 'slow_start.duration_seconds=30' };
    const base = objects({ shopPath: '/basket', apiIps: ['10.0.2.12'] });
    const changed = [
      ...base.map((o) =>
        (o as { kind?: string; metadata?: { name?: string } }).kind === 'Ingress' &&
        (o as { metadata: { name: string } }).metadata.name === 'shop'
          ? albIngress({
              name: 'shop',
              group: 'store',
              host: 'shop.example.com',
              paths: [{ path: '/basket', service: 'cart' }],
              annotations: slow,
            })
          : o,
      ),
      albIngress({
        name: 'docs',
        group: 'store',
        host: 'docs.example.com',
        paths: [{ path: '/', service: 'docs' }],
        annotations: slow,
      }),
      ...albService('docs', ['10.0.4.10']),
    ];
    const e = e0();
    await e.reconciler.reconcile(await resourcesOf(dir, base)); // re-reads what the last test changed
    const c0 = e.gateway.counts();
    const r = await e.reconciler.reconcile(await resourcesOf(dir, changed));
    expect(r.groups.map((g) => [g.group, g.error])).toEqual([
      ['default/blog', undefined],
      ['store', undefined],
    ]);
    const c1 = e.gateway.counts();
    // The cart target group: modify + the new digest; the docs one: created without the digest, modified, tagged.
    expect(
      (c1.byOperation['ModifyTargetGroupAttributes'] ?? 0) -
        (c0.byOperation['ModifyTargetGroupAttributes'] ?? 0),
    ).toBe(2);
    const want = attributesDigest({
      'deregistration_delay.timeout_seconds': '300',
      'slow_start.duration_seconds': '30',
    });
    const tgs = (await account()).tgs.filter((t) => t.tags[TAG_GROUP] === 'store');
    const cart = tgs.find((t) => t.tags['causeway.dev/resource']?.includes('/cart/'))!;
    const docs = tgs.find((t) => t.tags['causeway.dev/resource']?.includes('/docs/'))!;
    for (const t of [cart, docs]) {
      expect(t.tags[TAG_ATTRIBUTES_DIGEST]).toBe(want);
      expect(await attributeOf(t.arn, 'slow_start.duration_seconds')).toBe('30');
    }
    // The same controller converged (the re-read after the apply trusts the new tags), and so does a restart.
    const reads = e.gateway.counts().byOperation['DescribeTargetGroupAttributes'] ?? 0;
    expect(
      (await e.reconciler.reconcile(await resourcesOf(dir, changed))).groups.map((g) => g.planned),
    ).toEqual([0, 0]);
    expect(e.gateway.counts().byOperation['DescribeTargetGroupAttributes'] ?? 0).toBe(reads);
    const restarted = edge();
    const again = await restarted.reconciler.reconcile(await resourcesOf(dir, changed));
    expect(again.groups.map((g) => g.planned)).toEqual([0, 0]);
    expect(restarted.gateway.counts().byOperation['DescribeTargetGroupAttributes'] ?? 0).toBe(0);

    // Back as it was (the later tests start from there): the cart attributes and tag revert, docs goes.
    const back = await e.reconciler.reconcile(await resourcesOf(dir, base));
    expect(back.groups.map((g) => [g.group, g.error])).toEqual([
      ['default/blog', undefined],
      ['store', undefined],
    ]);
    const cartNow = (await account()).tgs.find((t) => t.arn === cart.arn)!;
    expect(cartNow.tags[TAG_ATTRIBUTES_DIGEST]).toBe(
      attributesDigest({ 'deregistration_delay.timeout_seconds': '300' }),
    );
    expect((await e.reconciler.reconcile(await resourcesOf(dir, base))).groups.map((g) => g.planned)).toEqual(
      [0, 0],
    );
  });

  test('delete an Ingress: everything its group owned is gone, nothing else touched', async () => {
    const e = e0();
    const before = await account();
    const r = await e.reconciler.reconcile(
      await resourcesOf(dir, objects({ shopPath: '/basket', apiIps: ['10.0.2.12'], withLone: false })),
    );
    expect(r.groups.find((g) => g.group === 'default/blog')?.applied).toBeGreaterThan(0);
    expect(r.groups.find((g) => g.group === 'store')?.planned).toBe(0);
    const after = await account();
    expect(after.lbs.filter((l) => l.tags[TAG_GROUP] === 'default/blog')).toEqual([]);
    expect(after.tgs.filter((t) => t.tags[TAG_GROUP] === 'default/blog')).toEqual([]);
    // The foreign resources (no tags) survive; the other group's are the same ARNs as before.
    expect(after.lbs.map((l) => l.arn)).toContain(foreign.lb);
    expect(after.tgs.map((t) => t.arn)).toContain(foreign.tg);
    const storeArns = (x: typeof before): string[] =>
      [...x.lbs, ...x.tgs]
        .filter((v) => v.tags[TAG_GROUP] === 'store')
        .map((v) => v.arn)
        .sort();
    expect(storeArns(after)).toEqual(storeArns(before));
    // Converged: a fresh controller plans nothing.
    const fresh = edge();
    const again = await fresh.reconciler.reconcile(
      await resourcesOf(dir, objects({ shopPath: '/basket', apiIps: ['10.0.2.12'], withLone: false })),
    );
    expect(again.groups.map((g) => [g.group, g.planned])).toEqual([['store', 0]]);
    expect(fresh.gateway.counts().mutating).toBe(0);
  });

  test('subnets named by annotation are used even when untagged', async () => {
    const ec2 = new EC2Client({
      endpoint: moto.aws.endpoint,
      region: moto.aws.region,
      credentials: moto.aws.credentials,
    });
    const ids: string[] = [];
    try {
      for (const [i, az] of ['us-east-1c', 'us-east-1d'].entries())
        ids.push(
          (
            await ec2.send(
              new CreateSubnetCommand({
                VpcId: network.vpcId,
                CidrBlock: `10.0.${20 + i}.0/24`,
                AvailabilityZone: az,
              }),
            )
          ).Subnet!.SubnetId!,
        );
    } finally {
      ec2.destroy();
    }
    const e = edge();
    const withEdge = [
      ...objects({ shopPath: '/basket', apiIps: ['10.0.2.12'], withLone: false }),
      albIngress({
        name: 'edge',
        host: 'edge.example.com',
        paths: [{ path: '/', service: 'cart' }],
        annotations: {
          'alb.causeway.dev/subnets': ids.join(','),
          'alb.causeway.dev/scheme': 'internet-facing',
        },
      }),
    ];
    const r = await e.reconciler.reconcile(await resourcesOf(dir, withEdge));
    expect(r.groups.map((g) => [g.group, g.error])).toEqual([
      ['default/edge', undefined],
      ['store', undefined],
    ]);
    const lb = (await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers!.find(
      (l) => l.DNSName === r.hostnames.get('/default/edge')?.[0],
    )!;
    expect(lb.Scheme).toBe('internet-facing');
    expect(lb.AvailabilityZones!.map((z) => z.SubnetId).sort()).toEqual([...ids].sort());
    // The facts describe the annotated subnets too (their zones count, untagged as they are).
    const facts = await e.facts.facts(ids);
    expect(
      facts.subnets
        .filter((f) => ids.includes(f.id))
        .map((f) => [f.availabilityZone, f.roles])
        .sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    ).toEqual([
      ['us-east-1c', []],
      ['us-east-1d', []],
    ]);
  });
});
