/**
 * The Gateway API kinds' reader: checks the fields every kind must have (a `spec` mapping; a
 * GatewayClass's `controllerName`; a Gateway's `gatewayClassName` and `listeners`; a ReferenceGrant's
 * `from` and `to`) and keeps `spec` as given, without `status`. Field-level checks of routes and
 * listeners belong to the Gateway API translation (src/gateway-api), which reports them on the object.
 */
import type { GatewayApiKind, GatewayApiObject } from '../../resources/gateway-api-types.js';
import { GATEWAY_API_VERSION } from '../../resources/gateway-api-types.js';
import type { ObjectMeta } from '../../resources/kube-types.js';
import type { FieldReader } from './field-reader.js';
import type { Json } from './field-reader.js';

export function readGatewayApiObject(
  r: FieldReader,
  kind: GatewayApiKind,
  doc: Json,
  metadata: ObjectMeta,
): GatewayApiObject {
  const spec = r.object(doc, 'spec', '') ?? {};
  if (doc['spec'] == null) r.problem('spec', 'is required');
  switch (kind) {
    case 'GatewayClass':
      if (r.string(spec, 'controllerName', 'spec.') === undefined)
        r.problem('spec.controllerName', 'is required');
      break;
    case 'Gateway':
      if (r.string(spec, 'gatewayClassName', 'spec.') === undefined)
        r.problem('spec.gatewayClassName', 'is required');
      requireList(r, spec, 'listeners');
      break;
    case 'ReferenceGrant':
      requireList(r, spec, 'from');
      requireList(r, spec, 'to');
      break;
    default:
      break;
  }
  return { apiVersion: GATEWAY_API_VERSION, kind, metadata, spec } as unknown as GatewayApiObject;
}

function requireList(r: FieldReader, spec: Json, key: string): void {
  const v = spec[key];
  if (!Array.isArray(v)) r.problem(`spec.${key}`, v == null ? 'is required' : 'must be a list');
}
