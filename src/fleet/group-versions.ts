/** The current version of each served type of some gateway groups, read from the config watcher. */
import type { ConfigWatcher } from '../../xds/cache/config-watcher.js';
import { RESOURCE_TYPES } from '../../xds/protos/envoy-protos.js';
import type { ResourceKind } from '../../xds/protos/envoy-protos.js';
import type { GroupVersions } from './fleet-view.js';

export function groupVersionsOf(
  watcher: ConfigWatcher,
  groups: Iterable<string>,
): ReadonlyMap<string, GroupVersions> {
  const out = new Map<string, GroupVersions>();
  for (const group of groups) {
    const snapshot = watcher.snapshot(group);
    const versions: Partial<Record<ResourceKind, string>> = {};
    for (const kind of Object.keys(RESOURCE_TYPES) as ResourceKind[]) {
      const v = snapshot.types.get(RESOURCE_TYPES[kind])?.version;
      if (v !== undefined) versions[kind] = v;
    }
    out.set(group, versions);
  }
  return out;
}
