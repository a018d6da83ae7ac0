/**
 * Ingress status: `status.loadBalancer.ingress` of every Ingress Causeway serves gets the addresses of
 * its gateway group (an IP as `ip`, anything else as `hostname`). While a gateway of the group rejects
 * config built from the Ingress, every entry also lists the gateway ports with
 * `error: causeway.dev/GatewayRejectedConfig` (`ports[]` is the API's per-load-balancer error field; see
 * docs/nack.md).
 *
 * `desiredStatuses` is pure. `IngressStatusWriter` is the edge: only while this replica leads, it
 * merge-patches the `status` subresource of the Ingresses whose current status differs, never touches an
 * Ingress that is not ours, and retries 5xx/429 with capped, jittered backoff. It remembers what each
 * Ingress's status is (one LIST per cluster when it knows nothing, then what its own PATCHes returned),
 * so an unchanged sync makes no request at all; that knowledge is re-read every `resyncMs` and dropped
 * whenever this replica is not the leader.
 */
import { isIP } from 'node:net';
import {
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Ingress,
  type V1IngressLoadBalancerIngress,
} from '@kubernetes/client-node';
import { objectFields, type Logger } from '../../observability/logger.js';
import type { ServedIngress } from '../../translate/translate.js';
import { describeCallError, requestOptions, withRetry, type RetryOptions } from '../client/kube-api-call.js';
import { httpStatusOf } from '../client/http-status.js';

// ---------------------------------------------------------------------------------------------------
// Pure

export interface PortStatus {
  readonly port: number;
  readonly protocol: string;
  readonly error?: string;
}

/** One entry of `status.loadBalancer.ingress` (networking.k8s.io/v1 IngressLoadBalancerIngress). */
export interface LoadBalancerIngress {
  readonly ip?: string;
  readonly hostname?: string;
  readonly ports?: readonly PortStatus[];
}

/** The key of an Ingress in `desiredStatuses`: `cluster/namespace/name`. */
export function statusKey(ref: {
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
}): string {
  return `${ref.cluster}/${ref.namespace}/${ref.name}`;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** IPv4 before IPv6; IPv4 numerically (10.0.0.2 before 10.0.0.10); IPv6 as text. */
function compareIps(a: string, b: string): number {
  const fa = isIP(a);
  const fb = isIP(b);
  if (fa !== fb) return fa - fb;
  if (fa === 4) {
    const na = a.split('.').map(Number);
    const nb = b.split('.').map(Number);
    for (let i = 0; i < 4; i++) {
      const d = (na[i] ?? 0) - (nb[i] ?? 0);
      if (d !== 0) return d;
    }
    return 0;
  }
  return compareStrings(a, b);
}

/**
 * The status entries for a list of addresses: IPs (also `[v6]`) as `ip`, the rest as `hostname`
 * (lower-cased, without a trailing dot); blanks dropped, duplicates removed, IPs first, each sorted.
 */
export function loadBalancerIngresses(addresses: readonly string[]): LoadBalancerIngress[] {
  const ips = new Set<string>();
  const hostnames = new Set<string>();
  for (const raw of addresses) {
    const address = raw.trim();
    if (address === '') continue;
    const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
    if (isIP(bare) !== 0) ips.add(bare.toLowerCase());
    else hostnames.add(address.toLowerCase().replace(/\.$/, ''));
  }
  return [
    ...[...ips].sort(compareIps).map((ip) => ({ ip })),
    ...[...hostnames].sort(compareStrings).map((hostname) => ({ hostname })),
  ];
}

/**
 * The status each served Ingress should have, by `statusKey`. An Ingress whose group has no entry in
 * `groupAddresses` is left out (its status is left as it is: the addresses are not known yet); a group
 * with an empty list empties the status of its Ingresses.
 */
export function desiredStatuses(
  served: readonly ServedIngress[],
  groupAddresses: ReadonlyMap<string, readonly string[]>,
  portErrors: ReadonlyMap<string, readonly PortStatus[]> = new Map(),
): Map<string, readonly LoadBalancerIngress[]> {
  const byGroup = new Map<string, readonly LoadBalancerIngress[]>();
  const out = new Map<string, readonly LoadBalancerIngress[]>();
  const sorted = [...served].sort((a, b) => compareStrings(statusKey(a), statusKey(b)));
  for (const ing of sorted) {
    const addresses = groupAddresses.get(ing.group);
    if (addresses === undefined) continue;
    let entries = byGroup.get(ing.group);
    if (entries === undefined) {
      entries = loadBalancerIngresses(addresses);
      byGroup.set(ing.group, entries);
    }
    const ports = portErrors.get(statusKey(ing));
    out.set(
      statusKey(ing),
      ports && ports.length > 0
        ? entries.map((e) => ({ ...e, ports: ports.map((p) => ({ ...p })) }))
        : entries,
    );
  }
  return out;
}

function samePorts(a: readonly PortStatus[] | undefined, b: readonly PortStatus[] | undefined): boolean {
  const pa = a ?? [];
  const pb = b ?? [];
  return (
    pa.length === pb.length &&
    pa.every(
      (p, i) =>
        p.port === pb[i]?.port && p.protocol === pb[i]?.protocol && (p.error ?? '') === (pb[i]?.error ?? ''),
    )
  );
}

/** Whether two status lists are the same, entry by entry (order included; absent = empty). */
export function sameStatus(a: readonly LoadBalancerIngress[], b: readonly LoadBalancerIngress[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (e, i) =>
        (e.ip ?? '') === (b[i]?.ip ?? '') &&
        (e.hostname ?? '') === (b[i]?.hostname ?? '') &&
        samePorts(e.ports, b[i]?.ports),
    )
  );
}

