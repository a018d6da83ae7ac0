/**
 * The Gateway API status of a translation (pure): each of our Gateways with its listeners (conditions,
 * supportedKinds, attachedRoutes) and each HTTPRoute's and GRPCRoute's parents. GatewayClasses are left to the writer.
 */
import { compareStrings } from '../ingress/ordering.js';
import type { GatewayModel } from './gateways.js';
import type { RouteModel } from './grpc-routes.js';
import type { L4RouteModel } from './l4-routes.js';
import type { GatewayApiStatus, GatewayStatusModel, RouteStatusModel } from './status-model.js';

export function gatewayApiStatusOf(
  gateways: readonly GatewayModel[],
  routes: readonly RouteModel[],
  l4Routes: readonly L4RouteModel[] = [],
): GatewayApiStatus {
  const attached = new Map<string, number>();
  for (const r of [...routes, ...l4Routes]) {
    for (const k of new Set(r.allowedOn)) attached.set(k, (attached.get(k) ?? 0) + 1);
  }
  const gws: GatewayStatusModel[] = gateways
    .map((g) => ({
      key: g.key,
      cluster: g.cluster,
      group: g.group,
      conditions: g.conditions,
      listeners: g.listeners.map((l) => ({
        name: l.name,
        supportedKinds: l.supportedKinds,
        attachedRoutes: attached.get(`${g.key}\n${l.name}`) ?? 0,
        conditions: l.conditions,
      })),
    }))
    .sort((a, b) => compareStrings(a.cluster, b.cluster) || compareStrings(a.key, b.key));
  const rs: RouteStatusModel[] = [
    ...routes.map((r) => ({
      kind: r.kind,
      key: `${r.namespace}/${r.name}`,
      cluster: r.source.origin.cluster,
      parents: r.parents,
    })),
    ...l4Routes.map((r) => ({
      kind: r.kind,
      key: `${r.namespace}/${r.name}`,
      cluster: r.source.origin.cluster,
      parents: r.parents,
    })),
  ].sort(
    (a, b) =>
      compareStrings(a.kind, b.kind) || compareStrings(a.cluster, b.cluster) || compareStrings(a.key, b.key),
  );
  return { gatewayClasses: [], gateways: gws, routes: rs };
}
