/**
 * The Gateway API side of a translation (pure): reads our Gateways and their HTTPRoutes and GRPCRoutes once
 * (src/gateway-api), names the gateway groups they own, computes their status, and adds each owning
 * Gateway's listeners and routes to its group's IR (gateway-api-groups.ts). An internal error (a bug)
 * on a Gateway leaves its group as the Ingresses made it, with a diagnostic on the Gateway.
 */
import type { Diagnostic } from '../errors.js';
import type { GatewayGroupIR } from '../ir/ir-types.js';
import type { Secret } from '../resources/kube-types.js';
import type { ResourceSet } from '../resources/resource-set.js';
import { readGateways, type GatewayModel } from '../gateway-api/gateways.js';
import { readHttpRoutes } from '../gateway-api/http-routes.js';
import { readGrpcRoutes, resolveKindConflicts, type RouteModel } from '../gateway-api/grpc-routes.js';
import { readL4Routes, type L4RouteModel } from '../gateway-api/l4-routes.js';
import { gatewayApiStatusOf } from '../gateway-api/status.js';
import { EMPTY_GATEWAY_API_STATUS, type GatewayApiStatus } from '../gateway-api/status-model.js';
import { buildGatewayPart, mergeGatewayPart, reservedPorts } from './gateway-api-groups.js';
import { l4ReservedPorts } from './gateway-api-l4.js';
import { internalErrorDiagnostic } from './internal-errors.js';
import { readTlsSecret } from './tls.js';
import type { GroupSettings } from './translate-options.js';

export interface GatewayApiView {
  /** The Gateway owning each gateway group. */
  readonly owners: ReadonlyMap<string, GatewayModel>;
  readonly routes: readonly RouteModel[];
  /** TLSRoutes, TCPRoutes and UDPRoutes. */
  readonly l4Routes?: readonly L4RouteModel[];
  readonly status: GatewayApiStatus;
}

export const EMPTY_GATEWAY_API_VIEW: GatewayApiView = {
  owners: new Map(),
  routes: [],
  status: EMPTY_GATEWAY_API_STATUS,
};

/** True when the ResourceSet holds any Gateway API object (their translation is always in full). */
export function hasGatewayApi(resources: ResourceSet): boolean {
  return Object.values(resources.gatewayApi).some((m: ReadonlyMap<string, unknown>) => m.size > 0);
}

/** A listener's certificate Secret as the gateway would load it (tls.ts), else why not. */
const certificateProblem = (secret: Secret): string | undefined => {
  const read = readTlsSecret(secret);
  return read.ok ? undefined : read.error;
};

export function readGatewayApi(
  resources: ResourceSet,
  settingsOf: (group: string) => GroupSettings,
): GatewayApiView {
  if (!hasGatewayApi(resources)) return EMPTY_GATEWAY_API_VIEW;
  const l4Ports = l4ReservedPorts(resources);
  const gateways = readGateways(
    resources,
    (group, protocol) => l4Ports(group, protocol, reservedPorts(settingsOf(group)), settingsOf(group)),
    certificateProblem,
  );
  const routes = resolveKindConflicts([
    ...readHttpRoutes(resources, gateways),
    ...readGrpcRoutes(resources, gateways),
  ]);
  const l4Routes = readL4Routes(resources, gateways);
  const owners = new Map(gateways.filter((g) => g.accepted).map((g) => [g.group, g]));
  return { owners, routes, l4Routes, status: gatewayApiStatusOf(gateways, routes, l4Routes) };
}

/** The group with its owning Gateway's listeners and routes added (unchanged when none owns it). */
export function withGatewayApi(
  group: GatewayGroupIR,
  view: GatewayApiView,
  resources: ResourceSet,
  settings: GroupSettings,
  clusterZones: Readonly<Record<string, string>>,
  diags: Diagnostic[],
): GatewayGroupIR {
  const gw = view.owners.get(group.name);
  if (!gw) return group;
  const own: Diagnostic[] = [];
  const ref = { kind: 'Gateway', namespace: gw.namespace, name: gw.name, cluster: gw.cluster };
  try {
    const part = buildGatewayPart(gw, view.routes, resources, settings, clusterZones, own, view.l4Routes);
    const merged = mergeGatewayPart(group, part, settings, ref, own);
    diags.push(...own);
    return merged;
  } catch (err) {
    diags.push(internalErrorDiagnostic(ref, err, `the Gateway of gateway group "${group.name}"`));
    return group;
  }
}
