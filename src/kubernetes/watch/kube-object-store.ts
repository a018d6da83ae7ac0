/**
 * The state of one cluster as the Kubernetes source knows it: per kind, the last good normalized version of
 * every object and the problem of its latest version, if it was rejected. Composes SourceUpdates and
 * computes exactly what changed since the previous one. Pure: no I/O, no clock.
 *
 * - An object whose latest version the readers reject keeps its last good version in force, and gets a
 *   diagnostic (kind, namespace/name, cluster) until a good version arrives or it is deleted.
 * - Secrets (TLS and Opaque) are all kept here, but an update holds only those that an Ingress or Service of
 *   the update names (`secretReferences`: `spec.tls`, the auth and CA Secret annotations): a Secret enters
 *   `changed` when it starts or stops being referenced, like any other object entering or leaving the set.
 * - One kind can be fed by several watches (Secrets: one per type), each its own `scope`: a relist of one
 *   scope replaces only that scope's objects, and a deletion seen by one scope never removes an object that
 *   another scope holds now (a Secret deleted and created again with another type).
 */
import { compareDiagnostics, diagnostic, type Diagnostic, type ObjectRef } from '../../errors.js';
import type { KubeKind, KubeObject } from '../../resources/kube-types.js';
import { IncrementalResourceSet, type ObjectChange } from '../../resources/incremental-resource-set.js';
import type { Sourced } from '../../resources/resource-set.js';
import { compareChanges, type ResourceChange, type SourceUpdate } from '../../sources/source-update.js';
import { secretReferences } from '../../translate/secret-references.js';
import { normalizeKubeObject, rawObjectKey, type KubeEntry } from './kube-normalize.js';

/** A rejected object is reported with at most this many problems (then "and N more"). */
const MAX_PROBLEMS = 8;

interface StoredObject {
  readonly kind: KubeKind;
  readonly key: string;
  /** The watch that last reported the object (the kind, unless a kind has several watches). */
  readonly scope: string;
  /** The last version the readers accepted; undefined when none was. */
  good?: KubeEntry;
  /** Why the latest version was rejected; undefined when it is the good one. */
  problems?: readonly string[];
}

export interface ComposedUpdate {
  readonly update: SourceUpdate;
  /** False when neither an object nor a diagnostic changed since the previous update. */
  readonly hasNews: boolean;
}

function describeProblems(problems: readonly string[]): string {
  const shown = problems.slice(0, MAX_PROBLEMS).join('; ');
  return problems.length > MAX_PROBLEMS ? `${shown}; and ${problems.length - MAX_PROBLEMS} more` : shown;
}

/** `namespace/name` of every Secret that a (good) Ingress or Service names (`secretReferences`). */
export function referencedSecrets(objects: Iterable<Sourced<KubeObject>>): Set<string> {
  const out = new Set<string>();
  for (const s of objects) for (const key of secretReferences(s.object)) out.add(key);
  return out;
}

export class KubeObjectStore {
  private readonly objects = new Map<KubeKind, Map<string, StoredObject>>();
  /** kind -> keys touched since the last update: only these are looked at by `takeUpdate`. */
  private readonly dirty = new Map<KubeKind, Set<string>>();
  /** What the last update held, by `kind|key`. */
  private readonly emitted = new Map<string, KubeEntry>();
  /** The Secrets each (good) Ingress or Service names, by `kind|key`; and how many name each Secret. */
  private readonly references = new Map<string, readonly string[]>();
  private readonly referenceCounts = new Map<string, number>();
  /** The problem diagnostic of each object that has one now, by `kind|key`. */
  private readonly problems = new Map<string, Diagnostic>();
  private diagnostics: readonly Diagnostic[] = [];
  private emittedDiagnostics: string | undefined;
  private readonly resources: IncrementalResourceSet = new IncrementalResourceSet();

  constructor(
    readonly cluster: string,
    private readonly namespaced: (kind: KubeKind) => boolean,
  ) {}

  private touch(kind: KubeKind, key: string): void {
    let keys = this.dirty.get(kind);
    if (keys === undefined) this.dirty.set(kind, (keys = new Set()));
    keys.add(key);
  }

  private kindMap(kind: KubeKind): Map<string, StoredObject> {
    let m = this.objects.get(kind);
    if (m === undefined) {
      m = new Map();
      this.objects.set(kind, m);
    }
    return m;
  }

  /**
   * An object was added or modified (or listed) by the watch `scope` (default: the kind's only one). Returns
   * false when it cannot be keyed (no name).
   */
  upsert(kind: KubeKind, raw: unknown, scope: string = kind): boolean {
    const key = rawObjectKey(raw, this.namespaced(kind));
    if (key === undefined) return false;
    const m = this.kindMap(kind);
    this.touch(kind, key);
    const res = normalizeKubeObject(kind, raw, this.cluster);
    if (res.status === 'skip') {
      m.delete(key);
      return true;
    }
    // The last good version of the same scope only: another scope's is another object (types are immutable).
    const prev = m.get(key);
    const prevGood = prev?.scope === scope ? prev.good : undefined;
    if (res.status === 'ok') m.set(key, { kind, key, scope, good: res.entry });
    else m.set(key, { kind, key, scope, good: prevGood, problems: res.problems });
    return true;
  }

  /**
   * An object was deleted (as seen by the watch `scope`): it goes, with its last good version and its problem,
   * unless another scope holds it now.
   */
  remove(kind: KubeKind, raw: unknown, scope: string = kind): boolean {
    const key = rawObjectKey(raw, this.namespaced(kind));
    if (key === undefined) return false;
    const m = this.kindMap(kind);
    this.touch(kind, key);
    if (m.get(key)?.scope === scope) m.delete(key);
    return true;
  }

