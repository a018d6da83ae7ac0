/**
 * The Gateway API status Causeway computes (pure, from the ResourceSet, by the Gateway API translation)
 * and the leader writes (src/kubernetes/status). Conditions use the spec's types and reasons verbatim
 * (`Accepted`, `Programmed`, `ResolvedRefs`, `NotAllowedByListeners`, `RefNotPermitted`, ...).
 * What only the running controller knows is left to the writer: a Gateway's `addresses` (from its
 * gateway group's addresses) and `Programmed` when no gateway of the group has ACKed yet.
 */
import type { ParentReference, RouteGroupKind } from '../resources/gateway-api-types.js';
import type { RouteKind } from '../resources/resource-set.js';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface StatusCondition {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
  /** The `metadata.generation` the condition was computed from. */
  readonly observedGeneration?: number;
}

export interface GatewayClassStatusModel {
  readonly name: string;
  readonly cluster: string;
  readonly conditions: readonly StatusCondition[];
}

export interface ListenerStatusModel {
  readonly name: string;
  readonly supportedKinds: readonly RouteGroupKind[];
  readonly attachedRoutes: number;
  readonly conditions: readonly StatusCondition[];
}

export interface GatewayStatusModel {
  /** `namespace/name`. */
  readonly key: string;
  readonly cluster: string;
  /** The gateway group the Gateway is served by. */
  readonly group: string;
  readonly conditions: readonly StatusCondition[];
  readonly listeners: readonly ListenerStatusModel[];
}

export interface RouteParentStatusModel {
  readonly parentRef: ParentReference;
  readonly conditions: readonly StatusCondition[];
}

export interface RouteStatusModel {
  readonly kind: RouteKind;
  /** `namespace/name` in `cluster`. */
  readonly key: string;
  readonly cluster: string;
  /** Only the parents whose Gateway is of a GatewayClass Causeway serves. */
  readonly parents: readonly RouteParentStatusModel[];
}

/** Every status Causeway owns, sorted by kind, cluster and key. */
export interface GatewayApiStatus {
  readonly gatewayClasses: readonly GatewayClassStatusModel[];
  readonly gateways: readonly GatewayStatusModel[];
  readonly routes: readonly RouteStatusModel[];
}

export const EMPTY_GATEWAY_API_STATUS: GatewayApiStatus = { gatewayClasses: [], gateways: [], routes: [] };
