import type { ActualRule, AlbChange, RuleSpec } from '../model/alb-model.js';
import { conditionsKey } from '../model/alb-names.js';
import { planListenerRules } from './plan-rules.js';

const action = { type: 'fixed-response' as const, statusCode: '404', contentType: 'text/plain' as const };
const source = { kind: 'Ingress', namespace: 'ns', name: 'i' };

function desired(paths: readonly string[]): RuleSpec[] {
  return paths.map((p, i) => ({
    resourceId: `rule${p}`,
    priority: i + 1,
    conditions: [{ field: 'path-pattern' as const, values: [p] }],
    action,
    source,
  }));
}

function actual(paths: readonly string[]): ActualRule[] {
  return paths.map((p, i) => ({
    arn: `arn${p}`,
    priority: i + 1,
    conditions: [{ field: 'path-pattern' as const, values: [p] }],
    action,
  }));
}

/** Applies the changes like AWS (and moto) do, failing on any duplicate priority; returns path -> priority. */
function apply(start: readonly ActualRule[], changes: readonly AlbChange[]): Map<string, number> {
  const byId = new Map<string, { key: string; priority: number }>();
  for (const a of start) byId.set(a.arn, { key: conditionsKey(a.conditions), priority: a.priority });
  const taken = (p: number): boolean => [...byId.values()].some((r) => r.priority === p);
  for (const c of changes) {
    if (c.op === 'create-rule') {
      if (taken(c.rule.priority)) throw new Error(`create at taken priority ${c.rule.priority}`);
      byId.set(c.rule.resourceId, { key: conditionsKey(c.rule.conditions), priority: c.rule.priority });
    } else if (c.op === 'delete-rule') byId.delete(c.rule.arn!);
    else if (c.op === 'set-rule-priorities') {
      const targets = c.priorities.map((p) => p.priority);
      const movers = new Set(c.priorities.map((p) => p.rule.arn ?? p.rule.resourceId));
      for (const t of targets)
        if (
          [...byId].some(([id, r]) => r.priority === t && !movers.has(id)) ||
          [...byId].some(([id, r]) => movers.has(id) && r.priority === t)
        )
          throw new Error(`priority ${t} is in use`);
      for (const p of c.priorities) byId.get(p.rule.arn ?? p.rule.resourceId)!.priority = p.priority;
    }
  }
  return new Map([...byId.values()].map((r) => [r.key, r.priority]));
}

test.each([
  ['unchanged', ['/a', '/b'], ['/a', '/b']],
  ['insert at the top', ['/a', '/b', '/c'], ['/z', '/a', '/b', '/c']],
  ['reverse', ['/a', '/b', '/c', '/d'], ['/d', '/c', '/b', '/a']],
  ['swap two', ['/a', '/b'], ['/b', '/a']],
  ['replace everything', ['/a', '/b'], ['/c', '/d', '/e']],
  ['delete the first', ['/a', '/b', '/c'], ['/b', '/c']],
  ['rotate with a new rule', ['/a', '/b', '/c'], ['/c', '/new', '/a']],
])('%s: never a duplicate priority, and the result is the desired order', (_name, before, after) => {
  const r = planListenerRules({ resourceId: 'l', arn: 'l' }, desired(after), actual(before));
  const changes = [...r.creates, ...r.modifies, ...r.deletes, ...r.moves];
  const result = apply(actual(before), changes);
  expect(Object.fromEntries(result)).toEqual(
    Object.fromEntries(after.map((p, i) => [`path-pattern=${p}`, i + 1])),
  );
  if (JSON.stringify(before) === JSON.stringify(after)) expect(changes).toEqual([]);
});

test('a changed action is modified in place, keeping the rule', () => {
  const d = desired(['/a']).map((r) => ({ ...r, action: { ...action, statusCode: '503' } }));
  const r = planListenerRules({ resourceId: 'l', arn: 'l' }, d, actual(['/a']));
  expect(r.creates).toEqual([]);
  expect(r.deletes).toEqual([]);
  expect(r.modifies).toHaveLength(1);
});
