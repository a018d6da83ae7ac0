/**
 * Per-kind readers: validate the shape `translate` relies on and project each object onto the typed
 * subset of `kube-types.ts` (unknown fields dropped, `null` as absent, namespaces defaulted, Secret
 * `stringData` merged into `data`).
 */
import type {
  Endpoint,
  EndpointPort,
  EndpointSlice,
  HTTPIngressPath,
  Ingress,
  IngressBackend,
  IngressClass,
  IngressRule,
  IngressTLS,
  KubeKind,
  KubeObject,
  ObjectMeta,
  Namespace,
  Secret,
  Service,
  ServicePort,
} from '../../resources/kube-types.js';
import { DEFAULT_NAMESPACE } from '../../resources/resource-set.js';
import type { FieldReader } from './field-reader.js';
import { readGatewayApiObject } from './gateway-api-readers.js';
import {
  compact,
  describe,
  DNS_LABEL,
  DNS_SUBDOMAIN,
  isBase64,
  isRecord,
  type Json,
} from './field-reader.js';

/** The kinds without a namespace. */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<KubeKind> = new Set<KubeKind>([
  'IngressClass',
  'GatewayClass',
  'Namespace',
]);

export const TLS_SECRET_TYPE = 'kubernetes.io/tls';
/** A generic Secret (Kubernetes' type when none is given): basic auth users. */
export const OPAQUE_SECRET_TYPE = 'Opaque';

export function readMetadata(r: FieldReader, doc: Json, namespaced: boolean): ObjectMeta | undefined {
  const m = doc['metadata'];
  if (!isRecord(m))
    return r.problem('metadata', m === undefined ? 'is required' : `must be a mapping, not ${describe(m)}`);
  const name = r.string(m, 'name', 'metadata.');
  if (m['name'] === undefined || m['name'] === null || m['name'] === '') {
    r.problem(
      'metadata.name',
      m['generateName'] !== undefined ? 'is required (generateName is not supported)' : 'is required',
    );
  } else if (name !== undefined && (name.length > 253 || !DNS_SUBDOMAIN.test(name))) {
    r.problem('metadata.name', `${JSON.stringify(name)} is not a valid name (lowercase DNS subdomain)`);
  }
  let namespace = r.string(m, 'namespace', 'metadata.');
  if (namespace !== undefined && namespace !== '' && !DNS_LABEL.test(namespace)) {
    r.problem(
      'metadata.namespace',
      `${JSON.stringify(namespace)} is not a valid namespace (lowercase DNS label)`,
    );
  }
  if (namespace === undefined || namespace === '') namespace = DEFAULT_NAMESPACE;
  const meta: ObjectMeta = {
    name: name ?? '',
    namespace: namespaced ? namespace : undefined,
    uid: r.string(m, 'uid', 'metadata.'),
    resourceVersion: r.string(m, 'resourceVersion', 'metadata.'),
    creationTimestamp: r.string(m, 'creationTimestamp', 'metadata.'),
    generation: r.integer(m, 'generation', 'metadata.', 0, Number.MAX_SAFE_INTEGER),
    labels: r.stringMap(m, 'labels', 'metadata.'),
    annotations: r.stringMap(m, 'annotations', 'metadata.'),
  };
  return compact(meta);
}

function readBackend(r: FieldReader, b: Json, path: string): IngressBackend {
  const svc = r.object(b, 'service', path);
  const res = r.object(b, 'resource', path);
  let service: IngressBackend['service'];
  if (svc !== undefined) {
    const sp = `${path}service.`;
    const name = r.string(svc, 'name', sp);
    if (name === undefined && svc['name'] == null) r.problem(`${sp}name`, 'is required');
    const port = r.object(svc, 'port', sp);
    service = compact({
      name: name ?? '',
      port:
        port === undefined
          ? undefined
          : compact({
              name: r.string(port, 'name', `${sp}port.`),
              number: r.integer(port, 'number', `${sp}port.`, 1, 65535),
            }),
    });
  }
  let resource: IngressBackend['resource'];
  if (res !== undefined) {
    const rp = `${path}resource.`;
    const kind = r.string(res, 'kind', rp);
    const name = r.string(res, 'name', rp);
    if (kind === undefined && res['kind'] == null) r.problem(`${rp}kind`, 'is required');
    if (name === undefined && res['name'] == null) r.problem(`${rp}name`, 'is required');
    resource = compact({ apiGroup: r.string(res, 'apiGroup', rp), kind: kind ?? '', name: name ?? '' });
  }
  return compact({ service, resource });
}

