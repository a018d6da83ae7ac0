/**
 * The edge around nack-state.ts: fed by the ADS server's events (onNack, onAck, stream open/close), it
 * attributes each NACK to the objects the served xDS resources came from (the translation's source map),
 * keeps the reducer's state, logs when an object starts or stops being rejected, exports
 * `causeway_gateway_rejected_objects`, and tells its listener (the leader writers: Events and Ingress
 * status) when the set of rejections changed.
 */
import type { Logger } from 'pino';
import type { Diagnostic } from '../errors.js';
import type { ControllerMetrics } from '../observability/metrics.js';
import type { AppliedStateStream } from '../pipeline/applied-state.js';
import { objectKey } from '../../xds/translator/source-map.js';
import { CLIENT_TEXT_LIMITS, clipClientText } from '../../xds/server/client-input.js';
import type { AdsConnectionInfo } from '../../xds/server/connection.js';
import type { PortStatus } from '../kubernetes/status/ingress-status.js';
import type { ServedIngress } from '../translate/translate.js';
import { attributeNack, describeRef, resourceTypeName } from './nack-attribution.js';
import {
  ingressPortErrors,
  nackDiagnostics,
  rejectedObjectCounts,
  serviceConditionMessages,
  withNackObjects,
} from './nack-outputs.js';
import { conditionMessage } from '../kubernetes/status/service-conditions.js';
import {
  EMPTY_NACK_STATE,
  prune,
  reduceNack,
  rejectedObjects,
  rejections,
  rejectionKey,
  type NackEvent,
  type NackState,
  type RejectedObject,
  type Rejection,
} from './nack-state.js';

/** The part of an ADS connection the tracker reads. */
export interface NackConnection {
  readonly nodeId: string;
  readonly group: string;
}

export interface NackTrackerOptions {
  /**
   * The runner's applied states; the latest one has the source map of the xDS resources being served
   * and the Ingresses served, with their cluster (for Events and status in Kubernetes mode).
   */
  readonly applied: AppliedStateStream;
  readonly logger: Logger;
  /** Receives the counts behind `causeway_gateway_rejected_objects` after every change. */
  readonly metrics?: Pick<ControllerMetrics, 'setRejectedObjects'>;
  /** Called after the rejections changed (a NACK, a clearing ACK, a forgotten gateway). Must not throw. */
  readonly onChange?: () => void;
  /** A gateway without a stream for this long is forgotten with its rejections (default 10 min). */
  readonly forgetAfterMs?: number;
  readonly now?: () => number;
}

export const DEFAULT_FORGET_AFTER_MS = 10 * 60_000;

