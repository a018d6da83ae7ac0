/**
 * Parses one manifest file (multi-document YAML, or JSON) into the Kubernetes objects Causeway reads.
 * Pure: no I/O, no clock. Every object is validated for the shape `translate` relies on and projected onto
 * the typed subset of `kube-types.ts` (unknown fields are dropped, `null` counts as absent, namespaced
 * kinds get `default`, Secret `stringData` is merged into `data` as base64, as the apiserver does).
 * Kinds Causeway does not read (Deployment, ConfigMap, CRDs, non-TLS Secrets, ...) are skipped silently.
 */
import { LineCounter, parseAllDocuments } from 'yaml';
import { diagnostic, type Diagnostic, type ErrorCode, type ObjectRef } from '../../errors.js';
import type { KubeKind, KubeObject } from '../../resources/kube-types.js';
import { DEFAULT_NAMESPACE, type ObjectOrigin, type Sourced } from '../../resources/resource-set.js';
import { GATEWAY_API_VERSION } from '../../resources/gateway-api-types.js';
import { compact, describe, FieldReader, isRecord, type Json } from './field-reader.js';
import { readGatewayApiObject } from './gateway-api-readers.js';
import {
  CLUSTER_SCOPED_KINDS,
  readEndpointSlice,
  readIngress,
  readIngressClass,
  readMetadata,
  readNamespace,
  readSecret,
  readService,
  TLS_SECRET_TYPE,
  OPAQUE_SECRET_TYPE,
} from './kube-object-readers.js';
import { plainDocument } from './yaml-plain-js.js';

export { TLS_SECRET_TYPE } from './kube-object-readers.js';

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
  Namespace: 'v1',
  GatewayClass: GATEWAY_API_VERSION,
  Gateway: GATEWAY_API_VERSION,
  HTTPRoute: GATEWAY_API_VERSION,
  GRPCRoute: GATEWAY_API_VERSION,
  TLSRoute: GATEWAY_API_VERSION,
  TCPRoute: GATEWAY_API_VERSION,
  UDPRoute: GATEWAY_API_VERSION,
  ReferenceGrant: GATEWAY_API_VERSION,
};

/** A document is reported with at most this many problems (then "and N more"). */
const MAX_PROBLEMS = 8;

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
  // An Opaque Secret (the type when none is given) may hold basic auth users (policies/basic-auth.ts).
  const secretType = doc['type'] === undefined || doc['type'] === null ? OPAQUE_SECRET_TYPE : doc['type'];
  const ourSecret = secretType === TLS_SECRET_TYPE || secretType === OPAQUE_SECRET_TYPE;
  if (readKind === 'Secret' && !ourSecret) {
    // Only TLS and Opaque Secrets are ours; say nothing about the others (not even their shape).
    if (typeof secretType === 'string') return { kind: 'skip' };
  }
  const r = new FieldReader();
  const metadata = readMetadata(r, doc, !CLUSTER_SCOPED_KINDS.has(readKind));
  const rawMeta = isRecord(doc['metadata']) ? doc['metadata'] : {};
  const name = typeof rawMeta['name'] === 'string' && rawMeta['name'] !== '' ? rawMeta['name'] : '(unnamed)';
  const ref = refOf(
    ctx,
    readKind,
    name,
    CLUSTER_SCOPED_KINDS.has(readKind) ? undefined : (metadata?.namespace ?? DEFAULT_NAMESPACE),
  );
  if (apiVersion !== READ_KINDS[readKind]) {
    return invalid(
      ctx,
      `${readKind} ${name}: apiVersion ${apiVersion} is not supported, use ${READ_KINDS[readKind]}`,
      ref,
    );
  }
  if (readKind === 'Secret' && !ourSecret) r.problem('type', `must be a string, not ${describe(secretType)}`);
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
    case 'Namespace':
      object = readNamespace(metadata);
      break;
    default:
      object = readGatewayApiObject(r, readKind, doc, metadata);
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
  // YAML 1.2 core schema (timestamps stay strings) with `<<` merge keys, which kubectl accepts. Duplicate
  // keys are found in linear time while converting (the library's own check is quadratic).
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { prettyErrors: true, merge: true, uniqueKeys: false, lineCounter });
  if (!Array.isArray(docs)) return [];
  return docs.map((d) => {
    if (d.errors.length === 0 && d.contents === null) return { empty: true };
    let value: unknown;
    const errors = d.errors.map((e) => firstLine(e.message));
    try {
      if (errors.length === 0) {
        const plain = plainDocument(d, lineCounter, 100);
        errors.push(...plain.duplicateKeys);
        value = plain.value;
      }
    } catch (e) {
      return { error: `invalid YAML: ${firstLine((e as Error).message)}`, empty: false };
    }
    const [err, ...more] = errors;
    if (err !== undefined) {
      const others = more.length > 0 ? ` (and ${more.length} more error${more.length > 1 ? 's' : ''})` : '';
      return { error: `invalid YAML: ${err}${others}`, empty: false };
    }
    // A document that is just `null` or `~` is empty too, as for kubectl.
    return value === null ? { empty: true } : { value, empty: false };
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
