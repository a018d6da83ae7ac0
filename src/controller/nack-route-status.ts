/**
 * Gateway rejections on the Gateway API routes they come from (pure), the routes' counterpart of the
 * Ingress status port errors: each parent of a rejected route whose Gateway is served by the rejecting
 * gateway group gets the condition `causeway.dev/GatewayConfigAccepted=False`, reason `Rejected`, with
 * the rejection's message (which gateway, which xDS resources, Envoy's error). The spec lets an
 * implementation add its own domain-prefixed condition types; the spec's `Accepted` and `ResolvedRefs`
 * stay as the translation computed them (the route is valid; a gateway could not apply it). The condition
 * goes away with the rejection (the next status write no longer has it).
 */
import type { ObjectRef } from '../errors.js';
import type {
  GatewayApiStatus,
  RouteParentStatusModel,
  RouteStatusModel,
  StatusCondition,
} from '../gateway-api/status-model.js';
import { ROUTE_MAPS } from '../resources/resource-set.js';
import { rejectionMessage } from './nack-outputs.js';
import type { RejectedObject, Rejection } from './nack-state.js';

export const GATEWAY_CONFIG_ACCEPTED = 'causeway.dev/GatewayConfigAccepted';
export const GATEWAY_REJECTED_REASON = 'Rejected';
/** Conditions allow 32,768 characters; a rejection message quotes Envoy and is kept far shorter. */
const MAX_MESSAGE = 4096;

function routeKey(kind: string, cluster: string | undefined, namespace: string | undefined, name: string) {
  return `${kind}\n${cluster ?? ''}\n${namespace ?? ''}/${name}`;
}

/** `namespace` and `name` of a `namespace/name` key. */
function splitKey(key: string): [string, string] {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}

function isRoute(ref: ObjectRef): boolean {
  return Object.hasOwn(ROUTE_MAPS, ref.kind);
}

/**
 * The rejections of each route, by routeKey. The xDS source map's route refs carry no cluster (as the
 * Ingresses', the same route may come from several clusters): those are keyed with an empty cluster and
 * stand for the route of that name in every cluster of the rejecting group.
 */
function rejectionsByRoute(objects: readonly RejectedObject[]): Map<string, readonly Rejection[]> {
  const out = new Map<string, readonly Rejection[]>();
  for (const { object, rejections } of objects)
    if (isRoute(object))
      out.set(routeKey(object.kind, object.cluster, object.namespace, object.name), rejections);
  return out;
}

function rejectedCondition(
  route: RouteStatusModel,
  parent: RouteParentStatusModel,
  rejections: readonly Rejection[],
): StatusCondition {
  const [namespace, name] = splitKey(route.key);
  const object: ObjectRef = { kind: route.kind, cluster: route.cluster, namespace, name };
  const message = rejections.map((r) => rejectionMessage(r, object)).join('; ');
  const generation = parent.conditions.find((c) => c.observedGeneration !== undefined)?.observedGeneration;
  return {
    type: GATEWAY_CONFIG_ACCEPTED,
    status: 'False',
    reason: GATEWAY_REJECTED_REASON,
    message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 3)}...` : message,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
}

/** `status` with the rejected routes' parents marked; the very same object when no route is rejected. */
export function withRouteRejections(
  status: GatewayApiStatus,
  objects: readonly RejectedObject[],
): GatewayApiStatus {
  const byRoute = rejectionsByRoute(objects);
  if (byRoute.size === 0) return status;
  const groupOfGateway = new Map(status.gateways.map((g) => [g.key, g.group]));
  const routes = status.routes.map((route): RouteStatusModel => {
    const [namespace, name] = splitKey(route.key);
    const rejections =
      byRoute.get(routeKey(route.kind, route.cluster, namespace, name)) ??
      byRoute.get(routeKey(route.kind, undefined, namespace, name));
    if (!rejections) return route;
    const parents = route.parents.map((parent): RouteParentStatusModel => {
      if ((parent.parentRef.kind ?? 'Gateway') !== 'Gateway') return parent;
      const gateway = `${parent.parentRef.namespace ?? namespace}/${parent.parentRef.name}`;
      const group = groupOfGateway.get(gateway);
      const mine = rejections.filter((r) => r.group === group);
      if (mine.length === 0) return parent;
      const conditions = parent.conditions.filter((c) => c.type !== GATEWAY_CONFIG_ACCEPTED);
      return { ...parent, conditions: [...conditions, rejectedCondition(route, parent, mine)] };
    });
    return { ...route, parents };
  });
  return { ...status, routes };
}
