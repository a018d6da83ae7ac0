/**
 * UDP services: a Service annotated `causeway.dev/gateway-udp-port` is exposed on that UDP port of its
 * gateway group's gateways (Envoy UDP proxy) to the endpoints of its UDP port (EndpointSlice ports with
 * protocol UDP), across clusters and VMs like TCP. Group selection and validation are the TCP ones
 * (tcp-services.ts); UDP ports are their own space: a TCP listener (HTTP, HTTPS, health, metrics, a TCP
 * Service) may use the same number. Within a group the oldest Service wins a UDP port; losers get
 * CW_E_UDP_PORT_CONFLICT and are not exposed. The listener (UdpListenerIR) names its backend and its
 * source object, so a Gateway API UDPRoute can feed the same IR later. Pure.
 */
import { diagnostic, type Diagnostic, type ObjectRef } from '../errors.js';
import type { UdpListenerIR } from '../ir/ir-types.js';
import type { ServicePortRef } from '../ingress/ingress-types.js';
import type { Service, ServicePort } from '../resources/kube-types.js';
import type { ResourceSet, Sourced } from '../resources/resource-set.js';
import { compareByAge } from '../ingress/ordering.js';
import { GATEWAY_UDP_PORT, GATEWAY_UDP_SERVICE_PORT } from './annotations.js';
import { SOURCE_ACCESS_ANNOTATIONS } from './annotations-source-access.js';
import type { BackendRegistry } from './backend-registry.js';
import { internalErrorDiagnostic } from './internal-errors.js';
import { read, readPortClaimHead, readTcpService, serviceRefs, type TcpClaim } from './tcp-services.js';

/** Seconds without a datagram either way after which a client's UDP session ends (Envoy's default). */
export const UDP_IDLE_TIMEOUT_SECONDS = 60;

export interface UdpClaim {
  readonly group: string;
  readonly port: number;
  /** The Service's UDP port the gateway forwards to (protocol `UDP`). */
  readonly servicePort: ServicePortRef;
  readonly ref: ObjectRef;
  readonly diagRef: ObjectRef;
  readonly service: Service;
}

/** The Service's UDP port the claim forwards to, or a diagnostic's code and text. */
function udpServicePort(
  svc: Service,
  wanted: { readonly name?: string; readonly number?: number } | undefined,
):
  | { readonly port: ServicePort }
  | { readonly code: 'CW_E_SERVICE_PORT_NOT_FOUND' | 'CW_E_ANNOTATION_INVALID'; readonly error: string } {
  const udp = (svc.spec?.ports ?? []).filter((p) => p.protocol === 'UDP');
  if (wanted !== undefined) {
    const found = udp.find((p) =>
      wanted.name !== undefined ? p.name === wanted.name : p.port === wanted.number,
    );
    if (found) return { port: found };
    const what = wanted.name !== undefined ? `named "${wanted.name}"` : String(wanted.number);
    return { code: 'CW_E_SERVICE_PORT_NOT_FOUND', error: `the Service has no UDP port ${what}` };
  }
  if (udp.length === 1) return { port: udp[0]! };
  if (udp.length === 0)
    return { code: 'CW_E_SERVICE_PORT_NOT_FOUND', error: 'the Service has no port with protocol UDP' };
  return {
    code: 'CW_E_ANNOTATION_INVALID',
    error: `annotation ${GATEWAY_UDP_SERVICE_PORT.name} is required: the Service has ${udp.length} UDP ports`,
  };
}

/** Why the Service cannot be exposed on UDP at all (its type, a source range we cannot enforce), or undefined. */
function udpRefusal(
  svc: Service,
):
  | { readonly code: 'CW_E_SERVICE_UNSUPPORTED' | 'CW_E_ANNOTATION_INVALID'; readonly error: string }
  | undefined {
  if (svc.spec?.type === 'ExternalName')
    return { code: 'CW_E_SERVICE_UNSUPPORTED', error: 'the Service is ExternalName' };
  const ranges = SOURCE_ACCESS_ANNOTATIONS.find((a) => svc.metadata.annotations?.[a.name] !== undefined);
  if (ranges !== undefined)
    return {
      code: 'CW_E_ANNOTATION_INVALID',
      error: `annotation ${ranges.name} cannot be enforced on a gateway UDP port (fail closed)`,
    };
  return undefined;
}

