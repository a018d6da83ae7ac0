/**
 * The field checks shared by the Gateway API readers (gateway-api-readers.ts, gateway-api-route-readers.ts):
 * bounded lists, strings with the spec's patterns and lengths (v1.6.3 CRD validation), hostnames, ports,
 * durations, and the references every kind uses (parentRefs, backendRefs, header filters). Each check
 * records a problem with the field's full path on the `FieldReader` and returns nothing: the readers keep
 * `spec` as given once it is valid. A list longer than its limit is reported without reading its items, so
 * hostile input costs at most the limits' worth of work.
 */
import { isIP } from 'node:net';
import { describe, DNS_LABEL, DNS_SUBDOMAIN, isRecord, type FieldReader, type Json } from './field-reader.js';

/** A hostname, optionally with a leading `*.` label (the spec's `Hostname`). */
const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** An HTTP header name (RFC 7230 token). */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
/** A Gateway API duration: `1h`, `500ms`, `1m30s` (at most four parts). */
const DURATION = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;

export interface ListBounds {
  readonly min?: number;
  readonly max: number;
}

/**
 * Checks an optional list (`required` to insist on it): its shape and length; then each item (a mapping)
 * with `item`, unless the list is over its limit.
 */
export function checkList(
  r: FieldReader,
  o: Json,
  key: string,
  path: string,
  bounds: ListBounds & { readonly required?: boolean },
  item: (v: Json, itemPath: string, index: number) => void,
): readonly Json[] {
  const v = o[key];
  const at = `${path}${key}`;
  if (v === undefined || v === null) {
    if (bounds.required === true) r.problem(at, 'is required');
    return [];
  }
  if (!Array.isArray(v)) return r.problem(at, `must be a list, not ${describe(v)}`) ?? [];
  if (v.length > bounds.max) return r.problem(at, `has ${v.length} items, at most ${bounds.max}`) ?? [];
  if (v.length < (bounds.min ?? 0)) return r.problem(at, `needs at least ${bounds.min} item(s)`) ?? [];
  const items: Json[] = [];
  v.forEach((e: unknown, i) => {
    const m = r.item(e, `${at}[${i}]`);
    if (m === undefined) return;
    items.push(m);
    item(m, `${at}[${i}].`, i);
  });
  return items;
}

/** A string field: required or not, at most `max` characters, matching `pattern` (described by `what`). */
export function checkString(
  r: FieldReader,
  o: Json,
  key: string,
  path: string,
  rule: {
    readonly required?: boolean;
    readonly max: number;
    readonly min?: number;
    readonly pattern?: RegExp;
    readonly what?: string;
  },
): string | undefined {
  const v = r.string(o, key, path);
  if (v === undefined) {
    if (rule.required === true && (o[key] === undefined || o[key] === null))
      r.problem(`${path}${key}`, 'is required');
    return undefined;
  }
  if (v.length > rule.max) return r.problem(`${path}${key}`, `is longer than ${rule.max} characters`);
  if (v.length < (rule.min ?? 0)) return r.problem(`${path}${key}`, 'must not be empty');
  if (rule.pattern !== undefined && !rule.pattern.test(v))
    return r.problem(`${path}${key}`, `${JSON.stringify(v)} is not ${rule.what ?? 'valid'}`);
  return v;
}

export function checkName(r: FieldReader, o: Json, key: string, path: string, required = true): void {
  checkString(r, o, key, path, {
    required,
    min: 1,
    max: 253,
    pattern: DNS_SUBDOMAIN,
    what: 'a valid name (lowercase DNS subdomain)',
  });
}

export function checkNamespace(r: FieldReader, o: Json, key: string, path: string, required = false): void {
  checkString(r, o, key, path, {
    required,
    min: 1,
    max: 63,
    pattern: DNS_LABEL,
    what: 'a valid namespace (lowercase DNS label)',
  });
}

/** A group (empty for the core group) and a kind, both optional unless `required`. */
export function checkGroupKind(r: FieldReader, o: Json, path: string, required = false): void {
  checkString(r, o, 'group', path, {
    required,
    max: 253,
    pattern: /^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    what: 'a valid API group',
  });
  checkString(r, o, 'kind', path, {
    required,
    min: 1,
    max: 63,
    pattern: /^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/,
    what: 'a valid kind',
  });
}

export function checkPort(r: FieldReader, o: Json, key: string, path: string, required = false): void {
  r.integer(o, key, path, 1, 65535);
  if (required && (o[key] === undefined || o[key] === null)) r.problem(`${path}${key}`, 'is required');
}

/** A hostname as routes and listeners give it: lowercase DNS, a leading `*.` allowed, never an IP. */
export function checkHostnameValue(r: FieldReader, v: unknown, at: string): void {
  if (typeof v !== 'string') return void r.problem(at, `must be a string, not ${describe(v)}`);
  if (v.length > 253 || v.length === 0) return void r.problem(at, 'must have 1 to 253 characters');
  if (isIP(v) !== 0) return void r.problem(at, `${JSON.stringify(v)} is an IP address, not a hostname`);
  if (!HOSTNAME.test(v))
    r.problem(
      at,
      `${JSON.stringify(v)} is not a valid hostname (lowercase DNS name, "*." only as the first label)`,
    );
}

