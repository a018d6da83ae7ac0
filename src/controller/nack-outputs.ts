/**
 * What the rejections (nack-state.ts) mean for each object, as pure functions: `CW_E_GATEWAY_NACK`
 * diagnostics (Events in Kubernetes mode, log lines in standalone mode), the Ingress status port errors,
 * and the counts behind the `causeway_gateway_rejected_objects` metric.
 *
 * IR refs of Ingresses carry no cluster (an Ingress of the same namespace/name may exist in several
 * clusters); `resolveIngresses` maps them to the served Ingresses of the rejecting group, so each
 * cluster's copy gets its own Event and status.
 */
import { diagnostic, type Diagnostic, type ObjectRef } from '../errors.js';
import type { PortStatus } from '../kubernetes/status/ingress-status.js';
import { statusKey } from '../kubernetes/status/ingress-status.js';
import type { ServedIngress } from '../translate/translate.js';
import { objectKey, type XdsSourceMap } from '../../xds/translator/source-map.js';
import { resourceTypeName } from './nack-attribution.js';
import type { RejectedObject, Rejection } from './nack-state.js';

/**
 * The `error` of `status.loadBalancer.ingress[].ports[]` on a rejected Ingress: the API asks for a
 * CamelCase value, prefixed by a domain for non-built-in values (`foo.example.com/CamelCase`).
 */
export const INGRESS_PORT_ERROR = 'causeway.dev/GatewayRejectedConfig';

/** The objects a rejection's Ingress refs stand for: the served Ingresses of its group with that name. */
function resolveIngresses(object: ObjectRef, group: string, served: readonly ServedIngress[]): ObjectRef[] {
  if (object.kind !== 'Ingress' || object.cluster !== undefined) return [object];
  const matches = served.filter(
    (s) => s.group === group && s.namespace === object.namespace && s.name === object.name,
  );
  if (matches.length === 0) return [object];
  return matches.map((s) => ({ kind: 'Ingress', namespace: s.namespace, name: s.name, cluster: s.cluster }));
}

/** The message of one rejection on one object: names the resources of it that come from the object. */
export function rejectionMessage(r: Rejection, object: ObjectRef): string {
  const key = objectKey(object);
  const mine = r.resources.filter((res) => res.objects.some((o) => objectKey(o) === key));
  const names = (mine.length > 0 ? mine : r.resources).map((res) => res.name).join(', ');
  return `gateway ${r.node} (group ${r.group}) rejected ${resourceTypeName(r.typeUrl)} ${names}: ${r.message}`;
}

/** One `CW_E_GATEWAY_NACK` diagnostic per (object, rejection), sorted as the inputs are. */
export function nackDiagnostics(
  objects: readonly RejectedObject[],
  served: readonly ServedIngress[],
): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const { object, rejections } of objects) {
    for (const r of rejections) {
      const message = rejectionMessage(r, object);
      for (const ref of resolveIngresses(object, r.group, served))
        out.push(diagnostic('CW_E_GATEWAY_NACK', ref, message));
    }
  }
  return out;
}

/**
 * Port errors for the status of each rejected Ingress, by `statusKey`: every gateway port of each group
 * rejecting something attributed to it, with `INGRESS_PORT_ERROR`, sorted by port.
 */
export function ingressPortErrors(
  objects: readonly RejectedObject[],
  served: readonly ServedIngress[],
  sources: XdsSourceMap | undefined,
): Map<string, readonly PortStatus[]> {
  const ports = new Map<string, Set<number>>();
  for (const { object, rejections } of objects) {
    if (object.kind !== 'Ingress') continue;
    for (const r of rejections) {
      for (const ref of resolveIngresses(object, r.group, served)) {
        if (ref.cluster === undefined || ref.namespace === undefined) continue;
        const key = statusKey({ cluster: ref.cluster, namespace: ref.namespace, name: ref.name });
        const set = ports.get(key) ?? new Set<number>();
        for (const p of sources?.get(r.group)?.ingressPorts ?? []) set.add(p);
        ports.set(key, set);
      }
    }
  }
  return new Map(
    [...ports].map(([key, set]) => [
      key,
      [...set].sort((a, b) => a - b).map((port) => ({ port, protocol: 'TCP', error: INGRESS_PORT_ERROR })),
    ]),
  );
}

/** Rejected objects per (group, kind), for the metric; a group appears once per rejecting group. */
export function rejectedObjectCounts(
  objects: readonly RejectedObject[],
): Map<string, { readonly group: string; readonly kind: string; readonly count: number }> {
  const out = new Map<string, { group: string; kind: string; count: number }>();
  for (const { object, rejections } of objects) {
    for (const group of new Set(rejections.map((r) => r.group))) {
      const key = `${group}\n${object.kind}`;
      const e = out.get(key) ?? { group, kind: object.kind, count: 0 };
      e.count++;
      out.set(key, e);
    }
  }
  return out;
}

/** What `withNackObjects` needs from the ADS registry view: per stream, per type, the last NACK. */
interface ConnectionLike<T> {
  readonly nodeId: string;
  readonly group: string;
  readonly types: readonly T[];
}

/**
 * The registry view with each type's `lastNack.objects` set from the current rejection of that node and
 * type (same version), for `/api/gateways`. Types without a current rejection are left as they are.
 */
export function withNackObjects<
  T extends { readonly typeUrl: string; readonly lastNack?: { readonly version: string } },
  C extends ConnectionLike<T>,
>(
  connections: readonly C[],
  rejectionOf: (node: string, group: string, typeUrl: string) => Rejection | undefined,
): C[] {
  return connections.map((c) => {
    let changed = false;
    const types = c.types.map((t) => {
      const r = t.lastNack ? rejectionOf(c.nodeId, c.group, t.typeUrl) : undefined;
      if (!r || !t.lastNack || r.version !== t.lastNack.version) return t;
      changed = true;
      return { ...t, lastNack: { ...t.lastNack, objects: r.objects } };
    });
    return changed ? { ...c, types } : c;
  });
}

/**
 * The Services to mark with the `causeway.dev/GatewayConfigAccepted=False` condition, by `namespace/name`,
 * each with the messages of its rejections (one line per rejection, see rejectionMessage).
 */
export function serviceConditionMessages(objects: readonly RejectedObject[]): Map<string, readonly string[]> {
  const out = new Map<string, readonly string[]>();
  for (const { object, rejections } of objects) {
    if (object.kind !== 'Service' || object.namespace === undefined) continue;
    out.set(
      `${object.namespace}/${object.name}`,
      rejections.map((r) => rejectionMessage(r, object)),
    );
  }
  return out;
}
