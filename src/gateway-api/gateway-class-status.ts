/**
 * The status of the GatewayClasses Causeway serves (`spec.controllerName: causeway.dev/gateway`), pure:
 * `Accepted=True` (reason `Accepted`), or `Accepted=False` (reason `InvalidParameters`) when the class has
 * a `parametersRef`: Causeway takes no parameters object, and the spec asks an implementation to refuse
 * parameters it cannot use rather than ignore them. Classes of other controllers are not ours to touch.
 * `supportedFeatures` is optional in v1.6.3 and not written.
 *
 * `withGatewayClassStatus` fills in these statuses when the applied state carries no Gateway API status
 * from the translation (or one without classes), so GatewayClasses are accepted end to end on their own.
 */
import { CAUSEWAY_GATEWAY_CONTROLLER, type GatewayClass } from '../resources/gateway-api-types.js';
import type { ResourceSet, Sourced } from '../resources/resource-set.js';
import {
  EMPTY_GATEWAY_API_STATUS,
  type GatewayApiStatus,
  type GatewayClassStatusModel,
  type StatusCondition,
} from './status-model.js';

function acceptedCondition(c: GatewayClass): StatusCondition {
  const generation = c.metadata.generation;
  const ref = c.spec.parametersRef;
  const base = generation !== undefined ? { observedGeneration: generation } : {};
  if (ref !== undefined)
    return {
      type: 'Accepted',
      status: 'False',
      reason: 'InvalidParameters',
      message: `Causeway takes no parameters: parametersRef ${ref.group}/${ref.kind} ${ref.name} is not supported`,
      ...base,
    };
  return { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'Served by Causeway', ...base };
}

/** The status of every GatewayClass of Causeway's controller name, sorted by cluster and name. */
export function gatewayClassStatuses(
  classes: ReadonlyMap<string, Sourced<GatewayClass>>,
): GatewayClassStatusModel[] {
  const out: GatewayClassStatusModel[] = [];
  for (const [name, s] of classes) {
    if (s.object.spec.controllerName !== CAUSEWAY_GATEWAY_CONTROLLER) continue;
    out.push({ name, cluster: s.origin.cluster, conditions: [acceptedCondition(s.object)] });
  }
  return out.sort((a, b) =>
    a.cluster !== b.cluster
      ? a.cluster < b.cluster
        ? -1
        : 1
      : a.name < b.name
        ? -1
        : a.name > b.name
          ? 1
          : 0,
  );
}

/** `status` (the translation's, when there is one) with the GatewayClasses' status filled in if it has none. */
export function withGatewayClassStatus(
  status: GatewayApiStatus | undefined,
  resources: ResourceSet,
): GatewayApiStatus {
  const base = status ?? EMPTY_GATEWAY_API_STATUS;
  if (base.gatewayClasses.length > 0) return base;
  return { ...base, gatewayClasses: gatewayClassStatuses(resources.gatewayApi.gatewayClasses) };
}