// ---------------------------------------------------------------------------------------------------
// The apiserver side

/** What the writer needs from one cluster. Errors carry the HTTP status as `code` (client-node's ApiException). */
export interface IngressStatusClient {
  /** The status of every Ingress of the cluster, by `namespace/name`. */
  list(): Promise<ReadonlyMap<string, readonly LoadBalancerIngress[]>>;
  /** The status of one Ingress; undefined when it does not exist. */
  get(namespace: string, name: string): Promise<readonly LoadBalancerIngress[] | undefined>;
  /** Merge-patches `status.loadBalancer.ingress` and returns the status the apiserver now holds. */
  patch(
    namespace: string,
    name: string,
    ingress: readonly LoadBalancerIngress[],
  ): Promise<readonly LoadBalancerIngress[]>;
}

function fromApi(ingress: V1Ingress): readonly LoadBalancerIngress[] {
  return (ingress.status?.loadBalancer?.ingress ?? []).map((e: V1IngressLoadBalancerIngress) => ({
    ...(e.ip ? { ip: e.ip } : {}),
    ...(e.hostname ? { hostname: e.hostname } : {}),
    ...(e.ports && e.ports.length > 0
      ? {
          ports: e.ports.map((p) => ({
            port: p.port,
            protocol: p.protocol,
            ...(p.error ? { error: p.error } : {}),
          })),
        }
      : {}),
  }));
}

export const LIST_PAGE_SIZE = 500;

