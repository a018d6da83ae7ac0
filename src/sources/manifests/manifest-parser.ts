/**
 * Parses one manifest file (multi-document YAML, or JSON) into the Kubernetes objects Causeway reads.
 * Pure: no I/O, no clock. Every object is validated for the shape `translate` relies on and projected onto
 * the typed subset of `kube-types.ts` (unknown fields are dropped, `null` counts as absent, namespaced
 * kinds get `default`, Secret `stringData` is merged into `data` as base64, as the apiserver does).
 * Kinds Causeway does not read (Deployment, ConfigMap, CRDs, non-TLS Secrets, ...) are skipped silently.
 */
import { parseAllDocuments } from 'yaml';
import { diagnostic, type Diagnostic, type ErrorCode, type ObjectRef } from '../../errors.js';
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
  Secret,
  Service,
  ServicePort,
} from '../../resources/kube-types.js';
import { DEFAULT_NAMESPACE, type ObjectOrigin, type Sourced } from '../../resources/resource-set.js';

export interface ParsedManifestFile {
  readonly objects: readonly Sourced<KubeObject>[];
  readonly diagnostics: readonly Diagnostic[];
  /** False when the file's YAML is broken or any document is invalid. */
  readonly ok: boolean;
}

/** The kinds Causeway reads, with the one apiVersion accepted for each. */
export const READ_KINDS: Readonly<Record<KubeKind, string>> = {
  Ingress: 'networking.k8s.io/v1',
  IngressClass: 'networking.k8s.io/v1',
  Service: 'v1',
  EndpointSlice: 'discovery.k8s.io/v1',
  Secret: 'v1',
};

export const TLS_SECRET_TYPE = 'kubernetes.io/tls';

/** A document is reported with at most this many problems (then "and N more"). */
const MAX_PROBLEMS = 8;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

type Json = Readonly<Record<string, unknown>>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string')
    return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  return `${typeof v} ${String(v)}`;
}

/** Removes keys whose value is undefined, so that projected objects compare and serialize canonically. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Reads optional fields of a JSON value with a path for messages. Every reader returns undefined for an
 * absent or null field and records a problem (and returns undefined) for a field of the wrong shape.
 */
class FieldReader {
  readonly problems: string[] = [];

  problem(path: string, message: string): undefined {
    this.problems.push(`${path} ${message}`);
    return undefined;
  }

  object(o: Json, key: string, path: string): Json | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (!isRecord(v)) return this.problem(`${path}${key}`, `must be a mapping, not ${describe(v)}`);
    return v;
  }

  string(o: Json, key: string, path: string): string | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') return this.problem(`${path}${key}`, `must be a string, not ${describe(v)}`);
    return v;
  }

  enumeration<T extends string>(o: Json, key: string, path: string, allowed: readonly T[]): T | undefined {
    const v = this.string(o, key, path);
    if (v === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(v)) {
      return this.problem(`${path}${key}`, `must be one of ${allowed.join(', ')}, not ${JSON.stringify(v)}`);
    }
    return v as T;
  }

  integer(o: Json, key: string, path: string, min: number, max: number): number | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      return this.problem(`${path}${key}`, `must be a number, not ${describe(v)}`);
    }
    if (v < min || v > max)
      return this.problem(`${path}${key}`, `must be between ${min} and ${max}, not ${v}`);
    return v;
  }

  boolean(o: Json, key: string, path: string): boolean | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean')
      return this.problem(`${path}${key}`, `must be true or false, not ${describe(v)}`);
    return v;
  }

  /** A mapping of strings to strings (labels, annotations, selectors, Secret data), sorted by key. */
  stringMap(o: Json, key: string, path: string): Readonly<Record<string, string>> | undefined {
    const m = this.object(o, key, path);
    if (m === undefined) return undefined;
    const entries: [string, string][] = [];
    for (const [k, v] of Object.entries(m)) {
      if (typeof v === 'string') entries.push([k, v]);
      else this.problem(`${path}${key}.${k}`, `must be a string, not ${describe(v)} (quote it)`);
    }
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries);
  }

  list<T>(
    o: Json,
    key: string,
    path: string,
    item: (v: unknown, itemPath: string) => T | undefined,
  ): T[] | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) return this.problem(`${path}${key}`, `must be a list, not ${describe(v)}`);
    const out: T[] = [];
    v.forEach((e: unknown, i) => {
      const r = item(e, `${path}${key}[${i}]`);
      if (r !== undefined) out.push(r);
    });
    return out;
  }

  /** A list item that must be a mapping. */
  item(v: unknown, path: string): Json | undefined {
    if (!isRecord(v)) return this.problem(path, `must be a mapping, not ${describe(v)}`);
    return v;
  }

  stringItem(v: unknown, path: string): string | undefined {
    if (typeof v !== 'string') return this.problem(path, `must be a string, not ${describe(v)}`);
    return v;
  }
}

