/**
 * Splitting an IngressGroup over several load balancers when its rules exceed one ALB's limit
 * (100 rules, default rules excluded, over all listeners). The unit of placement is a host together
 * with the concrete hosts its wildcard covers (DNS sends a host to one load balancer, which must hold
 * its rules and the wildcard's it falls through to); rules without a host are carried by every load
 * balancer, so they reduce each one's room.
 *
 * Stability: units keep the load balancer they are on today (`placements`, read from the actual state).
 * Only when a load balancer overflows are units moved off it, smallest first, until it fits; units
 * without a place go first-fit, in host order, to the lowest load balancer with room, else to a new
 * one. So adding a rule moves at most the units that no longer fit, never the rest of the group.
 */
import type { ActualStack } from '../model/alb-model.js';

/** The documented limit: rules per Application Load Balancer, default rules excluded. */
export const MAX_RULES_PER_ALB = 100;

export interface PlacementUnit {
  /** The wildcard host, or the concrete host. */
  readonly key: string;
  /** Every host of the unit. */
  readonly hosts: readonly string[];
  /** Rules the unit needs over all listeners (before merging: an upper bound). */
  readonly cost: number;
}

export interface Placement {
  /** Load balancer index -> unit keys, indexes ascending. */
  readonly shards: ReadonlyMap<number, readonly string[]>;
  /** Units too large for one load balancer (placed alone, to be truncated). */
  readonly oversized: readonly string[];
}

export function lbResourceId(group: string, index: number): string {
  return `${group}/lb/${index}`;
}

function lbIndexOf(group: string, resourceId: string): number | undefined {
  const prefix = `${group}/lb/`;
  if (!resourceId.startsWith(prefix)) return undefined;
  const rest = resourceId.slice(prefix.length);
  return /^\d+$/.test(rest) ? Number(rest) : undefined;
}

/** Where each host's rules are today: host -> load balancer resource id (hosts of rules with a host-header). */
export function placementsFromActual(actual: ActualStack): Record<string, string> {
  const out: Record<string, string> = {};
  for (const lb of [...actual.loadBalancers].sort((a, b) => (a.resourceId < b.resourceId ? -1 : 1))) {
    for (const l of lb.listeners) {
      for (const r of l.rules) {
        for (const c of r.conditions) {
          if (c.field !== 'host-header') continue;
          for (const h of c.values) out[h.toLowerCase()] ??= lb.resourceId;
        }
      }
    }
  }
  return out;
}

export function placeUnits(
  group: string,
  units: readonly PlacementUnit[],
  capacity: number,
  previous: Readonly<Record<string, string>>,
): Placement {
  const sorted = [...units].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const shards = new Map<number, PlacementUnit[]>();
  const load = (i: number): number => (shards.get(i) ?? []).reduce((n, u) => n + u.cost, 0);
  const unplaced: PlacementUnit[] = [];
  const oversized: string[] = [];

  // 1. Keep units where they are (the most common index among the unit's hosts).
  for (const u of sorted) {
    const votes = new Map<number, number>();
    for (const h of u.hosts) {
      const id = previous[h];
      const i = id === undefined ? undefined : lbIndexOf(group, id);
      if (i !== undefined) votes.set(i, (votes.get(i) ?? 0) + 1);
    }
    const best = [...votes].sort(([ia, va], [ib, vb]) => vb - va || ia - ib)[0];
    if (best === undefined || u.cost > capacity) unplaced.push(u);
    else shards.set(best[0], [...(shards.get(best[0]) ?? []), u]);
  }
  // 2. Evict from overflowing load balancers, smallest units first, until each fits.
  for (const [i, list] of [...shards].sort(([a], [b]) => a - b)) {
    let over = load(i) - capacity;
    if (over <= 0) continue;
    const keep = [...list];
    for (const u of [...list].sort((a, b) => a.cost - b.cost || (a.key < b.key ? 1 : -1))) {
      if (over <= 0) break;
      keep.splice(keep.indexOf(u), 1);
      unplaced.push(u);
      over -= u.cost;
    }
    shards.set(i, keep);
  }
  // 3. First-fit the rest, in host order; an oversized unit gets a load balancer of its own.
  const freeIndex = (): number => {
    let i = 0;
    while (shards.has(i)) i++;
    return i;
  };
  for (const u of unplaced.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    if (u.cost > capacity) {
      oversized.push(u.key);
      shards.set(freeIndex(), [u]);
      continue;
    }
    const fit = [...shards.keys()]
      .sort((a, b) => a - b)
      .find((i) => !oversized.includes(shards.get(i)![0]?.key ?? '') && load(i) + u.cost <= capacity);
    const i = fit ?? freeIndex();
    shards.set(i, [...(shards.get(i) ?? []), u]);
  }
  const out = new Map<number, string[]>();
  for (const [i, list] of [...shards].sort(([a], [b]) => a - b)) {
    if (list.length > 0) out.set(i, list.map((u) => u.key).sort());
  }
  if (out.size === 0) out.set(0, []);
  return { shards: out, oversized };
}
