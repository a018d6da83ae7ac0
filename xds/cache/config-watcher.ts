/**
 * The contract between the xDS cache and the ADS server: the server depends only on this interface
 * (as go-control-plane's server depends on ConfigWatcher). Resources are already encoded; versions are
 * content hashes, so a version string always denotes the same bytes, across restarts and replicas.
 */
import { createHash } from 'node:crypto';
import type { ResourceTypeUrl } from '../protos/envoy-protos.js';
import { versionOfResources } from './type-version.js';

export interface EncodedResource {
  readonly name: string;
  /** Content hash of `value` (hex). */
  readonly version: string;
  /** The serialized resource message (the `value` of the Any). */
  readonly value: Uint8Array;
}

export interface TypeSnapshot {
  /** Hash over the (name, version) pairs (type-version.ts): the SotW `version_info` of this type. */
  readonly version: string;
  readonly resources: ReadonlyMap<string, EncodedResource>;
}

export interface GroupSnapshot {
  readonly group: string;
  /** Every served type is present (possibly with no resources). */
  readonly types: ReadonlyMap<ResourceTypeUrl, TypeSnapshot>;
}

/**
 * Which form of a group's config a gateway gets: `serving`, or `draining` for a gateway drained through
 * the controller (its listeners in their draining form, see docs/drain.md; every other type the same).
 */
export type ConfigView = 'serving' | 'draining';

export interface ConfigWatcher {
  /** True once the first full translation has been stored; the server answers nothing before. */
  isReady(): boolean;
  /** Resolves when isReady() becomes true. */
  whenReady(): Promise<void>;
  /**
   * The current snapshot of a gateway group (an empty one for a group the config does not know), in the
   * given view (default `serving`).
   */
  snapshot(group: string, view?: ConfigView): GroupSnapshot;
  /**
   * Calls `listener` after every change to the group's snapshot (either view), with the `serving`
   * snapshot, the types that changed in either view and, when the watcher knows them, the names that
   * changed per type (added, updated or removed, in either view). A changed type without an entry in
   * `names` may have changed anywhere.
   */
  subscribe(
    group: string,
    listener: (snapshot: GroupSnapshot, changed: ReadonlySet<ResourceTypeUrl>, names?: ChangedNames) => void,
  ): () => void;
}

/** Per changed type, the names whose resource was added, updated or removed (in either view). */
export type ChangedNames = ReadonlyMap<ResourceTypeUrl, ReadonlySet<string>>;

/** A resource before encoding, in Envoy's canonical proto3 JSON form. */
export interface PlainResource {
  readonly name: string;
  readonly resource: object;
  /** The resource as a draining gateway gets it, when that differs (listeners; see docs/drain.md). */
  readonly draining?: object;
}

export type GroupResources = ReadonlyMap<ResourceTypeUrl, readonly PlainResource[]>;

/**
 * How versions are computed, shared by the cache and the ADS server (which needs a version for a
 * response it assembles itself, e.g. clusters kept back for make-before-break): the first 16 hex
 * characters of a sha256.
 */
export function resourceVersion(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

/**
 * The version of a set of resources: a hash of its `name:version` pairs, order-independent, in buckets so
 * that the cache can keep it up to date per change (type-version.ts).
 */
export function typeVersion(
  resources: Iterable<{ readonly name: string; readonly version: string }>,
): string {
  return versionOfResources(resources);
}