/** The UDP claim of one Service with the annotation, or undefined (with diagnostics) when it is unusable. */
function readUdpClaim(s: Sourced<Service>, diags: Diagnostic[]): UdpClaim | undefined {
  const svc = s.object;
  const { ref, diagRef } = serviceRefs(s);
  const head = readPortClaimHead(s, GATEWAY_UDP_PORT, 'UDP', diags);
  if (head === undefined) return undefined;
  const { port, group } = head;
  const refused = udpRefusal(svc);
  const wanted = read(GATEWAY_UDP_SERVICE_PORT, svc, diagRef, diags);
  if (wanted === undefined && svc.metadata.annotations?.[GATEWAY_UDP_SERVICE_PORT.name] !== undefined)
    return undefined;
  const found = refused ?? udpServicePort(svc, wanted);
  if (!('port' in found)) {
    diags.push(
      diagnostic(found.code, diagRef, `${found.error}; it is not exposed on gateway UDP port ${port}`),
    );
    return undefined;
  }
  const servicePort: ServicePortRef = {
    namespace: String(ref.namespace),
    name: ref.name,
    port: found.port.port,
    portName: found.port.name ?? '',
    protocol: 'UDP',
  };
  return { group, port, servicePort, ref, diagRef, service: svc };
}

/** One Service's UDP claim: undefined without the annotation or when unusable (an internal error: a diagnostic). */
export function readUdpService(s: Sourced<Service>, diags: Diagnostic[]): UdpClaim | undefined {
  try {
    if (s.object.metadata.annotations?.[GATEWAY_UDP_PORT.name] === undefined) return undefined;
    return readUdpClaim(s, diags);
  } catch (err) {
    diags.push(internalErrorDiagnostic(serviceRefs(s).diagRef, err, 'the UDP Service'));
    return undefined;
  }
}

/** One Service's gateway port claims (TCP, UDP): both readers, the order translate uses. */
export interface ServicePortClaims {
  readonly tcp?: TcpClaim;
  readonly udp?: UdpClaim;
}

/**
 * One Service's TCP and UDP claims. An internal error reading its TCP claim leaves the whole Service
 * out (as that diagnostic says), so it is not read for UDP and the error is reported once.
 */
export function readServicePortClaims(s: Sourced<Service>, diags: Diagnostic[]): ServicePortClaims {
  const before = diags.length;
  const tcp = readTcpService(s, diags);
  if (diags.slice(before).some((d) => d.code === 'CW_E_INTERNAL_OBJECT')) return {};
  const udp = readUdpService(s, diags);
  return { ...(tcp ? { tcp } : {}), ...(udp ? { udp } : {}) };
}

/** The Services asking for a gateway TCP or UDP port, oldest first, with their annotations validated. */
export function readPortServices(
  resources: ResourceSet,
  diags: Diagnostic[],
): { readonly tcp: TcpClaim[]; readonly udp: UdpClaim[] } {
  const services = [...resources.services.values()].sort((a, b) => compareByAge(a.object, b.object));
  const claims = services.map((s) => readServicePortClaims(s, diags));
  return { tcp: claims.flatMap((c) => c.tcp ?? []), udp: claims.flatMap((c) => c.udp ?? []) };
}

/** One group's UDP listeners: the first (oldest) claim on a UDP port wins. Sorted by port. */
export function buildUdpListeners(
  claims: readonly UdpClaim[],
  backends: BackendRegistry,
  diags: Diagnostic[],
): UdpListenerIR[] {
  const taken = new Map<number, string>();
  const listeners: UdpListenerIR[] = [];
  for (const c of claims) {
    const holder = taken.get(c.port);
    if (holder !== undefined) {
      const text = `gateway UDP port ${c.port} of group "${c.group}" is already used by ${holder}; this Service is not exposed on it`;
      diags.push(diagnostic('CW_E_UDP_PORT_CONFLICT', c.diagRef, text));
      continue;
    }
    const backend = backends.udpBackend(c, c.service, c.servicePort);
    if (backend === undefined) continue;
    taken.set(c.port, `Service ${c.ref.namespace}/${c.ref.name}`);
    const hashSourceIp =
      backends.routeAffinity({ kind: 'forward', backend }).sessionAffinity?.kind === 'source-ip';
    listeners.push({
      name: `udp/${c.port}`,
      port: c.port,
      backend,
      idleTimeoutSeconds: UDP_IDLE_TIMEOUT_SECONDS,
      ...(hashSourceIp ? { hashSourceIp } : {}),
      source: c.ref,
    });
  }
  return listeners.sort((a, b) => a.port - b.port);
}
