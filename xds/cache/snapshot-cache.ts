/**
 * The xDS snapshot cache: one immutable GroupSnapshot per gateway group, built from canonical proto3 JSON
 * resources. Resources are encoded once here; the ADS server sends these bytes as they are.
 *
 * Versions are content hashes (see config-watcher.ts), so an unchanged resource keeps its version across
 * translations, restarts and replicas, and a type whose resources did not change keeps its version and
 * its TypeSnapshot object. Subscribers hear only about groups whose types changed, with the set of
 * changed types and the names that changed in each.
 *
 * Work per change is O(changed resources): a type's resources live in persistent bucketed maps
 * (resource-index.ts) whose version is kept up to date bucket by bucket (type-version.ts), so an update
 * of one ClusterLoadAssignment encodes that one resource and copies one bucket, not the type.
 *
 * Each group also has a `draining` view (ConfigView): the same TypeSnapshots, except that resources with
 * a draining form (`PlainResource.draining`, the listeners) are in that form. Both views are built and
 * encoded together, so switching a gateway between them costs nothing and sends only what differs.
 */
import type {
  ChangedNames,
  ConfigView,
  ConfigWatcher,
  EncodedResource,
  GroupResources,
  GroupSnapshot,
  PlainResource,
  TypeSnapshot,
} from './config-watcher.js';
import { resourceVersion } from './config-watcher.js';
import { ChunkedMap, ResourceIndex } from './resource-index.js';
import type { ResourceTypeUrl } from '../protos/envoy-protos.js';
import { PUSH_ORDER, encodeResource } from '../protos/envoy-protos.js';

export type SnapshotListener = (
  snapshot: GroupSnapshot,
  changed: ReadonlySet<ResourceTypeUrl>,
  names: ChangedNames,
) => void;

export interface SnapshotCacheOptions {
  /** Called when a subscriber throws; the other subscribers are still notified. Default: console.error. */
  readonly onListenerError?: (error: unknown, group: string) => void;
  /**
   * Called once per resource the cache encodes (a draining form counts on its own): tests and metrics
   * count encodes with it.
   */
  readonly onEncode?: (typeUrl: ResourceTypeUrl, name: string) => void;
}

/** One type of one group: the entries (with the plain objects they were encoded from) and both views. */
interface TypeState {
  readonly entries: ChunkedMap<Entry>;
  readonly index: ResourceIndex;
  readonly serving: TypeSnapshot;
  /** The `draining` view: `serving` itself when no resource of the type has a draining form. */
  readonly draining: TypeSnapshot;
  /** The draining forms (listeners), by name; few, so copied on change. */
  readonly drainForms: ReadonlyMap<string, EncodedResource>;
}

interface GroupState {
  readonly snapshot: GroupSnapshot;
  /** The `draining` view: `snapshot` with the draining form of the resources that have one. */
  readonly draining: GroupSnapshot;
  readonly types: ReadonlyMap<ResourceTypeUrl, TypeState>;
}

/** What an update of one type did: the new state and the names that changed in either view. */
interface TypeUpdate {
  readonly state: TypeState;
  readonly changed: ReadonlySet<string>;
}

const EMPTY_TYPE: TypeSnapshot = Object.freeze({
  version: ResourceIndex.EMPTY.version,
  resources: ResourceIndex.EMPTY,
});
const EMPTY_TYPE_STATE: TypeState = Object.freeze({
  entries: ChunkedMap.empty<Entry>(),
  index: ResourceIndex.EMPTY,
  serving: EMPTY_TYPE,
  draining: EMPTY_TYPE,
  drainForms: new Map(),
});
const EMPTY_TYPES: ReadonlyMap<ResourceTypeUrl, TypeSnapshot> = new Map(
  PUSH_ORDER.map((t) => [t, EMPTY_TYPE]),
);
const EMPTY_TYPE_STATES: ReadonlyMap<ResourceTypeUrl, TypeState> = new Map(
  PUSH_ORDER.map((t) => [t, EMPTY_TYPE_STATE]),
);
const SERVED_TYPES: ReadonlySet<string> = new Set(PUSH_ORDER);

