/**
 * Golden tests of ALB mode's two pure stages (regenerate with UPDATE_GOLDEN=1):
 *   build: cases/build/<name>.in.yaml (manifests, optional AwsFacts) -> <name>.out.yaml
 *          (diagnostics, held groups, desired stacks)
 *   plan:  cases/plan/<name>.before.yaml and <name>.after.yaml (either may be absent: nothing) ->
 *          <name>.plan.yaml. The actual state is what a converged apply of "before" leaves in AWS.
 * Generated cases (a split over 100 rules, 250 targets) are built in code; their output is golden too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildAlbStacks } from '../../src/alb/build/alb-build.js';
import type { AlbStack } from '../../src/alb/model/alb-model.js';
import { planAlbStack } from '../../src/alb/plan/alb-plan.js';
import { placementsFromActual } from '../../src/alb/build/host-placement.js';
import { checkGolden } from '../support/golden.js';
import {
  actualFromDesired,
  ALB_CASES_DIR,
  DEFAULT_FACTS,
  DEFAULT_OPTIONS,
  loadAlbCase,
  parseAlbCase,
} from './alb-cases.js';
import { hostName, manyHostsCase, manyTargetsCase } from './generated-cases.js';

const names = (dir: string, suffix: string): string[] =>
  fs
    .readdirSync(path.join(ALB_CASES_DIR, dir))
    .filter((f) => f.endsWith(suffix))
    .map((f) => f.slice(0, -suffix.length))
    .sort();

describe.each(names('build', '.in.yaml'))('build %s', (name) => {
  test('matches the golden file', () => {
    const c = loadAlbCase(`build/${name}.in.yaml`);
    const result = buildAlbStacks(c.resources, c.facts, c.options);
    const g = checkGolden(path.join(ALB_CASES_DIR, 'build', `${name}.out.yaml`), result);
    expect(g.actual).toEqual(g.expected);
  });

  test('is pure (same output twice) and converged once applied (the plan against itself is empty)', () => {
    const c = loadAlbCase(`build/${name}.in.yaml`);
    const a = buildAlbStacks(c.resources, c.facts, c.options);
    expect(buildAlbStacks(c.resources, c.facts, c.options)).toEqual(a);
    for (const s of a.stacks) expect(planAlbStack(s, actualFromDesired(s)).changes).toEqual([]);
  });
});

function stacksOf(file: string): readonly AlbStack[] {
  const full = path.join(ALB_CASES_DIR, file);
  if (!fs.existsSync(full)) return [];
  const c = parseAlbCase(file, fs.readFileSync(full, 'utf8'));
  return buildAlbStacks(c.resources, c.facts, c.options).stacks;
}

const planCases = [...new Set([...names('plan', '.before.yaml'), ...names('plan', '.after.yaml')])].sort();

describe.each(planCases)('plan %s', (name) => {
  test('matches the golden file; applying it converges (a second plan is empty)', () => {
    const before = stacksOf(`plan/${name}.before.yaml`);
    const after = stacksOf(`plan/${name}.after.yaml`);
    const groups = [...new Set([...before, ...after].map((s) => s.group))].sort();
    const plans = Object.fromEntries(
      groups.map((g) => {
        const desired = after.find((s) => s.group === g);
        const actual = actualFromDesired(before.find((s) => s.group === g));
        return [g, planAlbStack(desired, actual).changes];
      }),
    );
    const g = checkGolden(path.join(ALB_CASES_DIR, 'plan', `${name}.plan.yaml`), plans);
    expect(g.actual).toEqual(g.expected);
    for (const s of after) expect(planAlbStack(s, actualFromDesired(s)).changes).toEqual([]);
  });
});

test('build: a group of 150 hosts splits over two ALBs, each within 100 rules, hosts kept whole', () => {
  const resources = manyHostsCase(150);
  const result = buildAlbStacks(resources, DEFAULT_FACTS, DEFAULT_OPTIONS);
  const g = checkGolden(path.join(ALB_CASES_DIR, 'generated', 'split-150-hosts.out.yaml'), result);
  expect(g.actual).toEqual(g.expected);
  const [stack] = result.stacks;
  expect(stack!.loadBalancers.map((lb) => lb.resourceId)).toEqual(['many/lb/0', 'many/lb/1']);
  const hostsSeen = new Map<string, string>();
  for (const lb of stack!.loadBalancers) {
    const rules = lb.listeners.reduce((n, l) => n + l.rules.length, 0);
    expect(rules).toBeLessThanOrEqual(100);
    for (const l of lb.listeners)
      for (const r of l.rules)
        for (const c of r.conditions)
          if (c.field === 'host-header')
            for (const h of c.values) {
              expect(hostsSeen.get(h) ?? lb.resourceId).toBe(lb.resourceId);
              hostsSeen.set(h, lb.resourceId);
            }
  }
  expect(hostsSeen.size).toBe(150);
});

test('plan: 250 new targets register in batches of 200; scaling to 40 deregisters the terminating first', () => {
  const up = buildAlbStacks(manyTargetsCase(250, 0), DEFAULT_FACTS, DEFAULT_OPTIONS).stacks[0]!;
  const planUp = planAlbStack(up, actualFromDesired(undefined)).changes;
  const regs = planUp.filter((c) => c.op === 'register-targets');
  expect(regs.map((c) => (c.op === 'register-targets' ? c.targets.length : 0))).toEqual([200, 50]);
  // 250 -> 40 ready: 60 pods terminating, 150 gone from the slice.
  const down = buildAlbStacks(manyTargetsCase(40, 60), DEFAULT_FACTS, DEFAULT_OPTIONS).stacks[0]!;
  const planDown = planAlbStack(down, actualFromDesired(up)).changes;
  const g = checkGolden(path.join(ALB_CASES_DIR, 'generated', 'scale-250-to-40.plan.yaml'), planDown);
  expect(g.actual).toEqual(g.expected);
  expect(planDown.map((c) => c.op)).toEqual(['deregister-targets', 'deregister-targets']);
  const [first, second] = planDown;
  expect(first!.op === 'deregister-targets' && first.targets.length).toBe(60);
  expect(second!.op === 'deregister-targets' && second.targets.length).toBe(150);
});

/** host -> load balancer resource id, from the host-header conditions of a stack's rules. */
function hostHomes(stack: AlbStack): Map<string, string> {
  const out = new Map<string, string>();
  for (const lb of stack.loadBalancers)
    for (const l of lb.listeners)
      for (const r of l.rules)
        for (const c of r.conditions)
          if (c.field === 'host-header') for (const h of c.values) out.set(h, lb.resourceId);
  return out;
}