/** A list of hostnames (`spec.hostnames` of routes). */
export function checkHostnames(
  r: FieldReader,
  o: Json,
  path: string,
  bounds: ListBounds & { readonly required?: boolean },
): void {
  const v = o['hostnames'];
  const at = `${path}hostnames`;
  if (v === undefined || v === null) {
    if (bounds.required === true) r.problem(at, 'is required');
    return;
  }
  if (!Array.isArray(v)) return void r.problem(at, `must be a list, not ${describe(v)}`);
  if (v.length > bounds.max) return void r.problem(at, `has ${v.length} items, at most ${bounds.max}`);
  if (v.length < (bounds.min ?? 0)) return void r.problem(at, `needs at least ${bounds.min} item(s)`);
  v.forEach((h: unknown, i) => checkHostnameValue(r, h, `${at}[${i}]`));
}

export function checkDuration(r: FieldReader, o: Json, key: string, path: string): void {
  checkString(r, o, key, path, {
    max: 32,
    pattern: DURATION,
    what: 'a duration such as 10s, 500ms or 1m30s',
  });
}

/** `spec.parentRefs` of a route (at most 32). */
export function checkParentRefs(r: FieldReader, spec: Json): void {
  checkList(r, spec, 'parentRefs', 'spec.', { max: 32 }, (p, at) => {
    checkGroupKind(r, p, at);
    checkNamespace(r, p, 'namespace', at);
    checkName(r, p, 'name', at);
    checkName(r, p, 'sectionName', at, false);
    checkPort(r, p, 'port', at);
  });
}

/** A reference to a backend: name, a port that a Service needs, a namespace, and a weight if `weighted`. */
export function checkBackendRef(r: FieldReader, b: Json, at: string, weighted: boolean): void {
  checkGroupKind(r, b, at);
  checkName(r, b, 'name', at);
  checkNamespace(r, b, 'namespace', at);
  const core = b['group'] === undefined || b['group'] === null || b['group'] === '';
  const service = b['kind'] === undefined || b['kind'] === null || b['kind'] === 'Service';
  checkPort(r, b, 'port', at, core && service);
  if (weighted) r.integer(b, 'weight', at, 0, 1_000_000);
}

/** A header filter (`set`, `add`: at most 16 name/value pairs; `remove`: at most 16 names). */
export function checkHeaderFilter(r: FieldReader, f: Json, at: string): void {
  for (const key of ['set', 'add'])
    checkList(r, f, key, at, { max: 16 }, (h, hat) => {
      checkString(r, h, 'name', hat, {
        required: true,
        min: 1,
        max: 256,
        pattern: HEADER_NAME,
        what: 'a valid header name',
      });
      checkString(r, h, 'value', hat, { required: true, max: 4096 });
    });
  const remove = f['remove'];
  if (remove === undefined || remove === null) return;
  if (!Array.isArray(remove)) return void r.problem(`${at}remove`, `must be a list, not ${describe(remove)}`);
  if (remove.length > 16) return void r.problem(`${at}remove`, `has ${remove.length} items, at most 16`);
  remove.forEach((n: unknown, i) => {
    if (typeof n !== 'string' || !HEADER_NAME.test(n) || n.length > 256)
      r.problem(
        `${at}remove[${i}]`,
        `${typeof n === 'string' ? JSON.stringify(n) : describe(n)} is not a valid header name`,
      );
  });
}

/** A header match of an HTTPRoute or GRPCRoute (at most 16 a match). */
export function checkHeaderMatches(r: FieldReader, m: Json, at: string): void {
  checkList(r, m, 'headers', at, { max: 16 }, (h, hat) => {
    r.enumeration(h, 'type', hat, ['Exact', 'RegularExpression']);
    checkString(r, h, 'name', hat, {
      required: true,
      min: 1,
      max: 256,
      pattern: HEADER_NAME,
      what: 'a valid header name',
    });
    checkString(r, h, 'value', hat, { required: true, min: 1, max: 4096 });
  });
}

/** A filter's own field, required by its `type` (`RequestHeaderModifier` needs `requestHeaderModifier`). */
export function filterField(type: string): string {
  return type === 'URLRewrite'
    ? 'urlRewrite'
    : type === 'CORS'
      ? 'cors'
      : `${type.charAt(0).toLowerCase()}${type.slice(1)}`;
}

/** The mapping of a filter's type, or a problem when it is missing. */
export function filterBody(r: FieldReader, f: Json, type: string, at: string): Json | undefined {
  const key = filterField(type);
  const body = r.object(f, key, at);
  if (body === undefined && (f[key] === undefined || f[key] === null))
    r.problem(`${at}${key}`, `is required when type is ${type}`);
  return isRecord(body) ? body : undefined;
}

/** An ExtensionRef filter's reference: group, kind and name. */
export function checkLocalRef(r: FieldReader, ref: Json, at: string): void {
  checkString(r, ref, 'group', at, { required: true, max: 253 });
  checkString(r, ref, 'kind', at, { required: true, min: 1, max: 63 });
  checkName(r, ref, 'name', at);
}
