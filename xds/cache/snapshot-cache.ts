/**
 * The xDS snapshot cache: one immutable GroupSnapshot per gateway group, built from canonical proto3 JSON
 * resources. Resources are encoded once here; the ADS server sends these bytes as they are.
 *
 * Versions are content hashes (see config-watcher.ts), so an unchanged resource keeps its version across
 * translations, restarts and replicas, and a type whose resources did not change keeps its version and
 * its TypeSnapshot object. Subscribers hear only about groups whose types changed, with the set of
 * changed types.
 *
 * Each group also has a `draining` view (ConfigView): the same TypeSnapshots, except that resources with
 * a draining form (`PlainResource.draining`, the listeners) are in that form. Both views are built and
 * encoded together, so switching a gateway between them costs nothing and sends only what differs.
 */
import type {
  ConfigView,
  ConfigWatcher,
  EncodedResource,
  GroupResources,
  GroupSnapshot,
  PlainResource,
  TypeSnapshot,
} from './config-watcher.js';
import { resourceVersion, typeVersion } from './config-watcher.js';
import type { ResourceTypeUrl } from '../protos/envoy-protos.js';
import { PUSH_ORDER, encodeResource } from '../protos/envoy-protos.js';

export type SnapshotListener = (snapshot: GroupSnapshot, changed: ReadonlySet<ResourceTypeUrl>) => void;

export interface SnapshotCacheOptions {
  /** Called when a subscriber throws; the other subscribers are still notified. Default: console.error. */
  readonly onListenerError?: (error: unknown, group: string) => void;
}

/** Per type: each resource's entry (with the plain objects it was encoded from), to skip re-encoding. */
type EntryIndex = ReadonlyMap<ResourceTypeUrl, ReadonlyMap<string, Entry>>;

interface GroupState {
  readonly snapshot: GroupSnapshot;
  /** The `draining` view: `snapshot` with the draining form of the resources that have one. */
  readonly draining: GroupSnapshot;
  readonly entries: EntryIndex;
}

const EMPTY_TYPE: TypeSnapshot = Object.freeze({ version: typeVersion([]), resources: new Map() });
const EMPTY_TYPES: ReadonlyMap<ResourceTypeUrl, TypeSnapshot> = new Map(
  PUSH_ORDER.map((t) => [t, EMPTY_TYPE]),
);
const SERVED_TYPES: ReadonlySet<string> = new Set(PUSH_ORDER);

function emptyState(group: string): GroupState {
  const snapshot = emptySnapshot(group);
  return { snapshot, draining: snapshot, entries: new Map() };
}

function emptySnapshot(group: string): GroupSnapshot {
  return { group, types: EMPTY_TYPES };
}

function assertServedType(typeUrl: string): asserts typeUrl is ResourceTypeUrl {
  if (!SERVED_TYPES.has(typeUrl)) throw new Error(`snapshot cache: type ${typeUrl} is not served`);
}

function byName(a: { readonly name: string }, b: { readonly name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Structural equality of JSON-like values (what canonical proto3 JSON is made of). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(rb, k) && deepEqual(ra[k], rb[k]));
}

interface Encoded {
  readonly encoded: EncodedResource;
  readonly plain: object;
}

interface Entry extends Encoded {
  /** The draining form, when the resource has one. */
  readonly draining?: Encoded;
}

