/**
 * Normalization of one object read from an apiserver: the same per-kind readers as manifests (shape
 * checks, projection onto the typed subset of `kube-types.ts`, namespaces defaulted), then the fields that
 * are not content removed, so that the fingerprint changes exactly when what `translate` reads changes.
 *
 * `metadata.resourceVersion` is dropped: it changes on every write, including status-only updates (an
 * Ingress's load-balancer status) that `translate` does not read. `status` itself is dropped by the readers.
 * Pure: no I/O, no clock.
 */
import type { KubeKind, KubeObject } from '../../resources/kube-types.js';
import { objectKey, type Sourced } from '../../resources/resource-set.js';
import { compact, FieldReader, isRecord } from '../../sources/manifests/field-reader.js';
import { readKubeObject, TLS_SECRET_TYPE } from '../../sources/manifests/kube-object-readers.js';

/** One normalized object, with its identity and a fingerprint of its content (and origin). */
export interface KubeEntry {
  /** `kind|key`: unique across kinds. */
  readonly id: string;
  readonly kind: KubeKind;
  /** `namespace/name`, or `name` for cluster-scoped kinds. */
  readonly key: string;
  /** Equal exactly when the normalized object and its origin are equal. */
  readonly fingerprint: string;
  readonly sourced: Sourced<KubeObject>;
}

export type NormalizeResult =
  | { readonly status: 'ok'; readonly entry: KubeEntry }
  /** The object is not one Causeway reads (a Secret of another type). */
  | { readonly status: 'skip' }
  | { readonly status: 'invalid'; readonly problems: readonly string[] };

export function entryId(kind: KubeKind, key: string): string {
  return `${kind}|${key}`;
}

/**
 * The key of a raw object from its metadata alone (also for objects that fail validation, and for the
 * final state of a deleted object); undefined when it has no name.
 */
export function rawObjectKey(raw: unknown, namespaced: boolean): string | undefined {
  if (!isRecord(raw) || !isRecord(raw['metadata'])) return undefined;
  const { name, namespace } = raw['metadata'];
  if (typeof name !== 'string' || name === '') return undefined;
  if (!namespaced) return name;
  return `${typeof namespace === 'string' && namespace !== '' ? namespace : 'default'}/${name}`;
}

/** Drops what is not content (see the file comment). */
function withoutVolatileFields(o: KubeObject): KubeObject {
  return { ...o, metadata: compact({ ...o.metadata, resourceVersion: undefined }) };
}

export function normalizeKubeObject(kind: KubeKind, raw: unknown, cluster: string): NormalizeResult {
  if (!isRecord(raw)) return { status: 'invalid', problems: ['the object is not a mapping'] };
  // The watch of Secrets is narrowed to TLS Secrets on the server; this is the same rule, client side.
  if (kind === 'Secret' && raw['type'] !== TLS_SECRET_TYPE) return { status: 'skip' };
  const r = new FieldReader();
  const read = readKubeObject(r, kind, raw);
  if (read === undefined || r.problems.length > 0)
    return { status: 'invalid', problems: r.problems.length > 0 ? r.problems : ['metadata is unusable'] };
  const object = withoutVolatileFields(read);
  const sourced: Sourced<KubeObject> = { object, origin: { cluster } };
  const key = objectKey(object);
  return {
    status: 'ok',
    entry: { id: entryId(kind, key), kind, key, fingerprint: JSON.stringify(sourced), sourced },
  };
}
