/**
 * An immutable, sorted, string-keyed map that is updated by making a new version which shares all but the
 * changed part with the old one (a persistent map), for the ResourceSet: a source updates it per change,
 * while every reader (the runner's previous set, the applied-state stream) keeps the version it was given.
 *
 * Structure: the entries, sorted by key (or by `compare`), are cut into chunks of 32 to 128 entries; a
 * version is an array of frozen chunks, each a sorted key array and its value array. A lookup is a
 * binary search over the chunks' last keys, then in the chunk. An update of k keys copies the chunk array
 * and each touched chunk once (only its value array when no key comes or goes): O(n/C + k·C) for n
 * entries in chunks of C, so at 100k entries a change copies ~1.5k slots and a chunk of ~64. Chosen over hash-sharded buckets (measured alike, `resource-set-update.main.ts`) and a
 * HAMT because it iterates in key order whatever the history of updates, as `buildResourceSet`'s sorted
 * input did, and stays small. Two versions that share chunks are compared in O(n/C + changed chunks)
 * by `changedKeys`.
 */

const CHUNK = 64;
const MIN_CHUNK = CHUNK / 2;
const MAX_CHUNK = CHUNK * 2;

interface Chunk<V> {
  /** Sorted; shared between versions when only values changed. */
  readonly keys: readonly string[];
  readonly values: readonly V[];
}

export type KeyOrder = (a: string, b: string) => number;

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const EMPTY_CHUNK: Chunk<never> = { keys: [], values: [] };

export class PersistentMap<V> implements ReadonlyMap<string, V> {
  private constructor(
    private readonly chunks: readonly Chunk<V>[],
    readonly size: number,
    private readonly compare: KeyOrder,
  ) {}

  /** An empty map iterating in `compare` order of the keys (default: by UTF-16 code units). */
  static empty<V>(compare: KeyOrder = compareStrings): PersistentMap<V> {
    return new PersistentMap<V>([], 0, compare);
  }

  static from<V>(
    entries: Iterable<readonly [string, V]>,
    compare: KeyOrder = compareStrings,
  ): PersistentMap<V> {
    return PersistentMap.empty<V>(compare).withChanges(entries);
  }

  /** The index of the chunk that holds (or would hold) `key`: the first whose last key is not before it. */
  private chunkIndex(key: string): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    if (hi < 0) return 0;
    const lastKeys = this.chunks[hi]!.keys;
    if (this.compare(key, lastKeys[lastKeys.length - 1]!) > 0) return hi;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const keys = this.chunks[mid]!.keys;
      if (this.compare(keys[keys.length - 1]!, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The index of `key` in sorted `keys`, or -(insertion point) - 1. */
  private search(keys: readonly string[], key: string): number {
    let lo = 0;
    let hi = keys.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.compare(keys[mid]!, key);
      if (c < 0) lo = mid + 1;
      else if (c > 0) hi = mid - 1;
      else return mid;
    }
    return -lo - 1;
  }

  get(key: string): V | undefined {
    const chunk = this.chunks[this.chunkIndex(key)];
    if (chunk === undefined) return undefined;
    const i = this.search(chunk.keys, key);
    return i >= 0 ? chunk.values[i] : undefined;
  }

  has(key: string): boolean {
    const chunk = this.chunks[this.chunkIndex(key)];
    return chunk !== undefined && this.search(chunk.keys, key) >= 0;
  }

  *entries(): MapIterator<[string, V]> {
    for (const c of this.chunks) for (let i = 0; i < c.keys.length; i++) yield [c.keys[i]!, c.values[i]!];
  }

  *keys(): MapIterator<string> {
    for (const c of this.chunks) yield* c.keys;
  }

  *values(): MapIterator<V> {
    for (const c of this.chunks) yield* c.values;
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: string, map: ReadonlyMap<string, V>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) callback.call(thisArg, v, k, this);
  }

  /** A copy with `key` set to `value`. */
  set(key: string, value: V): PersistentMap<V> {
    return this.withChanges([[key, value]]);
  }

  /** A copy without `key`. */
  delete(key: string): PersistentMap<V> {
    return this.withChanges([[key, undefined]]);
  }

  /**
   * A copy with every change applied in order (`undefined`: delete the key). Each touched chunk is copied
   * once whatever the number of changes (only its values when no key comes or goes); returns `this` when
   * no value changed (by identity).
   */
  withChanges(changes: Iterable<readonly [string, V | undefined]>): PersistentMap<V> {
    const byChunk = new Map<number, Map<string, V | undefined>>();
    for (const [key, value] of changes) {
      const index = this.chunkIndex(key);
      let edits = byChunk.get(index);
      if (edits === undefined) byChunk.set(index, (edits = new Map()));
      edits.set(key, value);
    }
    let size = this.size;
    const replaced = new Map<number, Chunk<V> | Chunk<V>[]>();
    for (const [index, edits] of byChunk) {
      const old = (this.chunks[index] as Chunk<V> | undefined) ?? (EMPTY_CHUNK as Chunk<V>);
      const next = this.edited(old, edits);
      if (next === old) continue;
      size += countOf(next) - old.keys.length;
      replaced.set(index, next);
    }
    if (replaced.size === 0) return this;
    return new PersistentMap(this.rebalanced(replaced), size, this.compare);
  }

