/**
 * Kubernetes mode, leader only: Ingress status and Events. Every replica translates and serves xDS; the
 * replica holding the Lease also writes `status.loadBalancer.ingress` of the Ingresses it serves and turns
 * diagnostics into Events. Gateway rejections (NACKs, see docs/nack.md) add `CW_E_GATEWAY_NACK`
 * diagnostics, port errors on the status of the Ingresses and the `causeway.dev/GatewayConfigAccepted`
 * condition on the Services they are attributed to. A replica only
 * knows the NACKs of the gateways connected to it, so the leader writes what its own gateways reject. Losing the Lease stops both at once (the writers check `isLeader()` before every
 * write); winning it makes them re-read and catch up with the last applied state (the latest of the
 * runner's applied-state stream, which they subscribe to).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Diagnostic, ObjectRef } from '../errors.js';
import { withGatewayClassStatus } from '../gateway-api/gateway-class-status.js';
import type { GatewayApiStatus } from '../gateway-api/status-model.js';
import { EventRecorder } from '../kubernetes/status/events/event-recorder.js';
import { kubeGatewayApiStatusClient } from '../kubernetes/status/gateway-api-status-client.js';
import { GatewayApiStatusWriter } from '../kubernetes/status/gateway-api-status-writer.js';
import { kubeEventClient } from '../kubernetes/status/events/event-client.js';
import {
  DEFAULT_STATUS_RESYNC_MS,
  IngressStatusWriter,
  kubeIngressStatusClient,
  type PortStatus,
} from '../kubernetes/status/ingress-status.js';
import { LeaderElector } from '../kubernetes/lease/leader-election.js';
import {
  ServiceConditionWriter,
  kubeServiceConditionClient,
} from '../kubernetes/status/service-conditions.js';
import { GATEWAY_API_SAME_MAPS, ROUTE_MAPS, type ResourceSet } from '../resources/resource-set.js';
import type { AppliedState, AppliedStateStream } from '../pipeline/applied-state.js';
import { withRouteRejections } from './nack-route-status.js';
import type { RejectedObject } from './nack-state.js';

export interface LeaderWritersOptions {
  /** Each source cluster's client config; the Lease lives in the first one. */
  readonly kubeConfigs: ReadonlyMap<string, KubeConfig>;
  readonly leaseNamespace: string;
  readonly leaseName?: string;
  /** Unique per replica (the pod name). */
  readonly identity: string;
  /** The runner's applied states: each new one is written (status, Events). */
  readonly applied: AppliedStateStream;
  /** Adds what other writers of the same objects contribute (ALB mode: the ALB Ingresses and diagnostics). */
  readonly augment?: (state: AppliedState) => AppliedState;
  /** Client-facing addresses of each gateway group. */
  readonly groupAddresses: () => ReadonlyMap<string, readonly string[]>;
  readonly logger: Logger;
  /** What gateways reject (NACKs): object diagnostics and Ingress status port errors (by statusKey). */
  readonly nacks?: {
    diagnostics(): readonly Diagnostic[];
    ingressPortErrors(): ReadonlyMap<string, readonly PortStatus[]>;
    /** `namespace/name` -> message of the Services to mark `causeway.dev/GatewayConfigAccepted=False`. */
    serviceConditions(): ReadonlyMap<string, string>;
    /** The objects rejections are attributed to (routes get a condition on their parents' status). */
    rejectedObjects(): readonly RejectedObject[];
  };
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
}

