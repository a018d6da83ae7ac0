/**
 * The EndpointSlice fast path (pure): given the last IR and the new resources, recompute only the
 * backends of the Services whose slices changed. Returns the new IR (other nodes shared, not copied),
 * the ClusterLoadAssignments to push per group, and the endpoint diagnostics of those Services.
 */
import type { Diagnostic } from '../errors.js';
import type { BackendIR, IR } from '../ir/ir-types.js';
import type { ResourceSet } from '../resources/resource-set.js';
import type { ResourceChange } from '../sources/source-update.js';
import { selectEndpoints } from '../ingress/endpoints.js';
import { groupSettings, type TranslateOptions } from '../translate/translate-options.js';
import type { PlainResource } from '../../xds/cache/config-watcher.js';
import { translateClusterLoadAssignment } from '../../xds/translator/cluster.translator.js';

export interface EndpointUpdate {
  readonly ir: IR;
  readonly upserts: ReadonlyMap<string, readonly PlainResource[]>;
  /** Services (namespace/name) whose endpoint diagnostics were recomputed. */
  readonly services: ReadonlySet<string>;
  readonly diagnostics: readonly Diagnostic[];
}

/** namespace/name of the Service each changed slice belongs (or belonged) to. */
export function servicesOfChangedSlices(
  changed: readonly ResourceChange[],
  before: ResourceSet,
  after: ResourceSet,
): Set<string> {
  const out = new Set<string>();
  for (const c of changed) {
    if (c.kind !== 'EndpointSlice') continue;
    for (const rs of [before, after]) for (const svc of rs.serviceOfSlice.get(c.key) ?? []) out.add(svc);
  }
  return out;
}

export function updateEndpoints(
  ir: IR,
  resources: ResourceSet,
  services: ReadonlySet<string>,
  options: TranslateOptions,
): EndpointUpdate {
  const upserts = new Map<string, PlainResource[]>();
  const diagnostics = new Map<string, Diagnostic[]>();
  const groups = ir.groups.map((g) => {
    const homeCluster = groupSettings(options, g.name).homeCluster;
    let touched = false;
    const backends = g.backends.map((b): BackendIR => {
      const svc = `${b.service.namespace}/${b.service.name}`;
      if (!services.has(svc)) return b;
      const sel = selectEndpoints(resources, b.service, {
        crossCluster: b.crossCluster,
        ...(homeCluster !== undefined ? { homeCluster } : {}),
        ...(options.clusterZones ? { clusterZones: options.clusterZones } : {}),
      });
      diagnostics.set(`${svc}/${b.service.port}`, [...sel.diagnostics]);
      touched = true;
      const next = { ...b, endpoints: sel.localities };
      const list = upserts.get(g.name) ?? [];
      list.push({ name: b.name, resource: translateClusterLoadAssignment(next) });
      upserts.set(g.name, list);
      return next;
    });
    return touched ? { ...g, backends } : g;
  });
  return { ir: { groups }, upserts, services, diagnostics: [...diagnostics.values()].flat() };
}

const ENDPOINT_CODES = new Set(['CW_E_ENDPOINTS_NONE', 'CW_E_ENDPOINTS_TERMINATING_FALLBACK']);

/** Replaces the endpoint diagnostics of `services` in `current` with `fresh`. */
export function mergeEndpointDiagnostics(
  current: readonly Diagnostic[],
  services: ReadonlySet<string>,
  fresh: readonly Diagnostic[],
): Diagnostic[] {
  const kept = current.filter(
    (d) =>
      !(
        ENDPOINT_CODES.has(d.code) &&
        d.object.kind === 'Service' &&
        services.has(`${d.object.namespace}/${d.object.name}`)
      ),
  );
  const seen = new Set(kept.map((d) => JSON.stringify(d)));
  return [...kept, ...fresh.filter((d) => !seen.has(JSON.stringify(d)))];
}