  /** One chunk with its edits: itself when nothing changed, else the new chunks. */
  private edited(old: Chunk<V>, edits: ReadonlyMap<string, V | undefined>): Chunk<V> | Chunk<V>[] {
    let values: V[] | undefined;
    let reshaped = false;
    for (const [key, value] of edits) {
      const i = this.search(old.keys, key);
      if (i < 0 ? value !== undefined : value === undefined) reshaped = true;
      else if (i >= 0 && (values ?? old.values)[i] !== value) (values ??= [...old.values])[i] = value as V;
    }
    if (!reshaped) return values === undefined ? old : { keys: old.keys, values };
    const merged = new Map<string, V>();
    for (let i = 0; i < old.keys.length; i++) merged.set(old.keys[i]!, old.values[i]!);
    for (const [key, value] of edits) {
      if (value === undefined) merged.delete(key);
      else merged.set(key, value);
    }
    return this.cut([...merged].sort(([a], [b]) => this.compare(a, b)));
  }

  /** Sorted entries as chunks of CHUNK entries (one chunk when they fit in MAX_CHUNK). */
  private cut(entries: readonly (readonly [string, V])[]): Chunk<V>[] {
    if (entries.length === 0) return [];
    const parts = entries.length <= MAX_CHUNK ? 1 : Math.ceil(entries.length / CHUNK);
    const per = Math.ceil(entries.length / parts);
    const out: Chunk<V>[] = [];
    for (let i = 0; i < entries.length; i += per) {
      const part = entries.slice(i, i + per);
      out.push({ keys: part.map(([k]) => k), values: part.map(([, v]) => v) });
    }
    return out;
  }

  /** The chunk array with the replaced chunks, a chunk below MIN_CHUNK merged into its next neighbour. */
  private rebalanced(replaced: ReadonlyMap<number, Chunk<V> | Chunk<V>[]>): Chunk<V>[] {
    const out: Chunk<V>[] = [];
    const count = Math.max(this.chunks.length, 1);
    for (let i = 0; i < count; i++) {
      const r = replaced.get(i);
      if (Array.isArray(r)) out.push(...(r as Chunk<V>[]));
      else if (r !== undefined) out.push(r as Chunk<V>);
      else if (this.chunks[i] !== undefined) out.push(this.chunks[i]!);
    }
    for (let i = 0; i + 1 < out.length; i++) {
      const a = out[i]!;
      if (a.keys.length >= MIN_CHUNK) continue;
      const b = out[i + 1]!;
      const entries = [...a.keys, ...b.keys].map(
        (k, j) => [k, j < a.keys.length ? a.values[j]! : b.values[j - a.keys.length]!] as const,
      );
      out.splice(i, 2, ...this.cut(entries));
    }
    return out;
  }

  /**
   * Keys whose value differs (by identity) between this version and `other`, or that only one has. In
   * O(n/C + changed chunks) when `other` is a version of the same map, else O(n).
   */
  changedKeys(other: ReadonlyMap<string, V>): string[] {
    if (other === this) return [];
    if (!(other instanceof PersistentMap)) return scanChangedKeys(this, other);
    // A key of a chunk only one version has is, in the other, in a chunk only that one has, or absent.
    const theirs = (other as PersistentMap<V>).chunks;
    const shared = new Set<Chunk<V>>(theirs);
    const mine = new Set<Chunk<V>>(this.chunks);
    const before = new Map<string, V>();
    for (const c of theirs) if (!mine.has(c)) c.keys.forEach((k, i) => before.set(k, c.values[i]!));
    const out: string[] = [];
    for (const c of this.chunks) {
      if (shared.has(c)) continue;
      c.keys.forEach((k, i) => {
        if (before.get(k) !== c.values[i] || !before.has(k)) out.push(k);
        before.delete(k);
      });
    }
    out.push(...before.keys());
    return out;
  }
}

function countOf<V>(c: Chunk<V> | Chunk<V>[]): number {
  return Array.isArray(c) ? c.reduce((n, x) => n + x.keys.length, 0) : (c as Chunk<V>).keys.length;
}

/**
 * `map` with the changes applied (`undefined`: delete): a new version when it is a PersistentMap
 * (sharing the unchanged chunks), else a copy.
 */
export function withMapChanges<V>(
  map: ReadonlyMap<string, V>,
  changes: Iterable<readonly [string, V | undefined]>,
): ReadonlyMap<string, V> {
  if (map instanceof PersistentMap) return (map as PersistentMap<V>).withChanges(changes);
  const copy = new Map(map);
  for (const [k, v] of changes) {
    if (v === undefined) copy.delete(k);
    else copy.set(k, v);
  }
  return copy;
}

/** Keys whose value differs (by identity) between two maps of any kind, or that only one has. */
export function changedKeysOf<V>(a: ReadonlyMap<string, V>, b: ReadonlyMap<string, V>): string[] {
  if (a === b) return [];
  if (a instanceof PersistentMap) return (a as PersistentMap<V>).changedKeys(b);
  return scanChangedKeys(a, b);
}

/** changedKeysOf by visiting every entry of both: O(n). */
function scanChangedKeys<V>(a: ReadonlyMap<string, V>, b: ReadonlyMap<string, V>): string[] {
  const out: string[] = [];
  for (const [key, v] of a) if (b.get(key) !== v || !b.has(key)) out.push(key);
  for (const key of b.keys()) if (!a.has(key)) out.push(key);
  return out;
}
