/**
 * The endpoint policy every backend of a gateway group shares (its home cluster and the clusters'
 * zones), read from the group's settings. Used by the full translation (group-builder.ts) and the
 * EndpointSlice fast path (refresh-backends.ts), so both select endpoints alike.
 */
import type { GroupEndpointPolicy } from '../ingress/endpoints.js';
import type { GroupSettings } from './translate-options.js';

export function groupEndpointPolicy(
  settings: GroupSettings,
  clusterZones: Readonly<Record<string, string>> = {},
): GroupEndpointPolicy {
  return {
    ...(settings.homeCluster !== undefined ? { homeCluster: settings.homeCluster } : {}),
    clusterZones,
  };
}
