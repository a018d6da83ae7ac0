/** Orders shared by both modes: which Ingress (or Service) wins a conflict, and plain string order. */
import type { ObjectMeta } from '../resources/kube-types.js';

/**
 * Conflict order: the oldest object wins (creationTimestamp; objects without one count as newest),
 * then namespace/name alphabetically.
 */
export function compareByAge(
  a: { readonly metadata: ObjectMeta },
  b: { readonly metadata: ObjectMeta },
): number {
  const ta = a.metadata.creationTimestamp;
  const tb = b.metadata.creationTimestamp;
  if (ta !== tb) {
    if (ta === undefined) return 1;
    if (tb === undefined) return -1;
    const da = Date.parse(ta);
    const db = Date.parse(tb);
    if (da !== db) return (Number.isNaN(da) ? Infinity : da) - (Number.isNaN(db) ? Infinity : db);
  }
  const ka = `${a.metadata.namespace ?? ''}/${a.metadata.name}`;
  const kb = `${b.metadata.namespace ?? ''}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