const PATH_TYPES = ['Exact', 'Prefix', 'ImplementationSpecific'] as const;

function readPath(r: FieldReader, v: unknown, path: string): HTTPIngressPath | undefined {
  const p = r.item(v, path);
  if (p === undefined) return undefined;
  const pathType = r.enumeration(p, 'pathType', `${path}.`, PATH_TYPES);
  if (p['pathType'] == null) r.problem(`${path}.pathType`, 'is required');
  const b = r.object(p, 'backend', `${path}.`);
  if (p['backend'] == null) r.problem(`${path}.backend`, 'is required');
  return compact({
    path: r.string(p, 'path', `${path}.`),
    pathType: pathType ?? 'Prefix',
    backend: b === undefined ? {} : readBackend(r, b, `${path}.backend.`),
  });
}

function readRule(r: FieldReader, v: unknown, path: string): IngressRule | undefined {
  const rule = r.item(v, path);
  if (rule === undefined) return undefined;
  const host = r.string(rule, 'host', `${path}.`);
  const http = r.object(rule, 'http', `${path}.`);
  let paths: HTTPIngressPath[] | undefined;
  if (http !== undefined) {
    paths = r.list(http, 'paths', `${path}.http.`, (e, p) => readPath(r, e, p));
    if (http['paths'] == null) r.problem(`${path}.http.paths`, 'is required');
  }
  return compact({
    host,
    http: http === undefined ? undefined : { paths: paths ?? [] },
  });
}

function readTls(r: FieldReader, v: unknown, path: string): IngressTLS | undefined {
  const t = r.item(v, path);
  if (t === undefined) return undefined;
  return compact({
    hosts: r.list(t, 'hosts', `${path}.`, (e, p) => r.stringItem(e, p)),
    secretName: r.string(t, 'secretName', `${path}.`),
  });
}

export function readIngress(r: FieldReader, doc: Json, metadata: ObjectMeta): Ingress {
  const spec = r.object(doc, 'spec', '');
  if (spec === undefined) return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata };
  const db = r.object(spec, 'defaultBackend', 'spec.');
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata,
    spec: compact({
      ingressClassName: r.string(spec, 'ingressClassName', 'spec.'),
      defaultBackend: db === undefined ? undefined : readBackend(r, db, 'spec.defaultBackend.'),
      rules: r.list(spec, 'rules', 'spec.', (e, p) => readRule(r, e, p)),
      tls: r.list(spec, 'tls', 'spec.', (e, p) => readTls(r, e, p)),
    }),
  };
}

export function readIngressClass(r: FieldReader, doc: Json, metadata: ObjectMeta): IngressClass {
  const spec = r.object(doc, 'spec', '');
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata,
    ...(spec === undefined ? {} : { spec: compact({ controller: r.string(spec, 'controller', 'spec.') }) }),
  };
}

const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] as const;
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;

function readServicePort(r: FieldReader, v: unknown, path: string): ServicePort | undefined {
  const p = r.item(v, path);
  if (p === undefined) return undefined;
  const port = r.integer(p, 'port', `${path}.`, 1, 65535);
  if (p['port'] == null) r.problem(`${path}.port`, 'is required');
  const tp = p['targetPort'];
  let targetPort: number | string | undefined;
  if (typeof tp === 'string') targetPort = tp;
  else if (tp !== undefined && tp !== null) targetPort = r.integer(p, 'targetPort', `${path}.`, 1, 65535);
  return compact({
    name: r.string(p, 'name', `${path}.`),
    protocol: r.enumeration(p, 'protocol', `${path}.`, PROTOCOLS),
    port: port ?? 0,
    targetPort,
    appProtocol: r.string(p, 'appProtocol', `${path}.`),
  });
}

export function readService(r: FieldReader, doc: Json, metadata: ObjectMeta): Service {
  const spec = r.object(doc, 'spec', '');
  if (spec === undefined) return { apiVersion: 'v1', kind: 'Service', metadata };
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: compact({
      type: r.enumeration(spec, 'type', 'spec.', SERVICE_TYPES),
      ports: r.list(spec, 'ports', 'spec.', (e, p) => readServicePort(r, e, p)),
      selector: r.stringMap(spec, 'selector', 'spec.'),
      externalName: r.string(spec, 'externalName', 'spec.'),
    }),
  };
}

const ADDRESS_TYPES = ['IPv4', 'IPv6', 'FQDN'] as const;