/** The uid of the object a diagnostic is about, so Events link to it (`kubectl describe` shows them). */
function uidIn(resources: ResourceSet, ref: ObjectRef): string | undefined {
  const key = `${ref.namespace ?? ''}/${ref.name}`;
  switch (ref.kind) {
    case 'Ingress':
      return resources.ingresses.get(`${ref.cluster ?? ''}/${key}`)?.object.metadata.uid;
    case 'Service':
      return resources.services.get(key)?.object.metadata.uid;
    case 'Secret':
      return resources.secrets.get(key)?.object.metadata.uid;
    case 'IngressClass':
      return resources.ingressClasses.get(ref.name)?.object.metadata.uid;
    case 'GatewayClass':
      return resources.gatewayApi.gatewayClasses.get(ref.name)?.object.metadata.uid;
    case 'Gateway':
    case 'ReferenceGrant':
      return resources.gatewayApi[GATEWAY_API_SAME_MAPS[ref.kind]].get(key)?.object.metadata.uid;
    case 'HTTPRoute':
    case 'GRPCRoute':
    case 'TLSRoute':
    case 'TCPRoute':
    case 'UDPRoute':
      return resources.gatewayApi[ROUTE_MAPS[ref.kind]].get(`${ref.cluster ?? ''}/${key}`)?.object.metadata
        .uid;
    default:
      return undefined;
  }
}

export class LeaderWriters {
  private readonly elector: LeaderElector;
  private readonly status: IngressStatusWriter;
  private readonly events: EventRecorder;
  private readonly conditions: ServiceConditionWriter;
  private readonly gatewayApi: GatewayApiStatusWriter;
  private readonly unsubscribe: () => void;
  private resyncTimer?: NodeJS.Timeout;
  /** What the last write from the applied-state stream wrote: its served Ingresses and diagnostics. */
  private lastWritten?: Pick<AppliedState, 'served' | 'diagnostics' | 'gatewayApiStatus'>;

  constructor(private readonly o: LeaderWritersOptions) {
    const [leaseCluster] = [...o.kubeConfigs.keys()];
    if (leaseCluster === undefined) throw new Error('LeaderWriters needs at least one cluster');
    const isLeader = (): boolean => this.elector.isLeader();
    const statusClients = new Map([...o.kubeConfigs].map(([c, kc]) => [c, kubeIngressStatusClient(kc)]));
    const eventClients = new Map([...o.kubeConfigs].map(([c, kc]) => [c, kubeEventClient(kc)]));
    this.status = new IngressStatusWriter({
      clientFor: (cluster) => statusClients.get(cluster),
      groupAddresses: o.groupAddresses,
      isLeader,
      logger: o.logger,
    });
    this.conditions = new ServiceConditionWriter({
      clients: new Map([...o.kubeConfigs].map(([c, kc]) => [c, kubeServiceConditionClient(kc)])),
      isLeader,
      logger: o.logger.child({ component: 'service-conditions' }),
    });
    const gatewayApiClients = new Map(
      [...o.kubeConfigs].map(([c, kc]) => [c, kubeGatewayApiStatusClient(kc)]),
    );
    this.gatewayApi = new GatewayApiStatusWriter({
      clientFor: (cluster) => gatewayApiClients.get(cluster),
      clusters: [...o.kubeConfigs.keys()],
      groupAddresses: o.groupAddresses,
      isLeader,
      logger: o.logger,
    });
    this.events = new EventRecorder({
      // Diagnostics without a cluster (e.g. on a Service) go to the first cluster.
      clientFor: (cluster) => eventClients.get(cluster ?? leaseCluster),
      isLeader,
      reportingInstance: o.identity,
      logger: o.logger,
      uidOf: (ref) => {
        const state = o.applied.latest();
        return state ? uidIn(state.resources, ref) : undefined;
      },
    });
    this.elector = new LeaderElector({
      kubeConfig: o.kubeConfigs.get(leaseCluster)!,
      namespace: o.leaseNamespace,
      name: o.leaseName ?? 'causeway-controller',
      identity: o.identity,
      logger: o.logger,
      ...(o.leaseDurationMs !== undefined ? { leaseDurationMs: o.leaseDurationMs } : {}),
      ...(o.renewDeadlineMs !== undefined ? { renewDeadlineMs: o.renewDeadlineMs } : {}),
      ...(o.retryPeriodMs !== undefined ? { retryPeriodMs: o.retryPeriodMs } : {}),
      onStartedLeading: () => {
        o.logger.info({ identity: o.identity }, 'became leader: writing Ingress status and Events');
        this.status.forget();
        this.conditions.forget();
        this.gatewayApi.forget();
        this.write();
      },
      onStoppedLeading: () =>
        o.logger.warn({ identity: o.identity }, 'stopped leading: no more status or Event writes'),
    });
    this.unsubscribe = o.applied.subscribe((state) => this.onApplied(state));
  }

