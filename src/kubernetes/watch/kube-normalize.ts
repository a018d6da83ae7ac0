/**
 * Normalization of one object read from an apiserver: the same per-kind readers as manifests (shape
 * checks, projection onto the typed subset of `kube-types.ts`, namespaces defaulted), then the fields that
 * are not content removed, so that the fingerprint changes exactly when what `translate` reads changes.
 *
 * `metadata.resourceVersion` is dropped: it changes on every write, including status-only updates (an
 * Ingress's load-balancer status) that `translate` does not read. `status` itself is dropped by the readers.
 * Opaque Secrets (basic auth users, CA bundles) can be many, large and unrelated to Causeway (application
 * credentials): one is kept without its labels and annotations (`kubectl apply` copies the whole Secret,
 * data in clear, into an annotation) and refused when its data is over `MAX_OPAQUE_SECRET_BYTES`
 * (decoded; what translation reads of it, `auth` or `ca.crt`, is refused over 1 MiB anyway).
 * Pure: no I/O, no clock.
 */
import type { KubeKind, KubeObject } from '../../resources/kube-types.js';
import { objectKey, type Sourced } from '../../resources/resource-set.js';
import { compact, FieldReader, isRecord } from '../../sources/manifests/field-reader.js';
import {
  OPAQUE_SECRET_TYPE,
  readKubeObject,
  TLS_SECRET_TYPE,
} from '../../sources/manifests/kube-object-readers.js';

/** The most decoded data an Opaque Secret may hold to be kept (see the file comment). */
export const MAX_OPAQUE_SECRET_BYTES = 1024 * 1024;

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
  /** The object is not one Causeway reads (a Secret of a type other than TLS and Opaque). */
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

/** Drops what is not content (see the file comment), and what translation never reads of an Opaque Secret. */
function withoutVolatileFields(o: KubeObject): KubeObject {
  const slim = o.kind === 'Secret' && o.type === OPAQUE_SECRET_TYPE;
  const dropped = slim ? { annotations: undefined, labels: undefined } : {};
  return { ...o, metadata: compact({ ...o.metadata, resourceVersion: undefined, ...dropped }) };
}

/** Decoded bytes of a Secret's base64 `data` values (without decoding them). */
function dataBytes(data: unknown): number {
  if (!isRecord(data)) return 0;
  let total = 0;
  for (const v of Object.values(data)) {
    if (typeof v !== 'string') continue;
    const padding = v.endsWith('==') ? 2 : v.endsWith('=') ? 1 : 0;
    total += Math.floor((v.length * 3) / 4) - padding;
  }
  return total;
}

/** Whether Secrets of this raw `type` are read: TLS and Opaque (the type when none is given). */
function isReadSecretType(type: unknown): boolean {
  return type === TLS_SECRET_TYPE || type === OPAQUE_SECRET_TYPE || type === undefined;
}

export function normalizeKubeObject(kind: KubeKind, raw: unknown, cluster: string): NormalizeResult {
  if (!isRecord(raw)) return { status: 'invalid', problems: ['the object is not a mapping'] };
  // The watches of Secrets are narrowed to TLS and Opaque Secrets on the server; the same rule, client side.
  if (kind === 'Secret' && !isReadSecretType(raw['type'])) return { status: 'skip' };
  if (
    kind === 'Secret' &&
    raw['type'] !== TLS_SECRET_TYPE &&
    dataBytes(raw['data']) > MAX_OPAQUE_SECRET_BYTES
  )
    return {
      status: 'invalid',
      problems: [`data is over ${MAX_OPAQUE_SECRET_BYTES} bytes, the most kept of an Opaque Secret`],
    };
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