// ---------------------------------------------------------------------------------------------------
// Per-kind readers: validate the shape `translate` relies on and project onto the typed subset.

function readMetadata(r: FieldReader, doc: Json, namespaced: boolean): ObjectMeta | undefined {
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

function readIngress(r: FieldReader, doc: Json, metadata: ObjectMeta): Ingress {
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

function readIngressClass(r: FieldReader, doc: Json, metadata: ObjectMeta): IngressClass {
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

function readService(r: FieldReader, doc: Json, metadata: ObjectMeta): Service {
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

function readEndpointSlice(r: FieldReader, doc: Json, metadata: ObjectMeta): EndpointSlice {
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

function readSecret(r: FieldReader, doc: Json, metadata: ObjectMeta): Secret {
  const data = r.stringMap(doc, 'data', '');
  for (const [k, v] of Object.entries(data ?? {})) {
    if (!BASE64.test(v.replace(/\s+/g, '')))
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
  return compact({ apiVersion: 'v1', kind: 'Secret', metadata, type: TLS_SECRET_TYPE, data: merged });
}

// ---------------------------------------------------------------------------------------------------

interface DocContext {
  readonly relativePath: string;
  readonly cluster: string;
  readonly documentIndex: number;
  /** Set for an item of a `kind: List` document. */
  readonly itemIndex?: number;
}

function where(ctx: DocContext): string {
  const item = ctx.itemIndex === undefined ? '' : ` item ${ctx.itemIndex}`;
  return `${ctx.relativePath} document ${ctx.documentIndex}${item}`;
}

function refOf(ctx: DocContext, kind: string, name: string, namespace?: string): ObjectRef {
  return compact({
    kind,
    namespace,
    name,
    cluster: ctx.cluster,
    file: ctx.relativePath,
    documentIndex: ctx.documentIndex,
  });
}

function fileRef(ctx: DocContext): ObjectRef {
  return refOf(ctx, 'Manifest', ctx.relativePath);
}

function describeProblems(problems: readonly string[]): string {
  const shown = problems.slice(0, MAX_PROBLEMS).join('; ');
  return problems.length > MAX_PROBLEMS ? `${shown}; and ${problems.length - MAX_PROBLEMS} more` : shown;
}

const READ_KIND_NAMES = Object.keys(READ_KINDS) as KubeKind[];
const LIST_KINDS = new Set(['List', ...READ_KIND_NAMES.map((k) => `${k}List`)]);

type DocResult =
  | { readonly kind: 'object'; readonly object: KubeObject }
  | { readonly kind: 'skip' }
  | { readonly kind: 'invalid'; readonly diagnostic: Diagnostic };

function invalid(
  ctx: DocContext,
  message: string,
  ref?: ObjectRef,
  code: ErrorCode = 'CW_E_MANIFEST_OBJECT',
): DocResult {
  return { kind: 'invalid', diagnostic: diagnostic(code, ref ?? fileRef(ctx), `${where(ctx)}: ${message}`) };
}

/** Validates and projects one object (a document, or an item of a List document). */
function readObject(doc: unknown, ctx: DocContext): DocResult {
  if (!isRecord(doc)) return invalid(ctx, `is ${describe(doc)}, not a Kubernetes object`);
  const apiVersion = doc['apiVersion'];
  const kind = doc['kind'];
  const missing = [
    typeof apiVersion === 'string' && apiVersion !== '' ? undefined : 'apiVersion',
    typeof kind === 'string' && kind !== '' ? undefined : 'kind',
  ].filter((x) => x !== undefined);
  if (missing.length > 0 || typeof kind !== 'string' || typeof apiVersion !== 'string') {
    return invalid(ctx, `is not a Kubernetes object: ${missing.join(' and ')} must be a non-empty string`);
  }
  const readKind = READ_KIND_NAMES.find((k) => k === kind);
  if (readKind === undefined) {
    const lookalike = READ_KIND_NAMES.find((k) => k.toLowerCase() === kind.toLowerCase());
    if (lookalike !== undefined)
      return invalid(
        ctx,
        `kind ${JSON.stringify(kind)} is misspelled: kinds are case-sensitive, use ${lookalike}`,
      );
    return { kind: 'skip' };
  }
  const secretType = doc['type'];
  if (readKind === 'Secret' && secretType !== TLS_SECRET_TYPE) {
    // Only TLS Secrets are ours; say nothing about the others (not even their shape).
    if (secretType === undefined || secretType === null || typeof secretType === 'string')
      return { kind: 'skip' };
  }
  const r = new FieldReader();
  const metadata = readMetadata(r, doc, readKind !== 'IngressClass');
  const rawMeta = isRecord(doc['metadata']) ? doc['metadata'] : {};
  const name = typeof rawMeta['name'] === 'string' && rawMeta['name'] !== '' ? rawMeta['name'] : '(unnamed)';
  const ref = refOf(
    ctx,
    readKind,
    name,
    readKind === 'IngressClass' ? undefined : (metadata?.namespace ?? DEFAULT_NAMESPACE),
  );
  if (apiVersion !== READ_KINDS[readKind]) {
    return invalid(
      ctx,
      `${readKind} ${name}: apiVersion ${apiVersion} is not supported, use ${READ_KINDS[readKind]}`,
      ref,
    );
  }
  if (readKind === 'Secret' && secretType !== TLS_SECRET_TYPE)
    r.problem('type', `must be a string, not ${describe(secretType)}`);
  if (metadata === undefined)
    return invalid(ctx, `${readKind} ${name}: ${describeProblems(r.problems)}`, ref);
  let object: KubeObject;
  switch (readKind) {
    case 'Ingress':
      object = readIngress(r, doc, metadata);
      break;
    case 'IngressClass':
      object = readIngressClass(r, doc, metadata);
      break;
    case 'Service':
      object = readService(r, doc, metadata);
      break;
    case 'EndpointSlice':
      object = readEndpointSlice(r, doc, metadata);
      break;
    case 'Secret':
      object = readSecret(r, doc, metadata);
      break;
  }
  if (r.problems.length > 0) return invalid(ctx, `${readKind} ${name}: ${describeProblems(r.problems)}`, ref);
  return { kind: 'object', object };
}

/** `kind: List` (what `kubectl get -o yaml` writes) and the typed lists of our kinds (`IngressList`, ...). */
function isListDocument(v: unknown): v is Json {
  return isRecord(v) && typeof v['kind'] === 'string' && LIST_KINDS.has(v['kind']);
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/:\s*$/, '');
}

function parseDocuments(
  relativePath: string,
  text: string,
): { value?: unknown; error?: string; empty: boolean }[] {
  if (/\.json$/i.test(relativePath)) {
    if (text.trim() === '') return [];
    try {
      const value = JSON.parse(text) as unknown;
      return value === null ? [] : [{ value, empty: false }];
    } catch (e) {
      return [{ error: `invalid JSON: ${firstLine((e as Error).message)}`, empty: false }];
    }
  }
  // YAML 1.2 core schema (timestamps stay strings) with `<<` merge keys, which kubectl accepts.
  const docs = parseAllDocuments(text, { prettyErrors: true, merge: true });
  if (!Array.isArray(docs)) return [];
  return docs.map((d) => {
    const [err, ...more] = d.errors;
    if (err !== undefined) {
      const others = more.length > 0 ? ` (and ${more.length} more error${more.length > 1 ? 's' : ''})` : '';
      return { error: `invalid YAML: ${firstLine(err.message)}${others}`, empty: false };
    }
    if (d.contents === null) return { empty: true };
    try {
      const value = d.toJS({ maxAliasCount: 100 }) as unknown;
      // A document that is just `null` or `~` is empty too, as for kubectl.
      return value === null ? { empty: true } : { value, empty: false };
    } catch (e) {
      return { error: `invalid YAML: ${firstLine((e as Error).message)}`, empty: false };
    }
  });
}

/**
 * Parses one manifest file. `relativePath` (with `/` separators) names the file in origins and messages;
 * documents are numbered from 0 in the order of the file, empty documents included.
 */
export function parseManifestFile(relativePath: string, text: string, cluster: string): ParsedManifestFile {
  const objects: Sourced<KubeObject>[] = [];
  const diagnostics: Diagnostic[] = [];
  parseDocuments(relativePath, text).forEach((d, documentIndex) => {
    const ctx: DocContext = { relativePath, cluster, documentIndex };
    if (d.error !== undefined) {
      diagnostics.push(diagnostic('CW_E_MANIFEST_YAML', fileRef(ctx), `${where(ctx)}: ${d.error}`));
      return;
    }
    if (d.empty) return;
    const origin: ObjectOrigin = { cluster, file: relativePath, documentIndex };
    const add = (res: DocResult): void => {
      if (res.kind === 'object') objects.push({ object: res.object, origin });
      else if (res.kind === 'invalid') diagnostics.push(res.diagnostic);
    };
    const v = d.value;
    if (!isListDocument(v)) {
      add(readObject(v, ctx));
      return;
    }
    const items = v['items'];
    if (items === undefined || items === null) return;
    if (!Array.isArray(items)) {
      add(invalid(ctx, `${String(v['kind'])} items must be a list, not ${describe(items)}`));
      return;
    }
    items.forEach((item: unknown, itemIndex) => {
      const ictx: DocContext = { ...ctx, itemIndex };
      add(
        isListDocument(item)
          ? invalid(ictx, `a ${String(item['kind'])} inside a list is not supported`)
          : readObject(item, ictx),
      );
    });
  });
  return { objects, diagnostics, ok: diagnostics.length === 0 };
}
