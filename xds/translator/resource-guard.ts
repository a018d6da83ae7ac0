/**
 * The final guard before the cache: every resource of a group is checked against the Envoy rules we
 * know (resource-rules.ts); a resource that breaks one is left out with CW_E_XDS_RESOURCE_INVALID on
 * the objects it came from, so the gateway never rejects a whole update for it. Dependants are handled:
 * a ClusterLoadAssignment loses only its bad endpoints (CW_E_ENDPOINT_INVALID on its Service, the code
 * the endpoint fast path replaces), and a cluster left out takes its ClusterLoadAssignment with it.
 * Pure and deterministic (resources keep their order).
 */
import { diagnostic, type Diagnostic, type ObjectRef } from '../../src/errors.js';
import type { GroupResources, PlainResource } from '../cache/config-watcher.js';
import { RESOURCE_TYPES, type ResourceTypeUrl } from '../protos/envoy-protos.js';
import { nameProblem, valueProblem } from './resource-rules.js';
import type { ResourceSources } from './source-map.js';

/** A group's resources and sources with the bad resources left out, and why. */
export interface GuardedGroup {
  readonly resources: GroupResources;
  readonly sources: ResourceSources;
  readonly diagnostics: readonly Diagnostic[];
}

const KIND_OF: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(RESOURCE_TYPES).map(([kind, url]) => [url, kind]),
);

/** The resource's name as a message may quote it. */
function shownName(name: string): string {
  return nameProblem(name) === undefined ? `"${name}"` : '(unprintable name)';
}

/** Why a resource breaks a rule (its name, its content, its draining form), or undefined. */
function resourceProblem(r: PlainResource): string | undefined {
  return (
    nameProblem(r.name) ??
    valueProblem(r.resource) ??
    (r.draining !== undefined ? valueProblem(r.draining, 'draining') : undefined)
  );
}

interface ClaLocality {
  readonly locality?: unknown;
  readonly lb_endpoints?: readonly unknown[];
}

/** A ClusterLoadAssignment without its bad endpoints (localities left empty dropped), and the problems. */
function guardAssignment(r: PlainResource): {
  readonly resource: PlainResource;
  readonly problems: string[];
} {
  const cla = r.resource as { endpoints?: readonly ClaLocality[] };
  const problems: string[] = [];
  const endpoints = (cla.endpoints ?? []).flatMap((l, i): ClaLocality[] => {
    const bad = valueProblem(l.locality, `endpoints[${i}].locality`);
    if (bad !== undefined) {
      problems.push(bad);
      return [];
    }
    const kept = (l.lb_endpoints ?? []).filter((e, j) => {
      const p = valueProblem(e, `endpoints[${i}].lb_endpoints[${j}]`, '', 1);
      if (p !== undefined) problems.push(p);
      return p === undefined;
    });
    return kept.length > 0 ? [{ ...l, lb_endpoints: kept }] : [];
  });
  if (problems.length === 0) return { resource: r, problems };
  return { resource: { ...r, resource: { ...cla, endpoints } }, problems };
}

/** Where a diagnostic about a resource goes: its sources, or the group when it has none. */
function targets(group: string, refs: readonly ObjectRef[] | undefined): readonly ObjectRef[] {
  return refs && refs.length > 0 ? refs : [{ kind: 'GatewayGroup', name: group }];
}

/** The Services among a resource's sources (a ClusterLoadAssignment's backend Service). */
function servicesOf(group: string, refs: readonly ObjectRef[] | undefined): readonly ObjectRef[] {
  const services = (refs ?? []).filter((s) => s.kind === 'Service');
  return services.length > 0 ? services : targets(group, refs);
}

/** Checks one group's resources; see the top of the file. */
export function guardGroup(group: string, resources: GroupResources, sources: ResourceSources): GuardedGroup {
  const diagnostics: Diagnostic[] = [];
  const dropped = new Map<ResourceTypeUrl, Set<string>>();
  const out = new Map<ResourceTypeUrl, readonly PlainResource[]>();
  const refsOf = (t: ResourceTypeUrl, name: string) => sources.get(t)?.get(name);
  const drop = (t: ResourceTypeUrl, r: PlainResource, why: string) => {
    (dropped.get(t) ?? dropped.set(t, new Set()).get(t)!).add(r.name);
    const msg = `${KIND_OF[t] ?? t} ${shownName(r.name)}: ${why}; the resource is left out`;
    for (const ref of targets(group, refsOf(t, r.name)))
      diagnostics.push(diagnostic('CW_E_XDS_RESOURCE_INVALID', ref, msg));
  };
  for (const [t, list] of resources) {
    const kept: PlainResource[] = [];
    for (const r of list) {
      const bad = resourceProblem(t === RESOURCE_TYPES.endpoint ? { name: r.name, resource: {} } : r);
      if (bad !== undefined) drop(t, r, bad);
      else kept.push(r);
    }
    out.set(t, kept);
  }
  const goneClusters = dropped.get(RESOURCE_TYPES.cluster) ?? new Set<string>();
  const endpoints = (out.get(RESOURCE_TYPES.endpoint) ?? []).flatMap((r): PlainResource[] => {
    if (goneClusters.has(r.name)) {
      drop(RESOURCE_TYPES.endpoint, r, 'its cluster was left out');
      return [];
    }
    const g = guardAssignment(r);
    const msg = (p: string) => `ClusterLoadAssignment ${shownName(r.name)}: ${p}; the endpoint is left out`;
    for (const p of g.problems)
      for (const ref of servicesOf(group, refsOf(RESOURCE_TYPES.endpoint, r.name)))
        diagnostics.push(diagnostic('CW_E_ENDPOINT_INVALID', ref, msg(p)));
    const rest = valueProblem(g.resource.resource, '', '', 1);
    if (rest === undefined) return [g.resource];
    drop(RESOURCE_TYPES.endpoint, r, rest);
    return [];
  });
  if (out.has(RESOURCE_TYPES.endpoint)) out.set(RESOURCE_TYPES.endpoint, endpoints);
  return { resources: out, sources: withoutDropped(sources, dropped), diagnostics };
}

/** The source map without the resources left out. */
function withoutDropped(
  sources: ResourceSources,
  dropped: ReadonlyMap<ResourceTypeUrl, ReadonlySet<string>>,
): ResourceSources {
  if (dropped.size === 0) return sources;
  return new Map(
    [...sources].map(([t, names]) => {
      const gone = dropped.get(t);
      return [t, gone ? new Map([...names].filter(([n]) => !gone.has(n))) : names];
    }),
  );
}

/**
 * The endpoint fast path's guard: ClusterLoadAssignments without their bad endpoints, each diagnostic
 * on the backend's Service (`services`: assignment name -> Service). An assignment whose own fields
 * break a rule is left out.
 */
export function guardAssignments(
  group: string,
  assignments: readonly PlainResource[],
  services: ReadonlyMap<string, ObjectRef>,
): { readonly resources: readonly PlainResource[]; readonly diagnostics: readonly Diagnostic[] } {
  const refs = new Map([...services].map(([n, s]) => [n, [s] as readonly ObjectRef[]]));
  const g = guardGroup(
    group,
    new Map([[RESOURCE_TYPES.endpoint, assignments]]),
    new Map([[RESOURCE_TYPES.endpoint, refs]]),
  );
  return { resources: g.resources.get(RESOURCE_TYPES.endpoint) ?? [], diagnostics: g.diagnostics };
}
