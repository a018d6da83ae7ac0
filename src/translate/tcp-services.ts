/**
 * TCP services: a Service annotated `causeway.dev/gateway-tcp-port` is exposed on that port of its gateway
 * group's gateways (Envoy TCP proxy) to its endpoints, with the same backends (clusters, localities,
 * VMs) as HTTP. Within a group the oldest Service wins a port; a port equal to the group's HTTP, HTTPS
 * or health listener port is refused. Losers get a diagnostic and are not exposed; nothing else is affected.
 */
import { diagnostic, type Diagnostic, type ObjectRef } from '../errors.js';
import type { TcpListenerIR } from '../ir/ir-types.js';
import type { Service, ServiceBackendPort } from '../resources/kube-types.js';
import type { ResourceSet, Sourced } from '../resources/resource-set.js';
import { GATEWAY_TCP_PORT, GATEWAY_TCP_SERVICE_PORT } from './annotations.js';
import type { BackendRegistry } from './backend-registry.js';
import { compareByAge } from '../ingress/ordering.js';
import {
  DEFAULT_GROUP,
  GATEWAY_GROUP,
  parseAnnotation,
  type AnnotationSpec,
} from '../ingress/ingress-annotations.js';
import type { GroupSettings } from './translate-options.js';
import { internalErrorDiagnostic } from './internal-errors.js';
import { nameProblemOf, printable } from '../ingress/text-checks.js';
import { tcpAllowedSources } from './policies/source-access.js';

export interface TcpClaim {
  readonly group: string;
  readonly port: number;
  readonly servicePort: ServiceBackendPort;
  readonly ref: ObjectRef;
  readonly diagRef: ObjectRef;
  readonly service: Service;
}

/** A Service's ref (in IR sources) and its diagnostic ref (with cluster and file); also used for UDP. */
export function serviceRefs(s: Sourced<Service>): { ref: ObjectRef; diagRef: ObjectRef } {
  const meta = s.object.metadata;
  const ref: ObjectRef = { kind: 'Service', namespace: meta.namespace ?? 'default', name: meta.name };
  const diagRef: ObjectRef = {
    ...ref,
    cluster: s.origin.cluster,
    ...(s.origin.file !== undefined ? { file: s.origin.file, documentIndex: s.origin.documentIndex } : {}),
  };
  return { ref, diagRef };
}

/** A Service annotation's value; a bad value is CW_E_ANNOTATION_INVALID and undefined. */
export function read<T>(
  spec: AnnotationSpec<T>,
  s: Service,
  diagRef: ObjectRef,
  diags: Diagnostic[],
): T | undefined {
  const raw = s.metadata.annotations?.[spec.name];
  if (raw === undefined) return undefined;
  const r = parseAnnotation(spec, raw);
  if (r.ok) return r.value;
  diags.push(diagnostic('CW_E_ANNOTATION_INVALID', diagRef, `annotation ${spec.name}: ${r.error}`));
  return undefined;
}

/**
 * What a TCP or UDP claim starts with: a Service name Envoy can carry (else CW_E_OBJECT_NAME_INVALID),
 * the gateway port annotation and the group. Undefined (with diagnostics) when the claim is unusable.
 */
export function readPortClaimHead(
  s: Sourced<Service>,
  portSpec: AnnotationSpec<number>,
  protocol: 'TCP' | 'UDP',
  diags: Diagnostic[],
): { readonly port: number; readonly group: string } | undefined {
  const svc = s.object;
  const { diagRef } = serviceRefs(s);
  const badName = nameProblemOf(svc.metadata);
  if (badName !== undefined) {
    const shown = {
      ...diagRef,
      namespace: printable(String(diagRef.namespace)),
      name: printable(String(diagRef.name)),
    };
    diags.push(
      diagnostic('CW_E_OBJECT_NAME_INVALID', shown, `the ${protocol} Service ${badName}; it is not exposed`),
    );
    return undefined;
  }
  const port = read(portSpec, svc, diagRef, diags);
  if (port === undefined) return undefined;
  return { port, group: read(GATEWAY_GROUP, svc, diagRef, diags) ?? DEFAULT_GROUP };
}

