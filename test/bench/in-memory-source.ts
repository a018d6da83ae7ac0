/**
 * A ResourceSource over objects held in memory, for the benchmark: it measures the controller, not a
 * file watcher or an informer. `load()` returns every object as an upsert; `apply()` replaces (or
 * deletes) some objects, rebuilds the ResourceSet and emits a SourceUpdate listing exactly those changes.
 */
import type { KubeKind, KubeObject } from '../../src/resources/kube-types.js';
import {
  buildResourceSet,
  objectKey,
  type ObjectOrigin,
  type Sourced,
} from '../../src/resources/resource-set.js';
import {
  compareChanges,
  type ResourceChange,
  type ResourceSource,
  type SourceUpdate,
} from '../../src/sources/source-update.js';

const idOf = (o: KubeObject): string => `${o.kind}|${objectKey(o)}`;

export class InMemorySource implements ResourceSource {
  private readonly objects = new Map<string, Sourced<KubeObject>>();
  private onUpdate: ((update: SourceUpdate) => void) | undefined;
  private readonly origin: ObjectOrigin;
  /** Milliseconds spent rebuilding ResourceSets in apply() (the source's own cost), summed. */
  rebuildMs = 0;
  updatesEmitted = 0;

  constructor(objects: readonly KubeObject[], cluster = 'bench') {
    this.origin = { cluster };
    for (const o of objects) this.objects.set(idOf(o), { object: o, origin: this.origin });
  }

  load(): Promise<SourceUpdate> {
    const changed = [...this.objects.values()]
      .map((s): ResourceChange => ({ kind: s.object.kind, key: objectKey(s.object), op: 'upsert' }))
      .sort(compareChanges);
    return Promise.resolve({ resources: this.resourceSet(), diagnostics: [], changed });
  }

  watch(onUpdate: (update: SourceUpdate) => void): Promise<void> {
    this.onUpdate = onUpdate;
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.onUpdate = undefined;
    return Promise.resolve();
  }

  /** Upserts `changed`, deletes `deleted`, and emits one update (synchronously) if watching. */
  apply(
    changed: readonly KubeObject[],
    deleted: readonly { kind: KubeKind; key: string }[] = [],
  ): SourceUpdate {
    const changes: ResourceChange[] = [];
    for (const o of changed) {
      this.objects.set(idOf(o), { object: o, origin: this.origin });
      changes.push({ kind: o.kind, key: objectKey(o), op: 'upsert' });
    }
    for (const d of deleted) {
      if (this.objects.delete(`${d.kind}|${d.key}`)) changes.push({ kind: d.kind, key: d.key, op: 'delete' });
    }
    const t0 = performance.now();
    const update: SourceUpdate = {
      resources: this.resourceSet(),
      diagnostics: [],
      changed: changes.sort(compareChanges),
    };
    this.rebuildMs += performance.now() - t0;
    this.updatesEmitted++;
    this.onUpdate?.(update);
    return update;
  }

  private resourceSet(): ReturnType<typeof buildResourceSet> {
    return buildResourceSet([...this.objects.values()]);
  }
}
