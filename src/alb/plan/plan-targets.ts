/**
 * Target changes of one existing target group: what to register and deregister, in batches of at most
 * 200 (the RegisterTargets/DeregisterTargets limit), sorted. Terminating pods form their own batches so
 * that the plan can send them before anything else; a target AWS reports as `draining` is already on
 * its way out and counts as not registered.
 */
import type { ActualTarget, TargetSpec } from '../model/alb-model.js';

const MAX_TARGETS_PER_CALL = 200;

type Target = { readonly id: string; readonly port: number };

export interface TargetDiff {
  readonly register: readonly Target[][];
  readonly deregisterTerminating: readonly Target[][];
  readonly deregisterGone: readonly Target[][];
}

const key = (t: Target): string => `${t.id}|${t.port}`;

function compareTargets(a: Target, b: Target): number {
  return a.id !== b.id ? (a.id < b.id ? -1 : 1) : a.port - b.port;
}

export function batches<T>(items: readonly T[], size = MAX_TARGETS_PER_CALL): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** True when a desired target is to be registered (everything but `terminating`). */
export function isRegistered(t: TargetSpec): boolean {
  return t.state !== 'terminating';
}

export function diffTargets(desired: readonly TargetSpec[], actual: readonly ActualTarget[]): TargetDiff {
  const wanted = new Map(desired.filter(isRegistered).map((t) => [key(t), { id: t.id, port: t.port }]));
  const terminating = new Set(desired.filter((t) => !isRegistered(t)).map(key));
  const active = new Map(
    actual.filter((t) => t.health !== 'draining').map((t) => [key(t), { id: t.id, port: t.port }]),
  );
  const register = [...wanted].filter(([k]) => !active.has(k)).map(([, t]) => t);
  const first = [...active].filter(([k]) => terminating.has(k)).map(([, t]) => t);
  const gone = [...active].filter(([k]) => !wanted.has(k) && !terminating.has(k)).map(([, t]) => t);
  return {
    register: batches(register.sort(compareTargets)),
    deregisterTerminating: batches(first.sort(compareTargets)),
    deregisterGone: batches(gone.sort(compareTargets)),
  };
}