/** Ingress status through client-node (needs get/list on `ingresses` and patch on `ingresses/status`). */
export function kubeIngressStatusClient(
  kubeConfig: KubeConfig,
  requestTimeoutMs = 10_000,
): IngressStatusClient {
  const api = kubeConfig.makeApiClient(NetworkingV1Api);
  return {
    async list() {
      const out = new Map<string, readonly LoadBalancerIngress[]>();
      let continueToken: string | undefined;
      do {
        const page = await api.listIngressForAllNamespaces(
          { limit: LIST_PAGE_SIZE, ...(continueToken ? { _continue: continueToken } : {}) },
          requestOptions(requestTimeoutMs),
        );
        for (const ing of page.items) {
          const { namespace, name } = ing.metadata ?? {};
          if (namespace && name) out.set(`${namespace}/${name}`, fromApi(ing));
        }
        continueToken = page.metadata?._continue || undefined;
      } while (continueToken);
      return out;
    },
    async get(namespace, name) {
      try {
        return fromApi(
          await api.readNamespacedIngress({ namespace, name }, requestOptions(requestTimeoutMs)),
        );
      } catch (err) {
        if (httpStatusOf(err) === 404) return undefined;
        throw err;
      }
    },
    async patch(namespace, name, ingress) {
      const body = { status: { loadBalancer: { ingress: ingress.map((e) => ({ ...e })) } } };
      const updated = await api.patchNamespacedIngressStatus(
        { namespace, name, body },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch, requestOptions(requestTimeoutMs)),
      );
      return fromApi(updated);
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// The writer

export interface IngressStatusWriterOptions {
  /** The client of a source cluster; undefined when Causeway has none (its Ingresses are skipped). */
  readonly clientFor: (cluster: string) => IngressStatusClient | undefined;
  /** The addresses of each gateway group (from the config file or the connected gateways). */
  readonly groupAddresses: () => ReadonlyMap<string, readonly string[]>;
  /** Checked before every request: nothing is written unless this replica leads. */
  readonly isLeader: () => boolean;
  readonly logger: Logger;
  /** Retries of one request on 5xx, 429 and network errors (default 4 attempts, 200 ms to 5 s). */
  readonly retry?: RetryOptions;
  /** Requests in flight at once (default 4). */
  readonly concurrency?: number;
  /** What is known of a cluster's statuses is re-read (one LIST) after this long (default 10 min). */
  readonly resyncMs?: number;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface StatusSyncResult {
  /** PATCHes that succeeded. */
  readonly written: number;
  /** Ingresses whose status was already right. */
  readonly unchanged: number;
  /** Ingresses that could not be read or written (they are retried at the next sync). */
  readonly failed: number;
  /** Set when nothing was done because this replica does not lead. */
  readonly notLeader?: true;
}

interface ClusterKnowledge {
  readonly readAt: number;
  /** Status by `namespace/name`. */
  readonly statuses: Map<string, readonly LoadBalancerIngress[]>;
}

interface Job {
  served: readonly ServedIngress[];
  portErrors: ReadonlyMap<string, readonly PortStatus[]>;
  readonly waiters: { resolve: (r: StatusSyncResult) => void; reject: (e: unknown) => void }[];
}

export const DEFAULT_STATUS_RESYNC_MS = 10 * 60_000;

/** Runs `fn` over `items` with at most `limit` at once. */
async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

export class IngressStatusWriter {
  private readonly log: Logger;
  private readonly known = new Map<string, ClusterKnowledge>();
  private queued: Job | undefined;
  private active: Promise<void> | undefined;

  constructor(private readonly options: IngressStatusWriterOptions) {
    this.log = options.logger.child({ component: 'ingress-status' });
  }

  /**
   * Brings the status of every served Ingress to its group's addresses (with `portErrors`, by
   * `statusKey`, on the Ingresses a gateway rejects config of). Calls are serialized and coalesced:
   * while one runs, later calls wait and only the latest arguments are applied next.
   */
  sync(
    served: readonly ServedIngress[],
    portErrors: ReadonlyMap<string, readonly PortStatus[]> = new Map(),
  ): Promise<StatusSyncResult> {
    return new Promise((resolve, reject) => {
      if (this.queued) {
        this.queued.served = served;
        this.queued.portErrors = portErrors;
        this.queued.waiters.push({ resolve, reject });
      } else {
        this.queued = { served, portErrors, waiters: [{ resolve, reject }] };
      }
      this.active ??= this.drain();
    });
  }

  /** Drops what is known of current statuses (call when this replica starts leading). */
  forget(): void {
    this.known.clear();
  }

  private async drain(): Promise<void> {
    while (this.queued) {
      const job = this.queued;
      this.queued = undefined;
      try {
        const result = await this.run(job.served, job.portErrors);
        for (const w of job.waiters) w.resolve(result);
      } catch (err) {
        for (const w of job.waiters) w.reject(err);
      }
    }
    this.active = undefined;
  }

  private retryContext(): {
    proceed: () => boolean;
    random?: () => number;
    sleep?: (ms: number) => Promise<void>;
  } {
    return {
      proceed: this.options.isLeader,
      ...(this.options.random ? { random: this.options.random } : {}),
      ...(this.options.sleep ? { sleep: this.options.sleep } : {}),
    };
  }

  private async run(
    served: readonly ServedIngress[],
    portErrors: ReadonlyMap<string, readonly PortStatus[]>,
  ): Promise<StatusSyncResult> {
    if (!this.options.isLeader()) {
      this.forget();
      return { written: 0, unchanged: 0, failed: 0, notLeader: true };
    }
    const desired = desiredStatuses(served, this.options.groupAddresses(), portErrors);
    const byCluster = new Map<string, ServedIngress[]>();
    for (const ing of served) {
      if (!desired.has(statusKey(ing))) continue;
      const list = byCluster.get(ing.cluster) ?? [];
      list.push(ing);
      byCluster.set(ing.cluster, list);
    }
    let written = 0;
    let unchanged = 0;
    let failed = 0;
    for (const [cluster, ingresses] of [...byCluster].sort(([a], [b]) => compareStrings(a, b))) {
      const client = this.options.clientFor(cluster);
      if (!client) {
        this.log.warn(
          { cluster, ingresses: ingresses.length },
          'no client for the cluster; its Ingress status is not written',
        );
        failed += ingresses.length;
        continue;
      }
      const knowledge = await this.knowledgeOf(cluster, client);
      if (!knowledge) {
        failed += ingresses.length;
        continue;
      }
      // Those known to be right already are counted here, without a request or a promise each.
      const pending = ingresses.filter((ing) => {
        const current = knowledge.statuses.get(`${ing.namespace}/${ing.name}`);
        const right = current !== undefined && sameStatus(current, desired.get(statusKey(ing)) ?? []);
        if (right) unchanged++;
        return !right;
      });
      await forEachLimited(pending, this.options.concurrency ?? 4, async (ing) => {
        const outcome = await this.syncOne(ing, desired.get(statusKey(ing)) ?? [], client, knowledge);
        if (outcome === 'written') written++;
        else if (outcome === 'unchanged') unchanged++;
        else if (outcome === 'failed') failed++;
      });
    }
    if (!this.options.isLeader()) this.forget();
    if (written > 0 || failed > 0) this.log.info({ written, unchanged, failed }, 'Ingress status synced');
    return { written, unchanged, failed };
  }

  /** What is known of a cluster's statuses; LISTs when nothing is or it is older than resyncMs. */
  private async knowledgeOf(
    cluster: string,
    client: IngressStatusClient,
  ): Promise<ClusterKnowledge | undefined> {
    const current = this.known.get(cluster);
    const resyncMs = this.options.resyncMs ?? DEFAULT_STATUS_RESYNC_MS;
    if (current && Date.now() - current.readAt < resyncMs) return current;
    const readAt = Date.now();
    try {
      const statuses = await withRetry(() => client.list(), this.options.retry, this.retryContext());
      const knowledge: ClusterKnowledge = { readAt, statuses: new Map(statuses) };
      this.known.set(cluster, knowledge);
      return knowledge;
    } catch (err) {
      this.known.delete(cluster);
      this.log.warn(
        { cluster, error: describeCallError(err) },
        'listing Ingresses failed; status not written',
      );
      return undefined;
    }
  }

  private async syncOne(
    ing: ServedIngress,
    want: readonly LoadBalancerIngress[],
    client: IngressStatusClient,
    knowledge: ClusterKnowledge,
  ): Promise<'written' | 'unchanged' | 'failed' | 'gone' | 'stopped'> {
    const key = `${ing.namespace}/${ing.name}`;
    const fields = objectFields({
      kind: 'Ingress',
      namespace: ing.namespace,
      name: ing.name,
      cluster: ing.cluster,
    });
    if (!this.options.isLeader()) return 'stopped';
    let current = knowledge.statuses.get(key);
    try {
      if (current === undefined) {
        // Not in the last LIST: created since. Read it.
        current = await withRetry(
          () => client.get(ing.namespace, ing.name),
          this.options.retry,
          this.retryContext(),
        );
        if (current === undefined) return 'gone';
        knowledge.statuses.set(key, current);
      }
      if (sameStatus(current, want)) return 'unchanged';
      if (!this.options.isLeader()) return 'stopped';
      const now = await withRetry(
        () => client.patch(ing.namespace, ing.name, want),
        this.options.retry,
        this.retryContext(),
      );
      knowledge.statuses.set(key, now);
      const errors = [...new Set(want.flatMap((e) => (e.ports ?? []).map((p) => p.error ?? '')))].filter(
        Boolean,
      );
      this.log.info(
        {
          ...fields,
          addresses: want.map((e) => e.ip ?? e.hostname),
          ...(errors.length > 0 ? { errors } : {}),
        },
        'updated Ingress status',
      );
      return 'written';
    } catch (err) {
      knowledge.statuses.delete(key);
      if (httpStatusOf(err) === 404) return 'gone';
      if (!this.options.isLeader()) return 'stopped';
      this.log.warn({ ...fields, error: describeCallError(err) }, 'writing Ingress status failed');
      return 'failed';
    }
  }
}