/** The TCP claim of one Service with the annotation, or undefined (with diagnostics) when it is unusable. */
function readTcpClaim(s: Sourced<Service>, diags: Diagnostic[]): TcpClaim | undefined {
  const svc = s.object;
  const { ref, diagRef } = serviceRefs(s);
  const head = readPortClaimHead(s, GATEWAY_TCP_PORT, 'TCP', diags);
  if (head === undefined) return undefined;
  const { port, group } = head;
  let servicePort = read(GATEWAY_TCP_SERVICE_PORT, svc, diagRef, diags);
  if (servicePort === undefined) {
    const ports = svc.spec?.ports ?? [];
    const only = ports.length === 1 ? ports[0] : undefined;
    if (!only) {
      diags.push(
        diagnostic(
          'CW_E_ANNOTATION_INVALID',
          diagRef,
          `annotation ${GATEWAY_TCP_SERVICE_PORT.name} is required: the Service has ${ports.length} ports; it is not exposed on gateway port ${port}`,
        ),
      );
      return undefined;
    }
    servicePort = only.name ? { name: only.name } : { number: only.port };
  }
  return { group, port, servicePort, ref, diagRef, service: svc };
}

/**
 * The Services asking for a gateway TCP port, oldest first, with their annotations validated. An
 * internal error reading one Service leaves it out (CW_E_INTERNAL_OBJECT), not the others.
 */
export function readTcpServices(resources: ResourceSet, diags: Diagnostic[]): TcpClaim[] {
  const claims: TcpClaim[] = [];
  const services = [...resources.services.values()].sort((a, b) => compareByAge(a.object, b.object));
  for (const s of services) {
    const claim = readTcpService(s, diags);
    if (claim) claims.push(claim);
  }
  return claims;
}

/** One Service's TCP claim (readTcpServices for one Service): undefined without the annotation or when unusable. */
export function readTcpService(s: Sourced<Service>, diags: Diagnostic[]): TcpClaim | undefined {
  try {
    if (s.object.metadata.annotations?.[GATEWAY_TCP_PORT.name] === undefined) return undefined;
    return readTcpClaim(s, diags);
  } catch (err) {
    diags.push(internalErrorDiagnostic(serviceRefs(s).diagRef, err, 'the TCP Service'));
    return undefined;
  }
}

/** One group's TCP listeners: the first claim on a port wins; the HTTP/HTTPS/health ports are never given away. */
export function buildTcpListeners(
  claims: readonly TcpClaim[],
  settings: GroupSettings,
  backends: BackendRegistry,
  diags: Diagnostic[],
): TcpListenerIR[] {
  const taken = new Map<number, string>([
    [settings.httpPort, 'the HTTP listener'],
    [settings.httpsPort, 'the HTTPS listener'],
    ...(settings.healthPort !== undefined ? [[settings.healthPort, 'the health listener'] as const] : []),
  ]);
  const listeners: TcpListenerIR[] = [];
  for (const c of claims) {
    const holder = taken.get(c.port);
    if (holder !== undefined) {
      diags.push(
        diagnostic(
          'CW_E_TCP_PORT_CONFLICT',
          c.diagRef,
          `gateway port ${c.port} of group "${c.group}" is already used by ${holder}; this Service is not exposed`,
        ),
      );
      continue;
    }
    const action = backends.action(
      c,
      { service: { name: c.ref.name, port: c.servicePort } },
      `gateway port ${c.port}`,
      'this Service is not exposed',
    );
    if (action.kind !== 'forward') continue; // the registry reported why (e.g. no such port)
    taken.set(c.port, `Service ${c.ref.namespace}/${c.ref.name}`);
    // Of the session affinities, only the client address exists on a TCP connection.
    const hashSourceIp = backends.routeAffinity(action).sessionAffinity?.kind === 'source-ip';
    const allowedSources = tcpAllowedSources(c.service.metadata.annotations, c.diagRef, diags);
    listeners.push({
      name: `tcp/${c.port}`,
      port: c.port,
      backend: action.backend,
      ...(hashSourceIp ? { hashSourceIp } : {}),
      ...(allowedSources ? { allowedSources } : {}),
      source: c.ref,
    });
  }
  return listeners.sort((a, b) => a.port - b.port);
}