function encodeOne(typeUrl: ResourceTypeUrl, name: string, resource: object): Encoded {
  let value: Uint8Array;
  try {
    value = encodeResource(typeUrl, resource);
  } catch (err) {
    throw new Error(
      `snapshot cache: cannot encode ${typeUrl} ${JSON.stringify(name)}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  return { encoded: { name, version: resourceVersion(value), value }, plain: structuredClone(resource) };
}

/** Encodes `r` (and its draining form), unless both are deep-equal to what `previous` was encoded from. */
function encodeEntry(typeUrl: ResourceTypeUrl, r: PlainResource, previous: Entry | undefined): Entry {
  if (previous && deepEqual(previous.plain, r.resource) && deepEqual(previous.draining?.plain, r.draining))
    return previous;
  const serving = encodeOne(typeUrl, r.name, r.resource);
  return r.draining === undefined
    ? serving
    : { ...serving, draining: encodeOne(typeUrl, r.name, r.draining) };
}

/** Builds a TypeSnapshot from encoded resources; returns `previous` itself when nothing changed. */
function typeSnapshotOf(encoded: readonly EncodedResource[], previous: TypeSnapshot): TypeSnapshot {
  const sorted = [...encoded].sort(byName);
  const resources = new Map(sorted.map((e) => [e.name, e]));
  const version = typeVersion(resources.values());
  return version === previous.version ? previous : { version, resources };
}

/** The serving and draining TypeSnapshots of a type's entries (the same object when no entry drains). */
function typeSnapshotsOf(
  entries: readonly Entry[],
  previous: GroupState,
  typeUrl: ResourceTypeUrl,
): { serving: TypeSnapshot; draining: TypeSnapshot } {
  const serving = typeSnapshotOf(
    entries.map((e) => e.encoded),
    previous.snapshot.types.get(typeUrl) ?? EMPTY_TYPE,
  );
  if (!entries.some((e) => e.draining)) return { serving, draining: serving };
  const draining = typeSnapshotOf(
    entries.map((e) => e.draining?.encoded ?? e.encoded),
    previous.draining.types.get(typeUrl) ?? EMPTY_TYPE,
  );
  return { serving, draining };
}

function buildGroup(group: string, resources: GroupResources, previous: GroupState): GroupState {
  for (const typeUrl of resources.keys()) assertServedType(typeUrl);
  const types = new Map<ResourceTypeUrl, TypeSnapshot>();
  const drainingTypes = new Map<ResourceTypeUrl, TypeSnapshot>();
  const index = new Map<ResourceTypeUrl, ReadonlyMap<string, Entry>>();
  for (const typeUrl of PUSH_ORDER) {
    const list = resources.get(typeUrl) ?? [];
    const seen = new Set<string>();
    const entries: Entry[] = [];
    for (const r of list) {
      if (seen.has(r.name))
        throw new Error(`snapshot cache: duplicate ${typeUrl} ${JSON.stringify(r.name)} in ${group}`);
      seen.add(r.name);
      entries.push(encodeEntry(typeUrl, r, previous.entries.get(typeUrl)?.get(r.name)));
    }
    const { serving, draining } = typeSnapshotsOf(entries, previous, typeUrl);
    types.set(typeUrl, serving);
    drainingTypes.set(typeUrl, draining);
    index.set(typeUrl, new Map(entries.map((e) => [e.encoded.name, e])));
  }
  return { snapshot: { group, types }, draining: { group, types: drainingTypes }, entries: index };
}

/** The types whose version changed in either view. */
function changedTypes(before: GroupState, after: GroupState): Set<ResourceTypeUrl> {
  const changed = new Set<ResourceTypeUrl>();
  for (const typeUrl of PUSH_ORDER) {
    if (
      before.snapshot.types.get(typeUrl)?.version !== after.snapshot.types.get(typeUrl)?.version ||
      before.draining.types.get(typeUrl)?.version !== after.draining.types.get(typeUrl)?.version
    )
      changed.add(typeUrl);
  }
  return changed;
}

export class SnapshotCache implements ConfigWatcher {
  private states = new Map<string, GroupState>();
  private readonly listeners = new Map<string, Set<SnapshotListener>>();
  private ready = false;
  private readonly readyPromise: Promise<void>;
  private resolveReady: () => void = () => undefined;
  private readonly onListenerError: (error: unknown, group: string) => void;

  constructor(options: SnapshotCacheOptions = {}) {
    this.readyPromise = new Promise((resolve) => {
      this.resolveReady = resolve;
    });
    this.onListenerError =
      options.onListenerError ??
      ((error, group) => console.error(`snapshot cache: subscriber of group ${group} failed`, error));
  }

  isReady(): boolean {
    return this.ready;
  }

  whenReady(): Promise<void> {
    return this.readyPromise;
  }

  snapshot(group: string, view: ConfigView = 'serving'): GroupSnapshot {
    const state = this.states.get(group);
    if (!state) return emptySnapshot(group);
    return view === 'draining' ? state.draining : state.snapshot;
  }

  /** The groups the last translation (or an incremental update since) knows, sorted. */
  groups(): string[] {
    return [...this.states.keys()].sort();
  }

  subscribe(group: string, listener: SnapshotListener): () => void {
    let set = this.listeners.get(group);
    if (!set) this.listeners.set(group, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(group) === set) this.listeners.delete(group);
    };
  }

  /**
   * Stores a full translation. Everything is encoded before anything is stored: if a resource does not
   * encode (a translator bug), this throws and the previous snapshots stay. Groups absent from `groups`
   * become empty. Marks the cache ready.
   */
  setAll(groups: ReadonlyMap<string, GroupResources>): void {
    const next = new Map<string, GroupState>();
    for (const group of [...groups.keys()].sort()) {
      next.set(
        group,
        buildGroup(group, groups.get(group) ?? new Map(), this.states.get(group) ?? emptyState(group)),
      );
    }
    const previous = this.states;
    this.states = next;
    const notifications: Array<[GroupSnapshot, Set<ResourceTypeUrl>]> = [];
    for (const group of [...new Set([...previous.keys(), ...next.keys()])].sort()) {
      const after = next.get(group) ?? emptyState(group);
      const changed = changedTypes(previous.get(group) ?? emptyState(group), after);
      if (changed.size > 0) notifications.push([after.snapshot, changed]);
    }
    if (!this.ready) {
      this.ready = true;
      this.resolveReady();
    }
    for (const [snapshot, changed] of notifications) this.notify(snapshot, changed);
  }

  /**
   * Stores the translation of some groups (those an incremental translation changed) and empties the
   * `removed` ones, as setAll would with every other group unchanged; other groups keep their snapshots
   * (and any updateResources since). Everything is encoded before anything is stored. Marks the cache ready.
   */
  setGroups(groups: ReadonlyMap<string, GroupResources>, removed: readonly string[]): void {
    const next = new Map<string, GroupState>();
    for (const group of [...groups.keys()].sort())
      next.set(group, buildGroup(group, groups.get(group)!, this.states.get(group) ?? emptyState(group)));
    for (const group of removed)
      if (!groups.has(group) && this.states.has(group)) next.set(group, emptyState(group));
    const notifications: Array<[GroupSnapshot, Set<ResourceTypeUrl>]> = [];
    for (const group of [...next.keys()].sort()) {
      const after = next.get(group)!;
      const changed = changedTypes(this.states.get(group) ?? emptyState(group), after);
      if (groups.has(group)) this.states.set(group, after);
      else this.states.delete(group);
      if (changed.size > 0) notifications.push([after.snapshot, changed]);
    }
    if (!this.ready) {
      this.ready = true;
      this.resolveReady();
    }
    for (const [snapshot, changed] of notifications) this.notify(snapshot, changed);
  }

  /**
   * Changes some resources of one type of one group (an EndpointSlice change touching a few
   * ClusterLoadAssignments). Removals apply first, then upserts. Notifies only if bytes changed.
   */
  updateResources(
    group: string,
    typeUrl: ResourceTypeUrl,
    upserts: readonly PlainResource[],
    removals: readonly string[],
  ): void {
    assertServedType(typeUrl);
    const state = this.states.get(group) ?? emptyState(group);
    const entries = new Map<string, Entry>(state.entries.get(typeUrl) ?? []);
    for (const name of removals) entries.delete(name);
    const upserted = new Set<string>();
    for (const r of upserts) {
      if (upserted.has(r.name))
        throw new Error(`snapshot cache: duplicate ${typeUrl} ${JSON.stringify(r.name)} in ${group}`);
      upserted.add(r.name);
      entries.set(r.name, encodeEntry(typeUrl, r, entries.get(r.name)));
    }
    const { serving, draining } = typeSnapshotsOf([...entries.values()], state, typeUrl);
    if (serving === state.snapshot.types.get(typeUrl) && draining === state.draining.types.get(typeUrl))
      return;
    const snapshot: GroupSnapshot = { group, types: new Map(state.snapshot.types).set(typeUrl, serving) };
    const drainingSnapshot: GroupSnapshot = {
      group,
      types: new Map(state.draining.types).set(typeUrl, draining),
    };
    const index = new Map(state.entries).set(typeUrl, entries);
    this.states.set(group, { snapshot, draining: drainingSnapshot, entries: index });
    this.notify(snapshot, new Set([typeUrl]));
  }

  private notify(snapshot: GroupSnapshot, changed: ReadonlySet<ResourceTypeUrl>): void {
    const set = this.listeners.get(snapshot.group);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(snapshot, changed);
      } catch (err) {
        this.onListenerError(err, snapshot.group);
      }
    }
  }
}