  /**
   * A full list of a kind by the watch `scope`: replaces what that scope knew (other scopes' objects stay).
   * An object that is listed again keeps its last good version if the listed one is rejected; one that is
   * not listed any more is gone.
   */
  replace(kind: KubeKind, raws: readonly unknown[], scope: string = kind): void {
    const before = this.kindMap(kind);
    const next = new Map<string, StoredObject>();
    for (const [key, s] of before) {
      if (s.scope !== scope) next.set(key, s);
      else this.touch(kind, key);
    }
    this.objects.set(kind, next);
    for (const raw of raws) {
      const key = rawObjectKey(raw, this.namespaced(kind));
      if (key === undefined) continue;
      const prev = before.get(key);
      if (prev?.scope === scope) next.set(key, prev);
      this.upsert(kind, raw, scope);
    }
  }

  /** Objects known (good or not) of one kind; for logs. */
  count(kind: KubeKind): number {
    return this.objects.get(kind)?.size ?? 0;
  }

  /**
   * The current state as an update relative to the previous call (the first lists everything as upserts),
   * and whether it holds any news. Looks only at the objects touched since the previous call (and the
   * Secrets whose being referenced they changed): O(change).
   */
  takeUpdate(): ComposedUpdate {
    const touched = this.takeDirty();
    const changed: ResourceChange[] = [];
    const objectChanges: ObjectChange[] = [];
    let diagnosticsChanged = false;
    for (const [kind, keys] of touched) {
      for (const key of keys) {
        const id = `${kind}|${key}`;
        const s = this.objects.get(kind)?.get(key);
        const served = kind !== 'Secret' || (this.referenceCounts.get(key) ?? 0) > 0;
        const good = served ? s?.good : undefined;
        const before = this.emitted.get(id);
        if (before?.fingerprint !== good?.fingerprint) {
          changed.push({ kind, key, op: good === undefined ? 'delete' : 'upsert' });
          objectChanges.push({ kind, key, object: good?.sourced });
          if (good === undefined) this.emitted.delete(id);
          else this.emitted.set(id, good);
        }
        diagnosticsChanged =
          this.setProblem(id, served && s?.problems !== undefined ? s : undefined) || diagnosticsChanged;
      }
    }
    changed.sort(compareChanges);
    if (diagnosticsChanged) this.diagnostics = [...this.problems.values()].sort(compareDiagnostics);
    const diagnosticsKey =
      diagnosticsChanged || this.emittedDiagnostics === undefined
        ? JSON.stringify(this.diagnostics)
        : this.emittedDiagnostics;
    const hasNews = changed.length > 0 || diagnosticsKey !== this.emittedDiagnostics;
    this.emittedDiagnostics = diagnosticsKey;
    const resources = this.resources.apply(this.cluster, objectChanges);
    return { update: { resources, diagnostics: this.diagnostics, changed }, hasNews };
  }

  /**
   * The touched keys by kind, cleared; with the Secrets whose reference count a touched Ingress or Service
   * changed (their being served may have changed).
   */
  private takeDirty(): Map<KubeKind, Set<string>> {
    const touched = new Map(this.dirty);
    this.dirty.clear();
    for (const [kind, keys] of touched) {
      if (kind === 'Secret') continue;
      for (const key of keys) {
        for (const secret of this.updateReferences(`${kind}|${key}`, this.objects.get(kind)?.get(key))) {
          let secrets = touched.get('Secret');
          if (secrets === undefined) touched.set('Secret', (secrets = new Set()));
          secrets.add(secret);
        }
      }
    }
    return touched;
  }

  /** Records the Secrets a stored object names now; returns those named before or now. */
  private updateReferences(id: string, s: StoredObject | undefined): readonly string[] {
    const before = this.references.get(id) ?? [];
    const now = s?.good !== undefined ? secretReferences(s.good.sourced.object) : [];
    if (before.length === 0 && now.length === 0) return [];
    for (const key of before) {
      const n = (this.referenceCounts.get(key) ?? 0) - 1;
      if (n > 0) this.referenceCounts.set(key, n);
      else this.referenceCounts.delete(key);
    }
    for (const key of now) this.referenceCounts.set(key, (this.referenceCounts.get(key) ?? 0) + 1);
    if (now.length > 0) this.references.set(id, now);
    else this.references.delete(id);
    return [...before, ...now];
  }

  /** Sets or clears the problem diagnostic of `id`; true when it changed. */
  private setProblem(id: string, s: StoredObject | undefined): boolean {
    const before = this.problems.get(id);
    if (s === undefined) return this.problems.delete(id);
    const d = this.problemDiagnostic(s);
    if (before !== undefined && JSON.stringify(before) === JSON.stringify(d)) return false;
    this.problems.set(id, d);
    return true;
  }

  private problemDiagnostic(s: StoredObject): Diagnostic {
    const slash = s.key.indexOf('/');
    const namespaced = slash >= 0 && this.namespaced(s.kind);
    const ref: ObjectRef = {
      kind: s.kind,
      ...(namespaced ? { namespace: s.key.slice(0, slash) } : {}),
      name: namespaced ? s.key.slice(slash + 1) : s.key,
      cluster: this.cluster,
    };
    const fate =
      s.good !== undefined ? 'its last good version stays in force' : 'it is ignored until it is fixed';
    return diagnostic(
      'CW_E_KUBE_OBJECT',
      ref,
      `${s.kind} ${s.key} in cluster ${this.cluster}: ${describeProblems(s.problems ?? [])}; ${fate}`,
    );
  }
}
