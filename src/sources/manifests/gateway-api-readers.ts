/**
 * The Gateway API kinds' reader, shared by manifests and the Kubernetes watch (through `readKubeObject`):
 * checks every field the translation relies on, as the v1.6.3 CRDs state them (required fields, types,
 * enums, ports 1-65535, hostnames, list lengths), with the field's path in each problem, and keeps `spec`
 * as given, without `status`. An object with a problem is reported and left out by the caller; a list
 * over its limit is reported without reading its items (hostile input costs bounded work).
 */
import type { GatewayApiKind, GatewayApiObject } from '../../resources/gateway-api-types.js';
import { GATEWAY_API_VERSION } from '../../resources/gateway-api-types.js';
import type { ObjectMeta } from '../../resources/kube-types.js';
import type { FieldReader, Json } from './field-reader.js';
import {
  checkGroupKind,
  checkHostnameValue,
  checkList,
  checkName,
  checkNamespace,
  checkPort,
  checkString,
} from './gateway-api-fields.js';
import { checkGrpcRoute, checkHttpRoute, checkStreamRoute } from './gateway-api-route-readers.js';

/** A GatewayClass's `controllerName`: a domain-prefixed path (`causeway.dev/gateway`). */
const CONTROLLER_NAME =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/;

function checkGatewayClass(r: FieldReader, spec: Json): void {
  checkString(r, spec, 'controllerName', 'spec.', {
    required: true,
    min: 1,
    max: 253,
    pattern: CONTROLLER_NAME,
    what: 'a controller name (a domain-prefixed path such as causeway.dev/gateway)',
  });
  const ref = r.object(spec, 'parametersRef', 'spec.');
  if (ref !== undefined) {
    checkGroupKind(r, ref, 'spec.parametersRef.', true);
    checkString(r, ref, 'name', 'spec.parametersRef.', { required: true, min: 1, max: 253 });
    checkNamespace(r, ref, 'namespace', 'spec.parametersRef.');
  }
  checkString(r, spec, 'description', 'spec.', { max: 64 });
}

function checkListener(r: FieldReader, l: Json, at: string): void {
  checkName(r, l, 'name', at);
  if (l['hostname'] !== undefined && l['hostname'] !== null)
    checkHostnameValue(r, l['hostname'], `${at}hostname`);
  checkPort(r, l, 'port', at, true);
  checkString(r, l, 'protocol', at, { required: true, min: 1, max: 255 });
  const tls = r.object(l, 'tls', at);
  if (tls !== undefined) {
    const tat = `${at}tls.`;
    r.enumeration(tls, 'mode', tat, ['Terminate', 'Passthrough']);
    checkList(r, tls, 'certificateRefs', tat, { max: 64 }, (ref, rat) => {
      checkGroupKind(r, ref, rat);
      checkName(r, ref, 'name', rat);
      checkNamespace(r, ref, 'namespace', rat);
    });
    const options = r.stringMap(tls, 'options', tat);
    if (options !== undefined && Object.keys(options).length > 16)
      r.problem(`${tat}options`, 'has more than 16 entries');
  }
  const allowed = r.object(l, 'allowedRoutes', at);
  if (allowed === undefined) return;
  const aat = `${at}allowedRoutes.`;
  const namespaces = r.object(allowed, 'namespaces', aat);
  if (namespaces !== undefined) {
    const from = r.enumeration(namespaces, 'from', `${aat}namespaces.`, ['All', 'Same', 'Selector', 'None']);
    const selector = r.object(namespaces, 'selector', `${aat}namespaces.`);
    if (from === 'Selector' && selector === undefined)
      r.problem(`${aat}namespaces.selector`, 'is required when from is Selector');
    if (selector !== undefined) r.stringMap(selector, 'matchLabels', `${aat}namespaces.selector.`);
  }
  checkList(r, allowed, 'kinds', aat, { max: 8 }, (k, kat) => checkGroupKind(r, k, kat, false));
  for (const [i, k] of (Array.isArray(allowed['kinds']) ? allowed['kinds'] : []).entries())
    if (k !== null && typeof k === 'object' && (k as Json)['kind'] == null)
      r.problem(`${aat}kinds[${i}].kind`, 'is required');
}

function checkGateway(r: FieldReader, spec: Json): void {
  checkString(r, spec, 'gatewayClassName', 'spec.', { required: true, min: 1, max: 253 });
  const names = new Set<string>();
  checkList(r, spec, 'listeners', 'spec.', { required: true, min: 1, max: 64 }, (l, at) => {
    checkListener(r, l, at);
    const name = l['name'];
    if (typeof name !== 'string') return;
    if (names.has(name)) r.problem(`${at}name`, `${JSON.stringify(name)} is the name of an earlier listener`);
    names.add(name);
  });
  checkList(r, spec, 'addresses', 'spec.', { max: 16 }, (a, at) => {
    checkString(r, a, 'type', at, { min: 1, max: 253 });
    checkString(r, a, 'value', at, { min: 1, max: 253 });
  });
}

function checkReferenceGrant(r: FieldReader, spec: Json): void {
  checkList(r, spec, 'from', 'spec.', { required: true, min: 1, max: 16 }, (f, at) => {
    checkString(r, f, 'group', at, { required: true, max: 253 });
    checkString(r, f, 'kind', at, { required: true, min: 1, max: 63 });
    checkNamespace(r, f, 'namespace', at, true);
  });
  checkList(r, spec, 'to', 'spec.', { required: true, min: 1, max: 16 }, (t, at) => {
    checkString(r, t, 'group', at, { required: true, max: 253 });
    checkString(r, t, 'kind', at, { required: true, min: 1, max: 63 });
    checkName(r, t, 'name', at, false);
  });
}

function checkSpec(r: FieldReader, kind: GatewayApiKind, spec: Json): void {
  switch (kind) {
    case 'GatewayClass':
      return checkGatewayClass(r, spec);
    case 'Gateway':
      return checkGateway(r, spec);
    case 'ReferenceGrant':
      return checkReferenceGrant(r, spec);
    case 'HTTPRoute':
      return checkHttpRoute(r, spec);
    case 'GRPCRoute':
      return checkGrpcRoute(r, spec);
    case 'TLSRoute':
      return checkStreamRoute(r, spec, true);
    case 'TCPRoute':
    case 'UDPRoute':
      return checkStreamRoute(r, spec, false);
  }
}

export function readGatewayApiObject(
  r: FieldReader,
  kind: GatewayApiKind,
  doc: Json,
  metadata: ObjectMeta,
): GatewayApiObject {
  const spec = r.object(doc, 'spec', '');
  if (doc['spec'] === undefined || doc['spec'] === null) r.problem('spec', 'is required');
  if (spec !== undefined) checkSpec(r, kind, spec);
  return { apiVersion: GATEWAY_API_VERSION, kind, metadata, spec: spec ?? {} } as unknown as GatewayApiObject;
}
