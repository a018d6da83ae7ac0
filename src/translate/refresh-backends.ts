/**
 * The EndpointSlice fast path of translate (pure): given the last IR and the new resources, recompute
 * the endpoints of the backends of the Services whose slices changed, with the same endpoint policy and
 * diagnostics as the full translation (groupEndpointPolicy and selectEndpoints). The xDS side turns the
 * changed backends into ClusterLoadAssignments (translateEndpoints in xds/translator).
 */
import type { Diagnostic } from '../errors.js';
import type { BackendIR, GatewayGroupIR, IR } from '../ir/ir-types.js';
import type { ResourceSet } from '../resources/resource-set.js';
import { isEndpointDiagnostic, selectEndpoints, type GroupEndpointPolicy } from '../ingress/endpoints.js';
import { groupEndpointPolicy } from './endpoint-policy.js';
import { groupSettings, type TranslateOptions } from './translate-options.js';
import { backendPositions, type ServiceBackendIndex } from './service-backend-index.js';

/** Per gateway group, the names of its backends whose endpoints were recomputed (no entry: none). */
export type ChangedBackends = ReadonlyMap<string, ReadonlySet<string>>;

export interface BackendRefresh {
  /** The new IR: the changed backends and their groups are new objects, the rest is shared. */
  readonly ir: IR;
  readonly changed: ChangedBackends;
  /** The endpoint diagnostics of the refreshed Services (see replaceEndpointDiagnostics). */
  readonly diagnostics: readonly Diagnostic[];
}

/** `namespace/name` of the Service of a backend. */
function serviceKey(b: BackendIR): string {
  return `${b.service.namespace}/${b.service.name}`;
}

/** One group with the endpoints of the backends of `services` selected again; collects what changed. */
function refreshGroup(
  g: GatewayGroupIR,
  resources: ResourceSet,
  services: ReadonlySet<string>,
  policy: GroupEndpointPolicy,
  diagnostics: Diagnostic[],
): { readonly group: GatewayGroupIR; readonly changed: ReadonlySet<string> } {
  const changed = new Set<string>();
  const backends = g.backends.map((b): BackendIR => {
    if (!services.has(serviceKey(b))) return b;
    const sel = selectEndpoints(resources, b.service, { ...policy, crossCluster: b.crossCluster });
    diagnostics.push(...sel.diagnostics);
    changed.add(b.name);
    return { ...b, endpoints: sel.localities };
  });
  return { group: changed.size > 0 ? { ...g, backends } : g, changed };
}

/** refreshGroup, visiting only the backends at `positions` (ascending indices into `g.backends`). */
function refreshAt(
  g: GatewayGroupIR,
  positions: readonly number[],
  resources: ResourceSet,
  policy: GroupEndpointPolicy,
  diagnostics: Diagnostic[],
): { readonly group: GatewayGroupIR; readonly changed: ReadonlySet<string> } {
  const changed = new Set<string>();
  const backends = [...g.backends];
  for (const i of positions) {
    const b = backends[i]!;
    const sel = selectEndpoints(resources, b.service, { ...policy, crossCluster: b.crossCluster });
    diagnostics.push(...sel.diagnostics);
    changed.add(b.name);
    backends[i] = { ...b, endpoints: sel.localities };
  }
  return { group: changed.size > 0 ? { ...g, backends } : g, changed };
}

/**
 * Recomputes the endpoints of every backend (in every group) of the Services `services` (namespace/name).
 * With `index` (indexServiceBackends of `ir` or of an IR it was refreshed from), only those backends are
 * visited: O(backends of `services`) instead of O(all backends); the result is the same.
 */
export function refreshServiceBackends(
  ir: IR,
  resources: ResourceSet,
  services: ReadonlySet<string>,
  options: TranslateOptions,
  index?: ServiceBackendIndex,
): BackendRefresh {
  const changed = new Map<string, ReadonlySet<string>>();
  const diagnostics: Diagnostic[] = [];
  const groups = ir.groups.map((g) => {
    const positions = index ? backendPositions(index, services, g.name) : undefined;
    if (positions?.length === 0) return g;
    const policy = groupEndpointPolicy(groupSettings(options, g.name), options.clusterZones);
    const r = positions
      ? refreshAt(g, positions, resources, policy, diagnostics)
      : refreshGroup(g, resources, services, policy, diagnostics);
    if (r.changed.size > 0) changed.set(g.name, r.changed);
    return r.group;
  });
  return { ir: { groups }, changed, diagnostics: unique(diagnostics) };
}

function unique(diags: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diags.filter((d) => {
    const k = JSON.stringify(d);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Replaces the endpoint diagnostics of `services` (namespace/name) in `current` with `fresh`. */
export function replaceEndpointDiagnostics(
  current: readonly Diagnostic[],
  services: ReadonlySet<string>,
  fresh: readonly Diagnostic[],
): Diagnostic[] {
  const kept = current.filter(
    (d) => !(isEndpointDiagnostic(d) && services.has(`${d.object.namespace}/${d.object.name}`)),
  );
  const seen = new Set(kept.map((d) => JSON.stringify(d)));
  return [...kept, ...fresh.filter((d) => !seen.has(JSON.stringify(d)))];
}
