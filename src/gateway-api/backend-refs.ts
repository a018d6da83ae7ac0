/**
 * HTTPRoute backendRefs (pure): a Service port (kind Service, core group; `port` required) in the
 * route's namespace, or in another one when a ReferenceGrant allows it. Anything else is unresolved
 * with the spec's ResolvedRefs reason, and gets no traffic of its own (its share answers 500).
 */
import { GATEWAY_API_GROUP, type BackendObjectReference } from '../resources/gateway-api-types.js';
import type { ResourceSet } from '../resources/resource-set.js';
import { referenceAllowed } from './reference-grants.js';

export type ResolvedBackendRef =
  | { readonly ok: true; readonly namespace: string; readonly name: string; readonly port: number }
  | {
      readonly ok: false;
      readonly reason: 'BackendNotFound' | 'InvalidKind' | 'RefNotPermitted';
      readonly message: string;
    };

export function resolveBackendRef(
  resources: ResourceSet,
  routeNamespace: string,
  ref: BackendObjectReference,
  fromKind = 'HTTPRoute',
): ResolvedBackendRef {
  const kind = ref.kind ?? 'Service';
  if ((ref.group ?? '') !== '' || kind !== 'Service')
    return {
      ok: false,
      reason: 'InvalidKind',
      message: `backendRef kind ${ref.group ?? ''}/${kind} is not supported`,
    };
  const namespace = ref.namespace ?? routeNamespace;
  const to = { group: '', kind: 'Service', namespace, name: ref.name };
  if (
    !referenceAllowed(resources, { group: GATEWAY_API_GROUP, kind: fromKind, namespace: routeNamespace }, to)
  )
    return {
      ok: false,
      reason: 'RefNotPermitted',
      message: `no ReferenceGrant in ${namespace} allows Service ${ref.name}`,
    };
  const svc = resources.services.get(`${namespace}/${ref.name}`)?.object;
  if (!svc)
    return { ok: false, reason: 'BackendNotFound', message: `Service ${namespace}/${ref.name} not found` };
  if (ref.port === undefined)
    return {
      ok: false,
      reason: 'BackendNotFound',
      message: `backendRef to Service ${namespace}/${ref.name} has no port`,
    };
  if (!(svc.spec?.ports ?? []).some((p) => p.port === ref.port))
    return {
      ok: false,
      reason: 'BackendNotFound',
      message: `Service ${namespace}/${ref.name} has no port ${ref.port}`,
    };
  return { ok: true, namespace, name: ref.name, port: ref.port };
}
