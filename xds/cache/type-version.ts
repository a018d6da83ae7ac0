/**
 * How a type's version is derived from its content, so that it can be kept up to date in O(change).
 *
 * Names fall into BUCKETS fixed buckets (FNV-1a of the name). A bucket's digest is the sha256 of its
 * sorted `name:version` lines (empty for an empty bucket); the type version is the sha256 of the digests
 * in bucket order (first 16 hex characters). The version therefore depends on the (name, version) pairs
 * only: the same resources give the same version in any process, replica or restart, whatever the order
 * they came in; and a change of one resource re-hashes one bucket and the digest list, not every name.
 * (The hash of all sorted pairs used before would cost O(resources) per change.)
 */
import { createHash } from 'node:crypto';

export const BUCKETS = 256;

/** FNV-1a over the UTF-16 code units of `name`, reduced to a bucket. Deterministic, not secret. */
export function bucketOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % BUCKETS;
}

export const EMPTY_DIGEST = '';
export const EMPTY_DIGESTS: readonly string[] = new Array<string>(BUCKETS).fill(EMPTY_DIGEST);

/** The digest of one bucket: its sorted `name:version` lines, hashed. */
export function digestOf(bucket: ReadonlyMap<string, { readonly version: string }> | undefined): string {
  if (!bucket || bucket.size === 0) return EMPTY_DIGEST;
  const lines = [...bucket].map(([name, r]) => `${name}:${r.version}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 32);
}

/** The type version of the bucket digests. */
export function versionOf(digests: readonly string[]): string {
  return createHash('sha256').update(digests.join('\n')).digest('hex').slice(0, 16);
}

/** The version of a set of resources, computed from scratch (what ResourceIndex keeps up to date). */
export function versionOfResources(
  resources: Iterable<{ readonly name: string; readonly version: string }>,
): string {
  const buckets = new Map<number, Map<string, { readonly version: string }>>();
  for (const r of resources) {
    const i = bucketOf(r.name);
    let b = buckets.get(i);
    if (!b) buckets.set(i, (b = new Map()));
    b.set(r.name, r);
  }
  const digests = [...EMPTY_DIGESTS];
  for (const [i, b] of buckets) digests[i] = digestOf(b);
  return versionOf(digests);
}