function emptyState(group: string): GroupState {
  const snapshot = emptySnapshot(group);
  return { snapshot, draining: snapshot, types: EMPTY_TYPE_STATES };
}

function emptySnapshot(group: string): GroupSnapshot {
  return { group, types: EMPTY_TYPES };
}

function assertServedType(typeUrl: string): asserts typeUrl is ResourceTypeUrl {
  if (!SERVED_TYPES.has(typeUrl)) throw new Error(`snapshot cache: type ${typeUrl} is not served`);
}

function duplicate(typeUrl: ResourceTypeUrl, name: string, group: string): Error {
  return new Error(`snapshot cache: duplicate ${typeUrl} ${JSON.stringify(name)} in ${group}`);
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

type EncodeHook = (typeUrl: ResourceTypeUrl, name: string) => void;

function encodeOne(typeUrl: ResourceTypeUrl, name: string, resource: object, onEncode: EncodeHook): Encoded {
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
  onEncode(typeUrl, name);
  return { encoded: { name, version: resourceVersion(value), value }, plain: structuredClone(resource) };
}

/** Encodes `r` (and its draining form), unless both are deep-equal to what `previous` was encoded from. */
function encodeEntry(
  typeUrl: ResourceTypeUrl,
  r: PlainResource,
  previous: Entry | undefined,
  onEncode: EncodeHook,
): Entry {
  if (previous && deepEqual(previous.plain, r.resource) && deepEqual(previous.draining?.plain, r.draining))
    return previous;
  const serving = encodeOne(typeUrl, r.name, r.resource, onEncode);
  return r.draining === undefined
    ? serving
    : { ...serving, draining: encodeOne(typeUrl, r.name, r.draining, onEncode) };
}

function typeSnapshotOf(index: ResourceIndex, previous: TypeSnapshot): TypeSnapshot {
  return index.version === previous.version && index === previous.resources
    ? previous
    : { version: index.version, resources: index };
}

/**
 * Applies new entries (those not identical to the stored ones) and removals to one type, in O(change):
 * the persistent maps copy only the buckets they touch. Returns the previous state when nothing changed.
 */
function updateType(prev: TypeState, entries: readonly Entry[], removals: readonly string[]): TypeUpdate {
  const changed = new Set<string>();
  const serving: EncodedResource[] = [];
  let forms: Map<string, EncodedResource> | undefined;
  const formsToChange = (): Map<string, EncodedResource> => (forms ??= new Map(prev.drainForms));
  const gone = removals.filter((name) => prev.entries.has(name));
  const goneSet = new Set(gone);
  for (const name of gone) {
    changed.add(name);
    if (prev.drainForms.has(name)) formsToChange().delete(name);
  }
  for (const e of entries) {
    const name = e.encoded.name;
    const before = goneSet.has(name) ? undefined : prev.entries.get(name);
    if (before?.encoded.version !== e.encoded.version) {
      serving.push(e.encoded);
      changed.add(name);
    }
    if (before?.draining?.encoded.version !== e.draining?.encoded.version) {
      changed.add(name);
      if (e.draining) formsToChange().set(name, e.draining.encoded);
      else formsToChange().delete(name);
    }
  }
  const { map: entryMap } = prev.entries.with(
    entries.map((e) => [e.encoded.name, e] as const),
    gone,
  );
  if (entryMap === prev.entries && changed.size === 0) return { state: prev, changed };
  const index = prev.index.with(serving, gone);
  const servingSnapshot = typeSnapshotOf(index, prev.serving);
  const drainForms = forms ?? prev.drainForms;
  let draining: TypeSnapshot;
  if (drainForms.size === 0) draining = servingSnapshot;
  else if (servingSnapshot === prev.serving && drainForms === prev.drainForms) draining = prev.draining;
  else draining = typeSnapshotOf(index.with(drainForms.values(), []), prev.draining);
  return {
    state: { entries: entryMap, index, serving: servingSnapshot, draining, drainForms },
    changed,
  };
}

/** A whole type of a full translation: encodes what is new, removes what is gone (O(resources)). */
function replaceType(
  group: string,
  typeUrl: ResourceTypeUrl,
  list: readonly PlainResource[],
  prev: TypeState,
  onEncode: EncodeHook,
): TypeUpdate {
  const seen = new Set<string>();
  const entries: Entry[] = [];
  for (const r of list) {
    if (seen.has(r.name)) throw duplicate(typeUrl, r.name, group);
    seen.add(r.name);
    const before = prev.entries.get(r.name);
    const entry = encodeEntry(typeUrl, r, before, onEncode);
    if (entry !== before) entries.push(entry);
  }
  const removals: string[] = [];
  for (const [name] of prev.entries.unordered()) if (!seen.has(name)) removals.push(name);
  return updateType(prev, entries, removals);
}

/** The group state with some types replaced; `updates` holds only types that changed. */
function withTypes(
  group: string,
  previous: GroupState,
  updates: ReadonlyMap<ResourceTypeUrl, TypeState>,
): GroupState {
  if (updates.size === 0) return previous;
  const types = new Map(previous.types);
  for (const [t, s] of updates) types.set(t, s);
  const serving = new Map<ResourceTypeUrl, TypeSnapshot>();
  const draining = new Map<ResourceTypeUrl, TypeSnapshot>();
  for (const t of PUSH_ORDER) {
    const s = types.get(t) ?? EMPTY_TYPE_STATE;
    serving.set(t, s.serving);
    draining.set(t, s.draining);
  }
  return { snapshot: { group, types: serving }, draining: { group, types: draining }, types };
}

/** The types of a group whose content changed, with their changed names. */
type GroupChange = Map<ResourceTypeUrl, ReadonlySet<string>>;

function buildGroup(
  group: string,
  resources: GroupResources,
  previous: GroupState,
  onEncode: EncodeHook,
): { state: GroupState; change: GroupChange } {
  for (const typeUrl of resources.keys()) assertServedType(typeUrl);
  const updates = new Map<ResourceTypeUrl, TypeState>();
  const change: GroupChange = new Map();
  for (const typeUrl of PUSH_ORDER) {
    const prev = previous.types.get(typeUrl) ?? EMPTY_TYPE_STATE;
    const { state, changed } = replaceType(group, typeUrl, resources.get(typeUrl) ?? [], prev, onEncode);
    if (state !== prev) updates.set(typeUrl, state);
    if (changed.size > 0) change.set(typeUrl, changed);
  }
  return { state: withTypes(group, previous, updates), change };
}

/** Everything a group had, as removed names (the group left the translation). */
function removedGroupChange(previous: GroupState): GroupChange {
  const change: GroupChange = new Map();
  for (const [typeUrl, s] of previous.types) {
    const names = new Set<string>();
    for (const [name] of s.entries.unordered()) names.add(name);
    if (names.size > 0) change.set(typeUrl, names);
  }
  return change;
}

export class SnapshotCache implements ConfigWatcher {
  private states = new Map<string, GroupState>();
  private readonly listeners = new Map<string, Set<SnapshotListener>>();
  private ready = false;
  private readonly readyPromise: Promise<void>;
  private resolveReady: () => void = () => undefined;
  private readonly onListenerError: (error: unknown, group: string) => void;
  private readonly onEncode: EncodeHook;

  constructor(options: SnapshotCacheOptions = {}) {
    this.readyPromise = new Promise((resolve) => {
      this.resolveReady = resolve;
    });
    this.onListenerError =
      options.onListenerError ??
      ((error, group) => console.error(`snapshot cache: subscriber of group ${group} failed`, error));
    this.onEncode = options.onEncode ?? (() => undefined);
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
   * become empty. Marks the cache ready. Only resources whose plain object changed are encoded again;
   * subscribers hear which names changed.
   */
  setAll(groups: ReadonlyMap<string, GroupResources>): void {
    const next = new Map<string, GroupState>();
    const changes = new Map<string, GroupChange>();
    for (const group of [...groups.keys()].sort()) {
      const previous = this.states.get(group) ?? emptyState(group);
      const { state, change } = buildGroup(group, groups.get(group) ?? new Map(), previous, this.onEncode);
      next.set(group, state);
      if (change.size > 0) changes.set(group, change);
    }
    for (const [group, state] of this.states)
      if (!next.has(group)) {
        const change = removedGroupChange(state);
        if (change.size > 0) changes.set(group, change);
      }
    this.states = next;
    if (!this.ready) {
      this.ready = true;
      this.resolveReady();
    }
    for (const group of [...changes.keys()].sort())
      this.notify(next.get(group)?.snapshot ?? emptySnapshot(group), changes.get(group)!);
  }

  /**
   * Stores the translation of some groups (those an incremental translation changed) and empties the
   * `removed` ones, as setAll would with every other group unchanged; other groups keep their snapshots
   * (and any updateResources since). Everything is encoded before anything is stored. Marks the cache ready.
   */
  setGroups(groups: ReadonlyMap<string, GroupResources>, removed: readonly string[]): void {
    const changes = new Map<string, GroupChange>();
    for (const group of [...groups.keys()].sort()) {
      const previous = this.states.get(group) ?? emptyState(group);
      const { state, change } = buildGroup(group, groups.get(group)!, previous, this.onEncode);
      this.states.set(group, state);
      if (change.size > 0) changes.set(group, change);
    }
    for (const group of removed) {
      const previous = this.states.get(group);
      if (groups.has(group) || previous === undefined) continue;
      this.states.delete(group);
      const change = removedGroupChange(previous);
      if (change.size > 0) changes.set(group, change);
    }
    if (!this.ready) {
      this.ready = true;
      this.resolveReady();
    }
    for (const group of [...changes.keys()].sort())
      this.notify(this.states.get(group)?.snapshot ?? emptySnapshot(group), changes.get(group)!);
  }

  /**
   * Changes some resources of one type of one group (an EndpointSlice change touching a few
   * ClusterLoadAssignments). Removals apply first, then upserts. Notifies only if bytes changed. Costs
   * O(upserts + removals), whatever the size of the type.
   */
  updateResources(
    group: string,
    typeUrl: ResourceTypeUrl,
    upserts: readonly PlainResource[],
    removals: readonly string[],
  ): void {
    assertServedType(typeUrl);
    const state = this.states.get(group) ?? emptyState(group);
    const prev = state.types.get(typeUrl) ?? EMPTY_TYPE_STATE;
    const removed = new Set(removals);
    const upserted = new Set<string>();
    const entries: Entry[] = [];
    for (const r of upserts) {
      if (upserted.has(r.name)) throw duplicate(typeUrl, r.name, group);
      upserted.add(r.name);
      const before = removed.has(r.name) ? undefined : prev.entries.get(r.name);
      const entry = encodeEntry(typeUrl, r, before, this.onEncode);
      if (entry !== before) entries.push(entry);
    }
    const { state: next, changed } = updateType(prev, entries, removals);
    if (next.serving === prev.serving && next.draining === prev.draining) {
      if (next !== prev) this.states.set(group, withTypes(group, state, new Map([[typeUrl, next]])));
      return;
    }
    const after = withTypes(group, state, new Map([[typeUrl, next]]));
    this.states.set(group, after);
    this.notify(after.snapshot, new Map([[typeUrl, changed]]));
  }

  private notify(snapshot: GroupSnapshot, change: ReadonlyMap<ResourceTypeUrl, ReadonlySet<string>>): void {
    const set = this.listeners.get(snapshot.group);
    if (!set) return;
    const types = new Set(PUSH_ORDER.filter((t) => change.has(t)));
    for (const listener of [...set]) {
      try {
        listener(snapshot, types, change);
      } catch (err) {
        this.onListenerError(err, snapshot.group);
      }
    }
  }
}