export class NackTracker {
  private state: NackState = EMPTY_NACK_STATE;
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly o: NackTrackerOptions) {
    this.now = o.now ?? Date.now;
    const forgetAfterMs = o.forgetAfterMs ?? DEFAULT_FORGET_AFTER_MS;
    this.timer = setInterval(() => this.update(null, forgetAfterMs), Math.min(60_000, forgetAfterMs));
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  onNack(
    conn: NackConnection,
    typeUrl: string,
    version: string,
    errorMessage: string,
    resourceNames: readonly string[],
  ): void {
    // The ADS server clips it on decode already; kept for 10 minutes, it must stay bounded whoever calls.
    const message = clipClientText(errorMessage, CLIENT_TEXT_LIMITS.nackMessage);
    const attribution = attributeNack(
      this.o.applied.latest()?.xdsSources ?? new Map(),
      conn.group,
      typeUrl,
      resourceNames,
      message,
    );
    this.update({
      kind: 'nack',
      node: conn.nodeId,
      group: conn.group,
      typeUrl,
      version,
      message,
      resources: attribution.resources,
      at: this.now(),
    });
    this.o.logger.warn(
      {
        code: 'CW_E_GATEWAY_NACK',
        node: conn.nodeId,
        group: conn.group,
        typeUrl,
        version,
        resources: attribution.resources.map((r) => r.name),
        objects: attribution.objects.map(describeRef),
        narrowed: attribution.narrowed,
      },
      `gateway ${conn.nodeId} (group ${conn.group}) rejected ${resourceTypeName(typeUrl)} ` +
        `${attribution.resources.map((r) => r.name).join(', ')} built from ` +
        `${attribution.objects.length > 0 ? attribution.objects.map(describeRef).join(', ') : 'no known object'}: ${message}`,
    );
  }

  onAck(conn: NackConnection, typeUrl: string, version: string, covers?: readonly string[]): void {
    const before = this.state.rejections.get(rejectionKey({ node: conn.nodeId, group: conn.group, typeUrl }));
    this.update({
      kind: 'ack',
      node: conn.nodeId,
      group: conn.group,
      typeUrl,
      version,
      ...(covers ? { covers } : {}),
    });
    if (!before) return;
    const after = this.state.rejections.get(rejectionKey(before));
    if (after === before) return;
    const still = new Set((after?.objects ?? []).map(describeRef));
    this.o.logger.info(
      {
        node: conn.nodeId,
        group: conn.group,
        typeUrl,
        version,
        objects: before.objects.map(describeRef).filter((o) => !still.has(o)),
        ...(after ? { stillRejected: after.resources.map((r) => r.name) } : {}),
      },
      after
        ? 'gateway accepted a later version; part of its rejection is cleared'
        : 'gateway accepted a later version; its rejection is cleared',
    );
  }

  onStreamOpen(conn: NackConnection): void {
    this.update({ kind: 'open', node: conn.nodeId, group: conn.group, at: this.now() });
  }

  onStreamClose(conn: NackConnection): void {
    this.update({ kind: 'close', node: conn.nodeId, group: conn.group, at: this.now() });
  }

  /** Every current rejection, sorted by group, node and type URL. */
  rejections(): Rejection[] {
    return rejections(this.state);
  }

  /** The current rejection of one node and type, if any (for `/api/gateways`). */
  rejectionOf(nodeId: string, group: string, typeUrl: string): Rejection | undefined {
    return this.state.rejections.get(rejectionKey({ node: nodeId, group, typeUrl }));
  }

  rejectedObjects(): RejectedObject[] {
    return rejectedObjects(this.state);
  }

  /** The ADS registry view with `lastNack.objects` filled in (for `/api/gateways`). */
  annotate(connections: readonly AdsConnectionInfo[]): AdsConnectionInfo[] {
    return withNackObjects(connections, (node, group, typeUrl) => this.rejectionOf(node, group, typeUrl));
  }

  /** `CW_E_GATEWAY_NACK` diagnostics, one per (object, rejection). */
  diagnostics(): Diagnostic[] {
    return nackDiagnostics(this.rejectedObjects(), this.served());
  }

  /** The Services to mark and their condition message, by `namespace/name`. */
  serviceConditions(): Map<string, string> {
    return new Map(
      [...serviceConditionMessages(this.rejectedObjects())].map(([key, messages]) => [
        key,
        conditionMessage(messages),
      ]),
    );
  }

  /** Status port errors of the rejected Ingresses, by `statusKey`. */
  ingressPortErrors(): Map<string, readonly PortStatus[]> {
    return ingressPortErrors(this.rejectedObjects(), this.served(), this.o.applied.latest()?.xdsSources);
  }

  private served(): readonly ServedIngress[] {
    return this.o.applied.latest()?.served ?? [];
  }

  /** Applies an event (or only a prune) and notifies when the rejected objects changed. */
  private update(
    event: NackEvent | null,
    forgetAfterMs = this.o.forgetAfterMs ?? DEFAULT_FORGET_AFTER_MS,
  ): void {
    const before = this.state;
    let next = event ? reduceNack(before, event) : before;
    next = prune(next, this.now(), forgetAfterMs);
    this.state = next;
    if (next.rejections !== before.rejections && signature(before) !== signature(next)) {
      this.o.metrics?.setRejectedObjects(rejectedObjectCounts(rejectedObjects(next)).values());
      if (event === null) this.o.logger.info({}, 'forgot the rejections of gateways gone for long');
      try {
        this.o.onChange?.();
      } catch (err) {
        this.o.logger.error({ err }, 'NACK change listener failed');
      }
    }
  }
}

/** What outputs depend on: each rejection's node, type, version, message and objects. */
function signature(s: NackState): string {
  return JSON.stringify(
    rejections(s).map((r) => [r.node, r.group, r.typeUrl, r.version, r.message, r.objects.map(objectKey)]),
  );
}
