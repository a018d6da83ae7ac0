/**
 * The index from objects to the gateway groups whose IR depends on them, built from what each group's
 * build read (recording-resources.ts): a Service, Secret or the EndpointSlices of a Service looked up
 * while building a group make the group depend on that object; a map read as a whole makes the group
 * depend on every object of its kind. `touchedBy` answers which groups a list of changes reaches.
 * Ingress membership (which group an Ingress or TCP Service chose) is not in here: the incremental
 * translation tracks it itself, before and after each change (incremental-translate.ts).
 */
import type { KubeKind } from '../resources/kube-types.js';
import type { ResourceSet } from '../resources/resource-set.js';
import type { ResourceMapName, ResourceReads } from './recording-resources.js';

/** A changed object (src/sources' ResourceChange: translate does not import the sources layer). */
export interface ObjectChange {
  readonly kind: KubeKind;
  readonly key: string;
}

/** `map|key`: one entry of one map of a ResourceSet. */
function idOf(map: ResourceMapName, key: string): string {
  return `${map}|${key}`;
}

/** The map entries and the maps a list of changes alters (EndpointSlices: the slices of their Services, before and after). */
export function changedEntries(
  changes: readonly ObjectChange[],
  before: ResourceSet,
  after: ResourceSet,
): { readonly ids: readonly string[]; readonly maps: ReadonlySet<ResourceMapName> } {
  const ids: string[] = [];
  const maps = new Set<ResourceMapName>();
  for (const c of changes) {
    switch (c.kind) {
      case 'Ingress':
        ids.push(idOf('ingresses', c.key));
        maps.add('ingresses');
        break;
      case 'IngressClass':
        ids.push(idOf('ingressClasses', c.key));
        maps.add('ingressClasses');
        break;
      case 'Service':
        ids.push(idOf('services', c.key));
        maps.add('services');
        break;
      case 'Secret':
        ids.push(idOf('secrets', c.key));
        maps.add('secrets');
        break;
      case 'EndpointSlice':
        ids.push(idOf('serviceOfSlice', c.key));
        maps.add('serviceOfSlice').add('endpointSlices');
        for (const rs of [before, after])
          for (const svc of rs.serviceOfSlice.get(c.key) ?? []) ids.push(idOf('endpointSlices', svc));
        break;
    }
  }
  return { ids, maps };
}

/** The entries the EndpointSlice fast path refreshed: the slices of `services` (namespace/name). */
export function endpointEntries(services: ReadonlySet<string>): ReturnType<typeof changedEntries> {
  return {
    ids: [...services].map((svc) => idOf('endpointSlices', svc)),
    maps: new Set<ResourceMapName>(['endpointSlices']),
  };
}

export class DependencyIndex {
  private readonly groupsById = new Map<string, Set<string>>();
  private readonly groupsByWhole = new Map<ResourceMapName, Set<string>>();
  private readonly readsOf = new Map<string, ResourceReads>();

  /** Replaces what `group` depends on. */
  set(group: string, reads: ResourceReads): void {
    this.remove(group);
    this.readsOf.set(group, reads);
    for (const [map, keys] of reads.keys)
      for (const key of keys) addTo(this.groupsById, idOf(map, key), group);
    for (const map of reads.whole) addTo(this.groupsByWhole, map, group);
  }

  remove(group: string): void {
    const reads = this.readsOf.get(group);
    if (!reads) return;
    this.readsOf.delete(group);
    for (const [map, keys] of reads.keys)
      for (const key of keys) deleteFrom(this.groupsById, idOf(map, key), group);
    for (const map of reads.whole) deleteFrom(this.groupsByWhole, map, group);
  }

  /** The groups whose build read one of the entries, or one of the maps as a whole. */
  touchedBy(entries: ReturnType<typeof changedEntries>): Set<string> {
    const out = new Set<string>();
    for (const id of entries.ids) for (const g of this.groupsById.get(id) ?? []) out.add(g);
    for (const map of entries.maps) for (const g of this.groupsByWhole.get(map) ?? []) out.add(g);
    return out;
  }
}

function addTo<K>(index: Map<K, Set<string>>, key: K, group: string): void {
  const set = index.get(key);
  if (set) set.add(group);
  else index.set(key, new Set([group]));
}

function deleteFrom<K>(index: Map<K, Set<string>>, key: K, group: string): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(group);
  if (set.size === 0) index.delete(key);
}
