/**
 * The `causeway.dev/GatewayConfigAccepted` condition on Services (`status.conditions`, a list keyed by
 * `type`): `status: "False"`, reason `GatewayRejectedConfig`, while a gateway rejects config built from the
 * Service (its cluster, its endpoints, its TCP listener; see docs/nack.md). The condition is removed once
 * nothing built from the Service is rejected: its absence means "nothing rejected", as an Ingress's status
 * without port errors does.
 *
 * `planServiceConditions` is pure. `ServiceConditionWriter` is the edge: leader only, it strategic-merge
 * patches `services/status` (merging by condition `type`, so other controllers' conditions stay), in every
 * source cluster where the Service exists. It learns which Services carry the condition from one LIST per
 * cluster when it knows nothing (e.g. after becoming leader, so a previous leader's marks are cleared too),
 * then from its own patches.
 */
import {
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Service,
} from '@kubernetes/client-node';
import type { Logger } from '../../observability/logger.js';
import { describeCallError, requestOptions, withRetry, type RetryOptions } from '../client/kube-api-call.js';
import { httpStatusOf } from '../client/http-status.js';

export const SERVICE_CONDITION_TYPE = 'causeway.dev/GatewayConfigAccepted';
export const SERVICE_CONDITION_REASON = 'GatewayRejectedConfig';
/** metav1.Condition allows 32768 characters of message. */
export const CONDITION_MESSAGE_LIMIT = 32_768;

export function conditionMessage(messages: readonly string[]): string {
  const text = [...messages].sort().join('; ');
  return text.length <= CONDITION_MESSAGE_LIMIT ? text : `${text.slice(0, CONDITION_MESSAGE_LIMIT - 1)}…`;
}

export type ConditionChange =
  | { readonly kind: 'set'; readonly key: string; readonly message: string }
  | { readonly kind: 'remove'; readonly key: string };

/**
 * The patches that bring one cluster's Services from `current` (by `namespace/name`: the message of our
 * condition, for those carrying it) to `desired` (same form), for the Services that exist there; sorted.
 */
export function planServiceConditions(
  current: ReadonlyMap<string, string>,
  desired: ReadonlyMap<string, string>,
  exists: (key: string) => boolean,
): ConditionChange[] {
  const out: ConditionChange[] = [];
  for (const [key, message] of desired)
    if (exists(key) && current.get(key) !== message) out.push({ kind: 'set', key, message });
  for (const key of current.keys()) if (!desired.has(key)) out.push({ kind: 'remove', key });
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.kind < b.kind ? -1 : 1));
}

