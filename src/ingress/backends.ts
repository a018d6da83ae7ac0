/**
 * Resolves an Ingress backend (`service.name` + `service.port.name|number`) to a Service port.
 * A named port is looked up by the Service port's name; EndpointSlice ports are then matched by that name.
 */
import { kubeNameProblem, printable } from './text-checks.js';
import type { IngressBackend, Service } from '../resources/kube-types.js';
import type { ResourceSet } from '../resources/resource-set.js';
import type { ServicePortRef } from './ingress-types.js';
import type { ErrorCode } from '../errors.js';

export type BackendResolution =
  | { readonly ok: true; readonly ref: ServicePortRef; readonly service: Service }
  | { readonly ok: false; readonly code: ErrorCode; readonly error: string };

export function backendName(ref: ServicePortRef): string {
  return `service/${ref.namespace}/${ref.name}/${ref.port}`;
}

export function resolveBackend(
  resources: ResourceSet,
  namespace: string,
  backend: IngressBackend,
): BackendResolution {
  if (backend.resource) {
    return {
      ok: false,
      code: 'CW_E_INGRESS_BACKEND_INVALID',
      error: `resource backends (${backend.resource.kind}) are not supported`,
    };
  }
  const svcRef = backend.service;
  if (!svcRef?.name)
    return { ok: false, code: 'CW_E_INGRESS_BACKEND_INVALID', error: 'backend names no service' };
  const badName = kubeNameProblem(svcRef.name);
  if (badName !== undefined)
    return {
      ok: false,
      code: 'CW_E_INGRESS_BACKEND_INVALID',
      error: `backend service name "${printable(svcRef.name)}" ${badName}`,
    };
  const port = svcRef.port;
  const badPort = port?.name ? kubeNameProblem(port.name, true) : undefined;
  if (badPort !== undefined)
    return {
      ok: false,
      code: 'CW_E_INGRESS_BACKEND_INVALID',
      error: `backend port name "${printable(port!.name!)}" ${badPort}`,
    };
  const hasName = port?.name !== undefined && port.name !== '';
  const hasNumber = port?.number !== undefined;
  if (hasName === hasNumber) {
    return {
      ok: false,
      code: 'CW_E_INGRESS_BACKEND_INVALID',
      error: `backend service "${svcRef.name}" needs exactly one of port.name or port.number`,
    };
  }
  const found = resources.services.get(`${namespace}/${svcRef.name}`);
  if (!found)
    return {
      ok: false,
      code: 'CW_E_SERVICE_NOT_FOUND',
      error: `service "${namespace}/${svcRef.name}" not found`,
    };
  const service = found.object;
  if (service.spec?.type === 'ExternalName') {
    return {
      ok: false,
      code: 'CW_E_SERVICE_UNSUPPORTED',
      error: `service "${namespace}/${svcRef.name}" is ExternalName`,
    };
  }
  const sp = (service.spec?.ports ?? []).find((p) =>
    hasName ? p.name === port!.name : p.port === port!.number,
  );
  if (!sp) {
    const wanted = hasName ? `named "${port!.name}"` : String(port!.number);
    return {
      ok: false,
      code: 'CW_E_SERVICE_PORT_NOT_FOUND',
      error: `service "${namespace}/${svcRef.name}" has no port ${wanted}`,
    };
  }
  if (sp.protocol !== undefined && sp.protocol !== 'TCP') {
    return {
      ok: false,
      code: 'CW_E_SERVICE_PORT_NOT_FOUND',
      error: `service "${namespace}/${svcRef.name}" port ${sp.port} is ${sp.protocol}, not TCP`,
    };
  }
  return { ok: true, service, ref: { namespace, name: svcRef.name, port: sp.port, portName: sp.name ?? '' } };
}