function readEndpoint(r: FieldReader, v: unknown, path: string): Endpoint | undefined {
  const e = r.item(v, path);
  if (e === undefined) return undefined;
  const addresses = r.list(e, 'addresses', `${path}.`, (a, p) => r.stringItem(a, p));
  if (e['addresses'] == null) r.problem(`${path}.addresses`, 'is required');
  const c = r.object(e, 'conditions', `${path}.`);
  const t = r.object(e, 'targetRef', `${path}.`);
  const cp = `${path}.conditions.`;
  const tp = `${path}.targetRef.`;
  return compact({
    addresses: addresses ?? [],
    conditions:
      c === undefined
        ? undefined
        : compact({
            ready: r.boolean(c, 'ready', cp),
            serving: r.boolean(c, 'serving', cp),
            terminating: r.boolean(c, 'terminating', cp),
          }),
    zone: r.string(e, 'zone', `${path}.`),
    nodeName: r.string(e, 'nodeName', `${path}.`),
    targetRef:
      t === undefined
        ? undefined
        : compact({
            kind: r.string(t, 'kind', tp),
            name: r.string(t, 'name', tp),
            namespace: r.string(t, 'namespace', tp),
          }),
  });
}

function readEndpointPort(r: FieldReader, v: unknown, path: string): EndpointPort | undefined {
  const p = r.item(v, path);
  if (p === undefined) return undefined;
  return compact({
    name: r.string(p, 'name', `${path}.`),
    port: r.integer(p, 'port', `${path}.`, 1, 65535),
    protocol: r.string(p, 'protocol', `${path}.`),
    appProtocol: r.string(p, 'appProtocol', `${path}.`),
  });
}

export function readEndpointSlice(r: FieldReader, doc: Json, metadata: ObjectMeta): EndpointSlice {
  const addressType = r.enumeration(doc, 'addressType', '', ADDRESS_TYPES);
  if (doc['addressType'] == null) r.problem('addressType', 'is required');
  return compact({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata,
    addressType: addressType ?? 'IPv4',
    endpoints: r.list(doc, 'endpoints', '', (e, p) => readEndpoint(r, e, p)),
    ports: r.list(doc, 'ports', '', (e, p) => readEndpointPort(r, e, p)),
  });
}

/** A Namespace: only its metadata (labels) is read. */
export function readNamespace(metadata: ObjectMeta): Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata };
}

export function readSecret(r: FieldReader, doc: Json, metadata: ObjectMeta): Secret {
  const data = r.stringMap(doc, 'data', '');
  for (const [k, v] of Object.entries(data ?? {})) {
    if (!isBase64(v.replace(/\s+/g, '')))
      r.problem(`data.${k}`, 'is not valid base64 (use stringData for plain text)');
  }
  const stringData = r.stringMap(doc, 'stringData', '');
  let merged: Record<string, string> | undefined;
  if (data !== undefined || stringData !== undefined) {
    merged = {};
    for (const [k, v] of Object.entries(data ?? {})) merged[k] = v.replace(/\s+/g, '');
    // As the apiserver does: stringData is write-only and wins over data on the same key.
    for (const [k, v] of Object.entries(stringData ?? {}))
      merged[k] = Buffer.from(v, 'utf8').toString('base64');
    merged = Object.fromEntries(Object.entries(merged).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  const type =
    doc['type'] === OPAQUE_SECRET_TYPE || doc['type'] === undefined ? OPAQUE_SECRET_TYPE : TLS_SECRET_TYPE;
  return compact({ apiVersion: 'v1', kind: 'Secret', metadata, type, data: merged });
}

/**
 * Reads one object of a known kind (metadata, then the kind's own fields), as the manifest parser does for
 * a document; problems are recorded on `r`. Returns undefined when the metadata is unusable. The caller
 * decides what the object is (apiVersion, kind, Secret type): objects listed from an apiserver do not
 * carry `apiVersion`/`kind`.
 */
export function readKubeObject(r: FieldReader, kind: KubeKind, doc: Json): KubeObject | undefined {
  const metadata = readMetadata(r, doc, !CLUSTER_SCOPED_KINDS.has(kind));
  if (metadata === undefined) return undefined;
  switch (kind) {
    case 'Ingress':
      return readIngress(r, doc, metadata);
    case 'IngressClass':
      return readIngressClass(r, doc, metadata);
    case 'Service':
      return readService(r, doc, metadata);
    case 'EndpointSlice':
      return readEndpointSlice(r, doc, metadata);
    case 'Secret':
      return readSecret(r, doc, metadata);
    case 'Namespace':
      return readNamespace(metadata);
    default:
      return readGatewayApiObject(r, kind, doc, metadata);
  }
}