test('split stability: growing a 150-rule group by one rule moves at most one host, with few AWS calls', () => {
  const before = buildAlbStacks(manyHostsCase(150), DEFAULT_FACTS, DEFAULT_OPTIONS).stacks[0]!;
  const actual = actualFromDesired(before);
  const facts = { ...DEFAULT_FACTS, placements: { many: placementsFromActual(actual) } };
  const homes = hostHomes(before);
  expect(homes.get(hostName(0))).toBe('many/lb/0');

  const scenarios = {
    // lb/0 is full (100 rules): one more rule on one of its hosts.
    'extra rule on a host of the full ALB': manyHostsCase(150, 0),
    // A 151st host.
    'one more host': manyHostsCase(151),
  };
  const report: Record<string, unknown> = {};
  for (const [name, resources] of Object.entries(scenarios)) {
    const after = buildAlbStacks(resources, facts, DEFAULT_OPTIONS).stacks[0]!;
    const moved = [...hostHomes(after)]
      .filter(([h, lb]) => homes.has(h) && homes.get(h) !== lb)
      .map(([h]) => h);
    const changes = planAlbStack(after, actual).changes;
    const ops: Record<string, number> = {};
    for (const c of changes) ops[c.op] = (ops[c.op] ?? 0) + 1;
    for (const lb of after.loadBalancers)
      expect(lb.listeners.reduce((n, l) => n + l.rules.length, 0)).toBeLessThanOrEqual(100);
    expect(moved.length).toBeLessThanOrEqual(1);
    expect(changes.length).toBeLessThanOrEqual(8);
    report[name] = { movedHosts: moved, changes: ops };
  }
  const g = checkGolden(path.join(ALB_CASES_DIR, 'generated', 'split-stability.out.yaml'), report);
  expect(g.actual).toEqual(g.expected);
});
