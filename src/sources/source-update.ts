/**
 * What a source (manifests folder, Kubernetes informers) hands to the controller: the whole current
 * ResourceSet, the source's own diagnostics, and exactly which objects changed since its previous update.
 */
import type { Diagnostic } from '../errors.js';
import type { KubeKind } from '../resources/kube-types.js';
import type { ResourceSet } from '../resources/resource-set.js';

export interface ResourceChange {
  readonly kind: KubeKind;
  /** `namespace/name`, or `name` for cluster-scoped kinds (IngressClass); an EndpointSlice's own name. */
  readonly key: string;
  readonly op: 'upsert' | 'delete';
}

export interface SourceUpdate {
  readonly resources: ResourceSet;
  /** All current problems of the source (not only new ones), sorted. */
  readonly diagnostics: readonly Diagnostic[];
  /**
   * The objects whose content (or origin) differs from the previous update, sorted by kind then key.
   * An unchanged object is never listed; the first update lists every object as an upsert.
   */
  readonly changed: readonly ResourceChange[];
}

export interface ResourceSource {
  /** Reads the current state once. */
  load(): Promise<SourceUpdate>;
  /** Starts watching; `onUpdate` gets every later change (relative to the last update returned or emitted). */
  watch(onUpdate: (update: SourceUpdate) => void): Promise<void>;
  close(): Promise<void>;
}

/** True when only EndpointSlices changed: the controller can then update endpoints alone. */
export function onlyEndpointsChanged(changed: readonly ResourceChange[]): boolean {
  return changed.length > 0 && changed.every((c) => c.kind === 'EndpointSlice');
}

/** namespace/name of the Service each changed slice belongs (or belonged) to. */
export function servicesOfChangedSlices(
  changed: readonly ResourceChange[],
  before: ResourceSet,
  after: ResourceSet,
): Set<string> {
  const out = new Set<string>();
  for (const c of changed) {
    if (c.kind !== 'EndpointSlice') continue;
    for (const rs of [before, after]) for (const svc of rs.serviceOfSlice.get(c.key) ?? []) out.add(svc);
  }
  return out;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareChanges(a: ResourceChange, b: ResourceChange): number {
  return compareStrings(a.kind, b.kind) || compareStrings(a.key, b.key) || compareStrings(a.op, b.op);
}

/**
 * The changes between two snapshots given as `kind|key -> content fingerprint` maps
 * (any string that is equal exactly when the content is equal, e.g. canonical JSON or a hash).
 */
export function diffFingerprints(
  previous: ReadonlyMap<
    string,
    { readonly kind: KubeKind; readonly key: string; readonly fingerprint: string }
  >,
  next: ReadonlyMap<string, { readonly kind: KubeKind; readonly key: string; readonly fingerprint: string }>,
): ResourceChange[] {
  const changes: ResourceChange[] = [];
  for (const [id, n] of next) {
    if (previous.get(id)?.fingerprint !== n.fingerprint)
      changes.push({ kind: n.kind, key: n.key, op: 'upsert' });
  }
  for (const [id, p] of previous) {
    if (!next.has(id)) changes.push({ kind: p.kind, key: p.key, op: 'delete' });
  }
  return changes.sort(compareChanges);
}
