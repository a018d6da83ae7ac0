/**
 * A type's resources as a persistent map whose version is kept up to date in O(change).
 *
 * Names fall into fixed buckets (type-version.ts, which also defines the version). Each bucket is an
 * immutable Map with its digest; an update copies and re-hashes only the buckets it touches, then hashes
 * the bucket digests, instead of sorting and hashing every name of the type.
 *
 * `ChunkedMap` is the bucketed persistent map; `ResourceIndex` adds the digests and the version, and is a
 * `ReadonlyMap` whose iteration is sorted by name (built once per index, on first use).
 */
import type { EncodedResource } from './config-watcher.js';
import { BUCKETS, EMPTY_DIGESTS, bucketOf, digestOf, versionOf } from './type-version.js';

const NOTHING_TOUCHED: ReadonlySet<number> = new Set();

/** A persistent map of string keys: `with` copies only the buckets it changes. */
export class ChunkedMap<V> {
  private static readonly NONE: ChunkedMap<never> = new ChunkedMap<never>(
    new Array(BUCKETS).fill(undefined),
    0,
  );

  private constructor(
    private readonly buckets: ReadonlyArray<ReadonlyMap<string, V> | undefined>,
    readonly size: number,
  ) {}

  static empty<V>(): ChunkedMap<V> {
    return ChunkedMap.NONE as ChunkedMap<V>;
  }

  get(key: string): V | undefined {
    return this.buckets[bucketOf(key)]?.get(key);
  }

  has(key: string): boolean {
    return this.buckets[bucketOf(key)]?.has(key) ?? false;
  }

  bucket(i: number): ReadonlyMap<string, V> | undefined {
    return this.buckets[i];
  }

  /** Every entry, bucket by bucket (not sorted). */
  *unordered(): IterableIterator<[string, V]> {
    for (const b of this.buckets) if (b) yield* b;
  }

  /**
   * The map with `upserts` set and `removals` deleted (removals first), and the buckets that changed.
   * Returns this map itself when nothing changed.
   */
  with(
    upserts: Iterable<readonly [string, V]>,
    removals: Iterable<string>,
  ): { readonly map: ChunkedMap<V>; readonly touched: ReadonlySet<number> } {
    const copies = new Map<number, Map<string, V>>();
    let size = this.size;
    const copy = (i: number): Map<string, V> => {
      let c = copies.get(i);
      if (!c) copies.set(i, (c = new Map(this.buckets[i] ?? [])));
      return c;
    };
    for (const key of removals) {
      const i = bucketOf(key);
      if (!(copies.get(i) ?? this.buckets[i])?.has(key)) continue;
      copy(i).delete(key);
      size--;
    }
    for (const [key, value] of upserts) {
      const i = bucketOf(key);
      const current = copies.get(i) ?? this.buckets[i];
      if (current?.has(key) && current.get(key) === value) continue;
      if (!current?.has(key)) size++;
      copy(i).set(key, value);
    }
    if (copies.size === 0) return { map: this, touched: NOTHING_TOUCHED };
    const buckets = [...this.buckets];
    for (const [i, c] of copies) buckets[i] = c.size > 0 ? c : undefined;
    return { map: new ChunkedMap(buckets, size), touched: new Set(copies.keys()) };
  }
}

/** A type's encoded resources with their content-derived version (see the top of this file). */
export class ResourceIndex implements ReadonlyMap<string, EncodedResource> {
  static readonly EMPTY = new ResourceIndex(ChunkedMap.empty(), EMPTY_DIGESTS);

  readonly version: string;
  private sortedMap: Map<string, EncodedResource> | undefined;

  private constructor(
    private readonly map: ChunkedMap<EncodedResource>,
    private readonly digests: readonly string[],
  ) {
    this.version = versionOf(digests);
  }

  static of(resources: Iterable<EncodedResource>): ResourceIndex {
    return ResourceIndex.EMPTY.with(resources, []);
  }

  /** The index with `upserts` set and `removals` deleted; this index itself when nothing changed. */
  with(upserts: Iterable<EncodedResource>, removals: Iterable<string>): ResourceIndex {
    const pairs = function* (): Iterable<readonly [string, EncodedResource]> {
      for (const r of upserts) yield [r.name, r];
    };
    const { map, touched } = this.map.with(pairs(), removals);
    if (map === this.map) return this;
    const digests = [...this.digests];
    for (const i of touched) digests[i] = digestOf(map.bucket(i));
    return new ResourceIndex(map, digests);
  }

  get size(): number {
    return this.map.size;
  }

  get(name: string): EncodedResource | undefined {
    return this.map.get(name);
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  /** The resources sorted by name, as a Map (built on first use, then kept). */
  private sorted(): Map<string, EncodedResource> {
    if (!this.sortedMap) {
      const all = [...this.map.unordered()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      this.sortedMap = new Map(all);
    }
    return this.sortedMap;
  }

  forEach(
    fn: (value: EncodedResource, key: string, map: ReadonlyMap<string, EncodedResource>) => void,
  ): void {
    for (const [k, v] of this.sorted()) fn(v, k, this);
  }

  entries(): MapIterator<[string, EncodedResource]> {
    return this.sorted().entries();
  }

  keys(): MapIterator<string> {
    return this.sorted().keys();
  }

  values(): MapIterator<EncodedResource> {
    return this.sorted().values();
  }

  [Symbol.iterator](): MapIterator<[string, EncodedResource]> {
    return this.sorted()[Symbol.iterator]();
  }
}
