/**
 * SotW listener and cluster responses carry every resource of the type, the same list for every stream
 * of a group at one version: its encoding (the `resources` field of the DiscoveryResponse, the Any
 * wrappers around the cache's bytes) is done once per (cache snapshot of the type, type URL) and shared;
 * each stream encodes only its own version, type and nonce (discovery-messages.ts, `encoded_resources`).
 * Kept in a WeakMap on the snapshot's resource map, so it goes when the snapshot does.
 */
import type { EncodedResource } from '../cache/config-watcher.js';
import { encodeDiscoveryResources } from './discovery-messages.js';

const memo = new WeakMap<object, Map<string, Uint8Array>>();

/** The encoded `resources` field for `resources`, all of the (immutable) resource set `key`. */
export function sharedResources(
  key: object,
  typeUrl: string,
  resources: readonly EncodedResource[],
): Uint8Array {
  let byType = memo.get(key);
  if (!byType) memo.set(key, (byType = new Map()));
  let bytes = byType.get(typeUrl);
  if (!bytes) {
    bytes = encodeDiscoveryResources(resources.map((r) => ({ type_url: typeUrl, value: r.value })));
    byType.set(typeUrl, bytes);
  }
  return bytes;
}
