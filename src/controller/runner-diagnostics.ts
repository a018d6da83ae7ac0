/**
 * The runner's current diagnostics (the source's and the translation's), kept so that a change costs
 * O(change): an EndpointSlice write that changes no endpoint diagnostic keeps the very same lists (no
 * sort, no JSON, no log, no metric), and when a list does change, each diagnostic object is turned into
 * its identity key once (cached by object) to tell the new ones (to log) from those seen before.
 * Unchanged content keeps the same `all()` array, so subscribers of the applied state can compare by
 * identity.
 */
import { compareDiagnostics, type Diagnostic } from '../errors.js';
import { isEndpointDiagnostic } from '../ingress/endpoints.js';
import { replaceEndpointDiagnostics } from '../translate/refresh-backends.js';

/** What `set` changed. */
export interface DiagnosticsChange {
  /** False when the combined list has the same content as before (and `all()` the same array). */
  readonly changed: boolean;
  /** The diagnostics not in the previous combined list (in sorted order): the ones to log. */
  readonly added: readonly Diagnostic[];
}

const NO_CHANGE: DiagnosticsChange = { changed: false, added: [] };

export class RunnerDiagnostics {
  private source: readonly Diagnostic[] = [];
  private translated: readonly Diagnostic[] = [];
  private combined: readonly Diagnostic[] = [];
  private combinedKeys: ReadonlySet<string> = new Set();
  /** `namespace/name` of the Services with an endpoint diagnostic in `translated`. */
  private endpointServices: ReadonlySet<string> = new Set();
  private readonly keys = new WeakMap<Diagnostic, string>();

  /** Source and translation diagnostics together, sorted (the same array while the content is the same). */
  all(): readonly Diagnostic[] {
    return this.combined;
  }

  /** The translation's diagnostics, sorted. */
  translation(): readonly Diagnostic[] {
    return this.translated;
  }

  /**
   * Replaces both lists. `translated` need not be sorted. Passing the arrays held already (the source's
   * list and `translation()`) costs nothing.
   */
  set(source: readonly Diagnostic[], translated: readonly Diagnostic[]): DiagnosticsChange {
    if (source === this.source && translated === this.translated) return NO_CHANGE;
    if (translated !== this.translated) {
      this.translated = [...translated].sort(compareDiagnostics);
      this.endpointServices = endpointServicesOf(this.translated);
    }
    this.source = source;
    const next = [...this.source, ...this.translated].sort(compareDiagnostics);
    const added = next.filter((d) => !this.combinedKeys.has(this.keyOf(d)));
    if (added.length === 0 && this.sameCounts(next)) return NO_CHANGE;
    this.combined = next;
    this.combinedKeys = new Set(next.map((d) => this.keyOf(d)));
    return { changed: true, added };
  }

  /**
   * The translation's diagnostics with the endpoint diagnostics of `services` replaced by `fresh`
   * (replaceEndpointDiagnostics); `translation()` itself when that changes nothing, checked in
   * O(|services| + |fresh|).
   */
  withEndpointDiagnostics(
    services: ReadonlySet<string>,
    fresh: readonly Diagnostic[],
  ): readonly Diagnostic[] {
    const touched = [...services].some((s) => this.endpointServices.has(s));
    if (!touched && fresh.length === 0) return this.translated;
    return replaceEndpointDiagnostics(this.translated, services, fresh);
  }

  /** Whether `next` holds each diagnostic as many times as the combined list does. */
  private sameCounts(next: readonly Diagnostic[]): boolean {
    if (next.length !== this.combined.length) return false;
    const counts = new Map<string, number>();
    for (const d of this.combined) counts.set(this.keyOf(d), (counts.get(this.keyOf(d)) ?? 0) + 1);
    for (const d of next) {
      const n = counts.get(this.keyOf(d)) ?? 0;
      if (n === 0) return false;
      counts.set(this.keyOf(d), n - 1);
    }
    return true;
  }

  private keyOf(d: Diagnostic): string {
    let key = this.keys.get(d);
    if (key === undefined) {
      key = JSON.stringify(d);
      this.keys.set(d, key);
    }
    return key;
  }
}

function endpointServicesOf(diagnostics: readonly Diagnostic[]): ReadonlySet<string> {
  const out = new Set<string>();
  for (const d of diagnostics)
    if (isEndpointDiagnostic(d)) out.add(`${d.object.namespace ?? ''}/${d.object.name}`);
  return out;
}
