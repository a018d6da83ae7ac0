/**
 * The served Ingresses of an incremental translation, kept sorted as translate() sorts them (cluster,
 * namespace, name) by binary-search insertion and removal, so one changed Ingress costs no full sort.
 * A list handed out is never changed: a step works on a copy.
 */
import { compareStrings } from '../ingress/ordering.js';
import type { ServedIngress } from '../ingress/ingress-types.js';

export function compareServed(a: ServedIngress, b: ServedIngress): number {
  return (
    compareStrings(a.cluster, b.cluster) ||
    compareStrings(a.namespace, b.namespace) ||
    compareStrings(a.name, b.name)
  );
}

export class ServedList {
  private constructor(private readonly items: ServedIngress[]) {}

  static of(sorted: readonly ServedIngress[] = []): ServedList {
    return new ServedList([...sorted]);
  }

  copy(): ServedList {
    return new ServedList([...this.items]);
  }

  list(): readonly ServedIngress[] {
    return this.items;
  }

  /** Inserts `s` in order; false (and nothing inserted) when an entry compares equal to it. */
  insert(s: ServedIngress): boolean {
    const i = this.lowerBound(s);
    if (i < this.items.length && compareServed(this.items[i]!, s) === 0) return false;
    this.items.splice(i, 0, s);
    return true;
  }

  /** Removes the entry `s` (by identity) if present. */
  remove(s: ServedIngress): void {
    for (let i = this.lowerBound(s); i < this.items.length; i++) {
      if (this.items[i] === s) {
        this.items.splice(i, 1);
        return;
      }
      if (compareServed(this.items[i]!, s) !== 0) return;
    }
  }

  private lowerBound(s: ServedIngress): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareServed(this.items[mid]!, s) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