  start(): void {
    this.elector.start();
    // An endpoint-only applied state writes nothing (onApplied), so the status writer's lazy re-read
    // (every DEFAULT_STATUS_RESYNC_MS) is driven from here too: a status someone else changed is put
    // right within that time even while only EndpointSlices change.
    this.resyncTimer = setInterval(() => this.refreshStatus(), DEFAULT_STATUS_RESYNC_MS / 2);
    this.resyncTimer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.resyncTimer);
    this.unsubscribe();
    this.events.close();
    this.gatewayApi.close();
    await this.elector.stop();
  }

  isLeader(): boolean {
    return this.elector.isLeader();
  }

  /** Writes status for the last applied state again (e.g. when the gateways' addresses changed). */
  refreshStatus(): void {
    const s = this.current();
    if (s && this.elector.isLeader()) {
      void this.status.sync(s.served, this.portErrors()).catch(() => undefined);
      void this.gatewayApi.sync(this.gatewayApiStatusOf(s));
    }
  }

  /** The set of gateway rejections changed: writes Events and status again. */
  nacksChanged(): void {
    this.write();
  }

  /** What `augment` adds changed (e.g. an ALB reconcile finished): writes Events and status again. */
  augmentChanged(): void {
    this.write();
  }

  /** The latest applied state with `augment`'s additions. */
  private current(): AppliedState | undefined {
    const state = this.o.applied.latest();
    return state && this.o.augment ? this.o.augment(state) : state;
  }

  /** The Gateway API status to write: the translation's, the GatewayClasses', the routes' rejections. */
  private gatewayApiStatusOf(s: AppliedState): GatewayApiStatus {
    const status = withGatewayClassStatus(s.gatewayApiStatus, s.resources);
    return this.o.nacks ? withRouteRejections(status, this.o.nacks.rejectedObjects()) : status;
  }

  private portErrors(): ReadonlyMap<string, readonly PortStatus[]> {
    return this.o.nacks?.ingressPortErrors() ?? new Map();
  }

  /**
   * An applied state: written unless its served Ingresses, diagnostics and Gateway API status are the
   * very values written last (an EndpointSlice write changes neither: the runner keeps both arrays while their content is
   * the same), so a change that cannot change status or Events costs nothing here. NACKs, `augment`'s
   * additions and the gateways' addresses have their own calls (nacksChanged, augmentChanged,
   * refreshStatus).
   */
  private onApplied(state: AppliedState): void {
    const last = this.lastWritten;
    if (
      last &&
      last.served === state.served &&
      last.diagnostics === state.diagnostics &&
      last.gatewayApiStatus === state.gatewayApiStatus
    )
      return;
    this.write();
  }

  private write(): void {
    const raw = this.o.applied.latest();
    const s = this.current();
    if (!s || !this.elector.isLeader()) return;
    if (raw)
      this.lastWritten = {
        served: raw.served,
        diagnostics: raw.diagnostics,
        gatewayApiStatus: raw.gatewayApiStatus,
      };
    this.status
      .sync(s.served, this.portErrors())
      .catch((err: unknown) => this.o.logger.error({ err }, 'Ingress status sync failed'));
    void this.gatewayApi.sync(this.gatewayApiStatusOf(s));
    if (this.o.nacks)
      this.conditions
        .sync(this.o.nacks.serviceConditions())
        .catch((err: unknown) => this.o.logger.error({ err }, 'Service condition sync failed'));
    this.events
      .record([...s.diagnostics, ...(this.o.nacks?.diagnostics() ?? [])])
      .catch((err: unknown) => this.o.logger.error({ err }, 'recording Events failed'));
  }
}
