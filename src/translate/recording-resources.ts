/**
 * A ResourceSet view that records what a translation step reads: every key looked up (get/has) per
 * map, and every map read as a whole (iterated, sized). The incremental translation builds each gateway
 * group through such a view, so a group's dependencies come from the translation itself, not from a
 * second description of it that could drift (dependency-index.ts turns them into object ids).
 */
import type { ResourceSet } from '../resources/resource-set.js';

/** The maps of a ResourceSet, by the name of their field. */
export type ResourceMapName = Exclude<keyof ResourceSet, never>;

export interface ResourceReads {
  /** Per map, the keys looked up. */
  readonly keys: ReadonlyMap<ResourceMapName, ReadonlySet<string>>;
  /** The maps read as a whole (any change of their kind may change the result). */
  readonly whole: ReadonlySet<ResourceMapName>;
}

/** A ReadonlyMap that records the keys asked for, and any read of the whole map. */
class RecordingMap<V> implements ReadonlyMap<string, V> {
  constructor(
    private readonly inner: ReadonlyMap<string, V>,
    private readonly asked: Set<string>,
    private readonly onWhole: () => void,
  ) {}

  get(key: string): V | undefined {
    this.asked.add(key);
    return this.inner.get(key);
  }

  has(key: string): boolean {
    this.asked.add(key);
    return this.inner.has(key);
  }

  get size(): number {
    this.onWhole();
    return this.inner.size;
  }

  forEach(fn: (value: V, key: string, map: ReadonlyMap<string, V>) => void): void {
    this.onWhole();
    this.inner.forEach((v, k) => fn(v, k, this));
  }

  entries(): MapIterator<[string, V]> {
    this.onWhole();
    return this.inner.entries();
  }

  keys(): MapIterator<string> {
    this.onWhole();
    return this.inner.keys();
  }

  values(): MapIterator<V> {
    this.onWhole();
    return this.inner.values();
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }
}

const MAP_NAMES: readonly ResourceMapName[] = [
  'ingresses',
  'ingressClasses',
  'services',
  'endpointSlices',
  'serviceOfSlice',
  'secrets',
];

/** A view of `resources` and the reads made through it so far (filled in as the view is read). */
export function recordingView(resources: ResourceSet): { view: ResourceSet; reads: ResourceReads } {
  const keys = new Map<ResourceMapName, Set<string>>();
  const whole = new Set<ResourceMapName>();
  const wrap = <V>(name: ResourceMapName, inner: ReadonlyMap<string, V>): ReadonlyMap<string, V> => {
    const set = new Set<string>();
    keys.set(name, set);
    return new RecordingMap(inner, set, () => whole.add(name));
  };
  const view: ResourceSet = {
    ingresses: wrap('ingresses', resources.ingresses),
    ingressClasses: wrap('ingressClasses', resources.ingressClasses),
    services: wrap('services', resources.services),
    endpointSlices: wrap('endpointSlices', resources.endpointSlices),
    serviceOfSlice: wrap('serviceOfSlice', resources.serviceOfSlice),
    secrets: wrap('secrets', resources.secrets),
    // Not recorded: a Gateway API change translates in full (incremental-translate.ts).
    gatewayApi: resources.gatewayApi,
    // Read only by the Gateway API translation (namespace selectors), always in full as well.
    ...(resources.namespaces ? { namespaces: resources.namespaces } : {}),
  };
  if (MAP_NAMES.length + 1 !== Object.keys(view).filter((k) => k !== 'namespaces').length)
    throw new Error('recordingView: a map is not wrapped');
  return { view, reads: { keys, whole } };
}
