/** Plan behaviour on actual states a converged apply never leaves: interrupted creates, strays, drift. */
import { buildAlbStacks } from '../../src/alb/build/alb-build.js';
import type { ActualStack, AlbStack } from '../../src/alb/model/alb-model.js';
import { planAlbStack } from '../../src/alb/plan/alb-plan.js';
import { TAG_ATTRIBUTES_DIGEST, withAttributesDigest } from '../../src/alb/model/attributes-digest.js';
import { actualFromDesired, DEFAULT_FACTS, DEFAULT_OPTIONS } from './alb-cases.js';
import { manyTargetsCase } from './generated-cases.js';

/** The digest of `attributes`, as the tag `withAttributesDigest` adds carries it. */
function attributesDigest(attributes: Readonly<Record<string, string>>): string {
  return withAttributesDigest({}, attributes)[TAG_ATTRIBUTES_DIGEST]!;
}

const stack: AlbStack = buildAlbStacks(manyTargetsCase(3, 0), DEFAULT_FACTS, DEFAULT_OPTIONS).stacks[0]!;
const converged = actualFromDesired(stack);

test('a duplicate target group (a create interrupted before its tag was read) is deleted, the right one kept', () => {
  const tg = converged.targetGroups[0]!;
  const dup = { ...tg, arn: `${tg.arn}-dup`, name: 'cw-leftover-0000000000' };
  const changes = planAlbStack(stack, {
    ...converged,
    targetGroups: [...converged.targetGroups, dup],
  }).changes;
  expect(changes).toEqual([
    { op: 'delete-target-group', targetGroup: { resourceId: tg.resourceId, arn: dup.arn } },
  ]);
});

test('drift is put back: a stray listener deleted, a changed default action restored, foreign tags removed (aws: tags and unmanaged attributes left alone)', () => {
  const lb = converged.loadBalancers[0]!;
  const listener = lb.listeners[0]!;
  const drifted: ActualStack = {
    ...converged,
    loadBalancers: [
      {
        ...lb,
        attributes: { 'idle_timeout.timeout_seconds': '60', 'deletion_protection.enabled': 'false' },
        tags: { ...lb.tags, stray: 'x', 'aws:cloudformation:stack-name': 'kept' },
        listeners: [
          {
            ...listener,
            defaultAction: { type: 'fixed-response', statusCode: '404', contentType: 'text/plain' },
          },
          { ...listener, port: 8080, arn: `${listener.arn}-8080`, rules: [] },
        ],
      },
    ],
  };
  const ops = planAlbStack(stack, drifted).changes.map((c) => c.op);
  expect(ops).toEqual(['update-tags', 'modify-listener', 'delete-listener']);
  const tags = planAlbStack(stack, drifted).changes[0]!;
  expect(tags).toMatchObject({ op: 'update-tags', add: {}, remove: ['stray'] });
});

test('a target AWS reports as draining counts as deregistered: a pod that came back is registered again', () => {
  const tg = converged.targetGroups[0]!;
  const draining = { ...tg, targets: tg.targets.map((t, i) => (i === 0 ? { ...t, health: 'draining' } : t)) };
  const changes = planAlbStack(stack, { ...converged, targetGroups: [draining] }).changes;
  expect(changes).toEqual([
    {
      op: 'register-targets',
      targetGroup: { resourceId: tg.resourceId, arn: tg.arn },
      targets: [{ id: tg.targets[0]!.id, port: 8080 }],
    },
  ]);
});

test('no desired stack: everything owned is deleted, load balancer before target groups, nothing else', () => {
  const ops = planAlbStack(undefined, converged).changes.map((c) => c.op);
  expect(ops).toEqual(['delete-load-balancer', 'delete-target-group']);
});

test('attributes digest tag: missing (resources from before digests) is added; stale goes with the attribute change, after it', () => {
  const tg = converged.targetGroups[0]!;
  const lb = converged.loadBalancers[0]!;
  const { [TAG_ATTRIBUTES_DIGEST]: _t, ...tgUntagged } = tg.tags;
  const { [TAG_ATTRIBUTES_DIGEST]: _l, ...lbUntagged } = lb.tags;
  const untagged: ActualStack = {
    loadBalancers: [{ ...lb, tags: lbUntagged }],
    targetGroups: [{ ...tg, tags: tgUntagged }, ...converged.targetGroups.slice(1)],
  };
  expect(planAlbStack(stack, untagged).changes).toEqual([
    {
      op: 'update-tags',
      resource: { resourceId: tg.resourceId, arn: tg.arn },
      add: { [TAG_ATTRIBUTES_DIGEST]: attributesDigest(tg.attributes) },
      remove: [],
    },
    {
      op: 'update-tags',
      resource: { resourceId: lb.resourceId, arn: lb.arn },
      add: { [TAG_ATTRIBUTES_DIGEST]: attributesDigest(lb.attributes) },
      remove: [],
    },
  ]);
  // Attributes AWS reports as other than desired under the desired digest (drift found by a real describe).
  const drifted: ActualStack = {
    ...converged,
    targetGroups: [
      { ...tg, attributes: { ...tg.attributes, 'deregistration_delay.timeout_seconds': '17' } },
      ...converged.targetGroups.slice(1),
    ],
  };
  expect(planAlbStack(stack, drifted).changes).toEqual([
    {
      op: 'modify-target-group-attributes',
      targetGroup: { resourceId: tg.resourceId, arn: tg.arn },
      attributes: tg.attributes,
    },
  ]);
  // Desired attributes changed: the modify, then the new digest.
  const desired: AlbStack = {
    ...stack,
    targetGroups: stack.targetGroups.map((t, i) =>
      i === 0 ? { ...t, attributes: { ...t.attributes, 'slow_start.duration_seconds': '30' } } : t,
    ),
  };
  const changes = planAlbStack(desired, converged).changes;
  expect(changes.map((c) => c.op)).toEqual(['modify-target-group-attributes', 'update-tags']);
  expect(changes[1]).toMatchObject({
    add: { [TAG_ATTRIBUTES_DIGEST]: attributesDigest(desired.targetGroups[0]!.attributes) },
    remove: [],
  });
});
