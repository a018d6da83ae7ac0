/**
 * The Lease on an apiserver: what the elector needs (`LeaseClient`: get, create, replace with optimistic
 * concurrency) and its implementation through client-node's `coordination.k8s.io/v1` API.
 */
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { requestOptions, toEpochMs } from '../client/kube-api-call.js';
import { httpStatusOf } from '../client/http-status.js';
import type { LeaseRecord, StoredLease } from './lease-decisions.js';

/** What the elector needs from an apiserver. Errors carry the HTTP status as `code` (client-node's ApiException). */
export interface LeaseClient {
  /** The Lease, or undefined when it does not exist (404). */
  get(): Promise<StoredLease | undefined>;
  /** Creates the Lease; rejects with 409 when it exists. */
  create(record: LeaseRecord): Promise<StoredLease>;
  /** Replaces the Lease's spec; rejects with 409 when `resourceVersion` is not the current one. */
  replace(record: LeaseRecord, resourceVersion: string): Promise<StoredLease>;
}

function microTime(ms: number | undefined): V1MicroTime | undefined {
  return ms === undefined ? undefined : new V1MicroTime(ms);
}

function toStored(lease: V1Lease): StoredLease {
  const spec = lease.spec ?? {};
  return {
    resourceVersion: lease.metadata?.resourceVersion ?? '',
    record: {
      ...(spec.holderIdentity !== undefined ? { holderIdentity: spec.holderIdentity } : {}),
      ...(spec.leaseDurationSeconds !== undefined ? { leaseDurationSeconds: spec.leaseDurationSeconds } : {}),
      ...(toEpochMs(spec.acquireTime) !== undefined ? { acquireTime: toEpochMs(spec.acquireTime) } : {}),
      ...(toEpochMs(spec.renewTime) !== undefined ? { renewTime: toEpochMs(spec.renewTime) } : {}),
      ...(spec.leaseTransitions !== undefined ? { leaseTransitions: spec.leaseTransitions } : {}),
    },
  };
}

function toSpec(record: LeaseRecord): NonNullable<V1Lease['spec']> {
  return {
    holderIdentity: record.holderIdentity ?? '',
    leaseDurationSeconds: record.leaseDurationSeconds,
    acquireTime: microTime(record.acquireTime),
    renewTime: microTime(record.renewTime),
    leaseTransitions: record.leaseTransitions,
  };
}

/**
 * The Lease `namespace/name` through client-node. A replace keeps the metadata (labels, annotations) of
 * the Lease last read and swaps only the spec, as client-go's LeaseLock does.
 */
export function kubeLeaseClient(
  kubeConfig: KubeConfig,
  namespace: string,
  name: string,
  requestTimeoutMs: number,
): LeaseClient {
  const api = kubeConfig.makeApiClient(CoordinationV1Api);
  let last: V1Lease | undefined;
  const remember = (lease: V1Lease): StoredLease => {
    last = lease;
    return toStored(lease);
  };
  return {
    async get() {
      try {
        return remember(await api.readNamespacedLease({ name, namespace }, requestOptions(requestTimeoutMs)));
      } catch (err) {
        if (httpStatusOf(err) === 404) return undefined;
        throw err;
      }
    },
    async create(record) {
      const body: V1Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace },
        spec: toSpec(record),
      };
      return remember(await api.createNamespacedLease({ namespace, body }, requestOptions(requestTimeoutMs)));
    },
    async replace(record, resourceVersion) {
      const metadata =
        last?.metadata?.resourceVersion === resourceVersion
          ? { ...last.metadata, resourceVersion }
          : { name, namespace, resourceVersion };
      const body: V1Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata,
        spec: toSpec(record),
      };
      return remember(
        await api.replaceNamespacedLease({ name, namespace, body }, requestOptions(requestTimeoutMs)),
      );
    },
  };
}
