/**
 * Rule changes of one existing listener. Rules pair by their conditions (a rule's resource id is
 * derived from them); a paired rule whose action differs is modified in place, unpaired actual rules
 * are deleted, unpaired desired rules created. Priorities must be unique at every moment (AWS refuses a
 * duplicate, also inside one SetRulePriorities call on some implementations), so:
 * - a new rule is created at its final priority when that is free, else at a free "parking" priority
 *   above every priority in use, and moved later;
 * - obsolete rules are deleted after the creates (no gap in matching) and before the moves (their
 *   priorities become free);
 * - moves go in one SetRulePriorities call when every target priority is free; otherwise in two:
 *   every moving rule to a parking priority, then every one to its final priority.
 */
import type { ActionSpec, ActualRule, AlbChange, ResourceRef, RuleSpec } from '../model/alb-model.js';
import { conditionsKey, ruleResourceId } from '../model/alb-names.js';

/** Canonical JSON (keys sorted, forwards sorted by target group, empty message bodies dropped). */
export function canonicalAction(a: ActionSpec): string {
  let norm: unknown = a;
  if (a.type === 'forward')
    norm = {
      ...a,
      targetGroups: [...a.targetGroups].sort((x, y) => (x.targetGroup < y.targetGroup ? -1 : 1)),
    };
  if (a.type === 'fixed-response' && (a.messageBody ?? '') === '') {
    const { messageBody: _drop, ...rest } = a;
    norm = rest;
  }
  return stableStringify(norm);
}

export function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableStringify((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** A listener's rule changes by phase; the plan sends each phase for every listener before the next. */
export interface ListenerRuleChanges {
  readonly creates: readonly AlbChange[];
  readonly modifies: readonly AlbChange[];
  readonly deletes: readonly AlbChange[];
  readonly moves: readonly AlbChange[];
}

/** True when the action forwards to one of `replaced` (target groups being replaced: the ARN changes). */
export function usesReplaced(a: ActionSpec, replaced: ReadonlySet<string>): boolean {
  return a.type === 'forward' && a.targetGroups.some((t) => replaced.has(t.targetGroup));
}

export function planListenerRules(
  listener: ResourceRef,
  desired: readonly RuleSpec[],
  actual: readonly ActualRule[],
  replaced: ReadonlySet<string> = new Set(),
): ListenerRuleChanges {
  const creates: AlbChange[] = [];
  const modifies: AlbChange[] = [];
  const deletes: AlbChange[] = [];
  const byKey = new Map<string, ActualRule[]>();
  for (const a of [...actual].sort((x, y) => x.priority - y.priority)) {
    const k = conditionsKey(a.conditions);
    byKey.set(k, [...(byKey.get(k) ?? []), a]);
  }
  const used = new Set(actual.map((a) => a.priority));
  let parking = Math.max(0, desired.length, ...actual.map((a) => a.priority)) + 1;
  const park = (): number => {
    while (used.has(parking)) parking++;
    used.add(parking);
    return parking++;
  };
  /** Rules whose priority must still change, where they go, and whether they sit on a parking priority. */
  const moves: { rule: ResourceRef; to: number; parked: boolean }[] = [];

  for (const d of desired) {
    const match = byKey.get(conditionsKey(d.conditions))?.shift();
    if (!match) {
      const at = used.has(d.priority) ? park() : d.priority;
      used.add(at);
      creates.push({ op: 'create-rule', listener, rule: { ...d, priority: at } });
      if (at !== d.priority) moves.push({ rule: { resourceId: d.resourceId }, to: d.priority, parked: true });
      continue;
    }
    const ref: ResourceRef = { resourceId: d.resourceId, arn: match.arn };
    if (canonicalAction(match.action) !== canonicalAction(d.action) || usesReplaced(d.action, replaced))
      modifies.push({ op: 'modify-rule', rule: ref, conditions: d.conditions, action: d.action });
    if (match.priority !== d.priority) moves.push({ rule: ref, to: d.priority, parked: false });
  }
  for (const rest of byKey.values()) {
    for (const a of rest) {
      used.delete(a.priority);
      deletes.push({
        op: 'delete-rule',
        rule: { resourceId: a.resourceId ?? ruleResourceId(listener.resourceId, a.conditions), arn: a.arn },
      });
    }
  }

  const priorityChanges: AlbChange[] = [];
  if (moves.length > 0) {
    const final = {
      op: 'set-rule-priorities' as const,
      priorities: moves.map((m) => ({ rule: m.rule, priority: m.to })),
    };
    if (moves.some((m) => used.has(m.to))) {
      // Phase 1: every moving rule not yet parked goes to a free parking priority.
      const phase1 = moves.filter((m) => !m.parked).map((m) => ({ rule: m.rule, priority: park() }));
      if (phase1.length > 0) priorityChanges.push({ op: 'set-rule-priorities', priorities: phase1 });
    }
    priorityChanges.push(final);
  }
  return { creates, modifies, deletes, moves: priorityChanges };
}
