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
import { buildResourceSet, type Sourced } from '../../resources/resource-set.js';
import { diffFingerprints, type SourceUpdate } from '../../sources/source-update.js';
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

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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
  private emitted = new Map<string, KubeEntry>();
  private emittedDiagnostics: string | undefined;

  constructor(
    readonly cluster: string,
    private readonly namespaced: (kind: KubeKind) => boolean,
  ) {}

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
    for (const [key, s] of before) if (s.scope !== scope) next.set(key, s);
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
   * and whether it holds any news.
   */
  takeUpdate(): ComposedUpdate {
    const all: StoredObject[] = [];
    for (const m of this.objects.values()) all.push(...m.values());
    const secretsInUse = referencedSecrets(
      all.flatMap((s) => (s.kind !== 'Secret' && s.good !== undefined ? [s.good.sourced] : [])),
    );
    const current = new Map<string, KubeEntry>();
    const diagnostics: Diagnostic[] = [];
    for (const s of all) {
      if (s.kind === 'Secret' && !secretsInUse.has(s.key)) continue;
      if (s.good !== undefined) current.set(s.good.id, s.good);
      if (s.problems !== undefined) diagnostics.push(this.problemDiagnostic(s));
    }
    diagnostics.sort(compareDiagnostics);
    const sorted = new Map([...current].sort(([a], [b]) => compareStrings(a, b)));
    const changed = diffFingerprints(this.emitted, sorted);
    this.emitted = sorted;
    const diagnosticsKey = JSON.stringify(diagnostics);
    const hasNews = changed.length > 0 || diagnosticsKey !== this.emittedDiagnostics;
    this.emittedDiagnostics = diagnosticsKey;
    const resources = buildResourceSet([...sorted.values()].map((e) => e.sourced));
    return { update: { resources, diagnostics, changed }, hasNews };
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