/** The strategic merge patch body for a change (`$patch: delete` removes our condition only). */
export function conditionPatch(change: ConditionChange, now: Date, generation?: number): object {
  if (change.kind === 'remove')
    return { status: { conditions: [{ type: SERVICE_CONDITION_TYPE, $patch: 'delete' }] } };
  return {
    status: {
      conditions: [
        {
          type: SERVICE_CONDITION_TYPE,
          status: 'False',
          reason: SERVICE_CONDITION_REASON,
          message: change.message,
          lastTransitionTime: now.toISOString(),
          ...(generation !== undefined ? { observedGeneration: generation } : {}),
        },
      ],
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// The apiserver side

export interface ServiceInfo {
  /** Our condition's message, when the Service carries it. */
  readonly message?: string;
  readonly generation?: number;
}

/** What the writer needs from one cluster (needs list on `services`, patch on `services/status`). */
export interface ServiceConditionClient {
  /** Every Service of the cluster by `namespace/name`. */
  list(): Promise<ReadonlyMap<string, ServiceInfo>>;
  patch(namespace: string, name: string, body: object): Promise<void>;
}

function infoOf(s: V1Service): ServiceInfo {
  const c = s.status?.conditions?.find((x) => x.type === SERVICE_CONDITION_TYPE);
  return {
    ...(c ? { message: c.message ?? '' } : {}),
    ...(s.metadata?.generation !== undefined ? { generation: s.metadata.generation } : {}),
  };
}

export function kubeServiceConditionClient(
  kubeConfig: KubeConfig,
  requestTimeoutMs = 10_000,
): ServiceConditionClient {
  const api = kubeConfig.makeApiClient(CoreV1Api);
  return {
    async list() {
      const out = new Map<string, ServiceInfo>();
      let continueToken: string | undefined;
      do {
        const page = await api.listServiceForAllNamespaces(
          { limit: 500, ...(continueToken ? { _continue: continueToken } : {}) },
          requestOptions(requestTimeoutMs),
        );
        for (const s of page.items) {
          const { namespace, name } = s.metadata ?? {};
          if (namespace && name) out.set(`${namespace}/${name}`, infoOf(s));
        }
        continueToken = page.metadata?._continue || undefined;
      } while (continueToken);
      return out;
    },
    async patch(namespace, name, body) {
      await api.patchNamespacedServiceStatus(
        { namespace, name, body },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch, requestOptions(requestTimeoutMs)),
      );
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// The writer

export interface ServiceConditionWriterOptions {
  /** Every source cluster's client, by cluster name. */
  readonly clients: ReadonlyMap<string, ServiceConditionClient>;
  readonly isLeader: () => boolean;
  readonly logger: Logger;
  readonly retry?: RetryOptions;
  readonly now?: () => Date;
}

export class ServiceConditionWriter {
  /** Per cluster: every Service with our condition's message when it has one. */
  private readonly known = new Map<string, Map<string, ServiceInfo>>();
  private queued: ReadonlyMap<string, string> | undefined;
  private active: Promise<void> | undefined;

  constructor(private readonly o: ServiceConditionWriterOptions) {}

  /** Drops what is known (call when this replica starts leading). */
  forget(): void {
    this.known.clear();
  }

  /** Brings every Service to `desired` (`namespace/name` -> message); serialized, the latest call wins. */
  sync(desired: ReadonlyMap<string, string>): Promise<void> {
    this.queued = desired;
    this.active ??= this.drain().finally(() => (this.active = undefined));
    return this.active;
  }

  private async drain(): Promise<void> {
    while (this.queued) {
      const desired = this.queued;
      this.queued = undefined;
      for (const [cluster, client] of [...this.o.clients].sort(([a], [b]) => (a < b ? -1 : 1))) {
        if (!this.o.isLeader()) {
          this.forget();
          return;
        }
        await this.syncCluster(cluster, client, desired);
      }
    }
  }

  private async syncCluster(
    cluster: string,
    client: ServiceConditionClient,
    desired: ReadonlyMap<string, string>,
  ): Promise<void> {
    const retryCtx = { proceed: this.o.isLeader };
    let known = this.known.get(cluster);
    if (!known) {
      try {
        known = new Map(await withRetry(() => client.list(), this.o.retry, retryCtx));
        this.known.set(cluster, known);
      } catch (err) {
        this.o.logger.warn(
          { cluster, error: describeCallError(err) },
          'listing Services failed; conditions not written',
        );
        return;
      }
    }
    const k = known;
    const current = new Map(
      [...k].filter(([, i]) => i.message !== undefined).map(([key, i]) => [key, i.message as string]),
    );
    for (const change of planServiceConditions(current, desired, (key) => k.has(key))) {
      const [namespace, name] = change.key.split('/') as [string, string];
      const info = k.get(change.key);
      try {
        await withRetry(
          () =>
            client.patch(
              namespace,
              name,
              conditionPatch(change, (this.o.now ?? (() => new Date()))(), info?.generation),
            ),
          this.o.retry,
          retryCtx,
        );
        k.set(change.key, {
          ...(info?.generation !== undefined ? { generation: info.generation } : {}),
          ...(change.kind === 'set' ? { message: change.message } : {}),
        });
        this.o.logger.info(
          {
            cluster,
            kind: 'Service',
            namespace,
            name,
            condition: SERVICE_CONDITION_TYPE,
            change: change.kind,
          },
          change.kind === 'set'
            ? 'Service marked: a gateway rejects config built from it'
            : 'Service mark cleared',
        );
      } catch (err) {
        if (httpStatusOf(err) === 404) k.delete(change.key);
        else {
          this.known.delete(cluster); // re-read at the next sync
          this.o.logger.warn(
            { cluster, namespace, name, error: describeCallError(err) },
            'writing the Service condition failed',
          );
          return;
        }
      }
    }
  }
}
