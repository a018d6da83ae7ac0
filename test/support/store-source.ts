/**
 * A KubeObjectStore behind the ResourceSource interface, flushed by hand: what KubernetesSource does
 * after a watch event, without an apiserver (for property tests and benchmarks of the sources).
 */
import type { KubeObjectStore } from '../../src/kubernetes/watch/kube-object-store.js';
import type { ResourceSource, SourceUpdate } from '../../src/sources/source-update.js';

export class StoreSource implements ResourceSource {
  private cb: ((u: SourceUpdate) => void) | undefined;

  constructor(readonly store: KubeObjectStore) {}

  load(): Promise<SourceUpdate> {
    return Promise.resolve(this.store.takeUpdate().update);
  }

  watch(onUpdate: (u: SourceUpdate) => void): Promise<void> {
    this.cb = onUpdate;
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Hands the store's changes since the last update to the watcher, if there are any. */
  flush(): void {
    const { update, hasNews } = this.store.takeUpdate();
    if (hasNews) this.cb?.(update);
  }
}
