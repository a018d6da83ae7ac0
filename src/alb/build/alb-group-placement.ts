/**
 * The placement units of one IngressGroup (each host with the concrete hosts its wildcard covers) and
 * their cost in rules, placed over load balancers by host-placement.ts. Rules without a host are on
 * every load balancer, so they reduce each one's room.
 */
import { ANY_HOST, isWildcard, wildcardMatches } from '../../ingress/hosts.js';
import { compareStrings } from '../../ingress/ordering.js';
import { isCatchAll, type RouteCandidate } from './alb-rules.js';
import { MAX_RULES_PER_ALB, placeUnits, type Placement, type PlacementUnit } from './host-placement.js';

export interface GroupPlacement {
  readonly placement: Placement;
  /** Unit key -> its hosts. */
  readonly unitHosts: ReadonlyMap<string, readonly string[]>;
}

/**
 * Places the group's routes (those of every rule-carrying listener, before merging) on load balancers,
 * keeping each unit where `current` (host -> load balancer resource id) has it when it fits.
 */
export function placeGroupHosts(
  group: string,
  routes: readonly RouteCandidate[],
  current: Readonly<Record<string, string>>,
): GroupPlacement {
  const hostCost = new Map<string, number>();
  let sharedCost = 0;
  for (const c of routes) {
    if (isCatchAll(c)) continue;
    if (c.host === ANY_HOST) sharedCost++;
    else hostCost.set(c.host, (hostCost.get(c.host) ?? 0) + 1);
  }
  const wildcards = [...hostCost.keys()].filter(isWildcard);
  const unitOf = (h: string): string =>
    isWildcard(h) ? h : (wildcards.find((w) => wildcardMatches(w, h)) ?? h);
  const unitHosts = new Map<string, string[]>();
  for (const h of [...hostCost.keys()].sort(compareStrings)) {
    const u = unitOf(h);
    unitHosts.set(u, [...(unitHosts.get(u) ?? []), h]);
  }
  const units: PlacementUnit[] = [...unitHosts].map(([key, hosts]) => ({
    key,
    hosts,
    cost: hosts.reduce((n, h) => n + hostCost.get(h)!, 0),
  }));
  const capacity = Math.max(1, MAX_RULES_PER_ALB - sharedCost);
  return { placement: placeUnits(group, units, capacity, current), unitHosts };
}
