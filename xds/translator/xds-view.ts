/**
 * A group's xDS resources as a plain object of lists (`clusters`, `endpoints`, ...), for people to read:
 * golden files and `causeway translate`. `mapResource` may rewrite a resource (e.g. redact keys).
 */
import type { GroupResources } from '../cache/config-watcher.js';
import { RESOURCE_LIST_NAMES, resourceKindOf, type ResourceTypeUrl } from '../protos/envoy-protos.js';

export type GroupView = Partial<
  Record<(typeof RESOURCE_LIST_NAMES)[keyof typeof RESOURCE_LIST_NAMES], object[]>
>;

export function groupView(
  types: GroupResources,
  mapResource: (typeUrl: ResourceTypeUrl, resource: object) => object = (_t, r) => r,
): GroupView {
  const view: GroupView = {};
  for (const [typeUrl, resources] of types) {
    const kind = resourceKindOf(typeUrl);
    if (kind) view[RESOURCE_LIST_NAMES[kind]] = resources.map((r) => mapResource(typeUrl, r.resource));
  }
  return view;
}

/** Every group's view, keyed by group name (only the groups `keep` accepts). */
export function xdsView(
  xds: ReadonlyMap<string, GroupResources>,
  mapResource?: (typeUrl: ResourceTypeUrl, resource: object) => object,
  keep: (group: string) => boolean = () => true,
): Record<string, GroupView> {
  const out: Record<string, GroupView> = {};
  for (const [group, types] of xds) if (keep(group)) out[group] = groupView(types, mapResource);
  return out;
}
