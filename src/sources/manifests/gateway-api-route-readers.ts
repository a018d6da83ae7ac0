/**
 * The checks of the Gateway API routes (HTTPRoute, GRPCRoute, TLSRoute, TCPRoute, UDPRoute) that the
 * translation relies on, as the v1.6.3 CRDs state them: list limits, enums, ports, hostnames, path values,
 * header names, durations, and each filter's own field. Semantics the spec turns into status (an unknown
 * backend, a listener that refuses the route) are the translation's; here only the shape is checked.
 */
import { isRecord, type FieldReader, type Json } from './field-reader.js';
import {
  checkBackendRef,
  checkDuration,
  checkHeaderFilter,
  checkHeaderMatches,
  checkHostnames,
  checkList,
  checkLocalRef,
  checkParentRefs,
  checkPort,
  checkString,
  filterBody,
  filterField,
} from './gateway-api-fields.js';

const HTTP_FILTER_TYPES = [
  'RequestHeaderModifier',
  'ResponseHeaderModifier',
  'RequestMirror',
  'RequestRedirect',
  'URLRewrite',
  'ExtensionRef',
  'CORS',
] as const;
const GRPC_FILTER_TYPES = [
  'RequestHeaderModifier',
  'ResponseHeaderModifier',
  'RequestMirror',
  'ExtensionRef',
] as const;
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] as const;
/** The characters of an Exact or PathPrefix path value. */
const PATH_CHARS = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$/;
/** Most matches of a route, over all its rules. */
const MAX_ROUTE_MATCHES = 128;

/** An Exact or PathPrefix path value: absolute, normalized, in the allowed characters. */
function pathProblem(value: string): string | undefined {
  if (!value.startsWith('/')) return 'must start with "/"';
  for (const bad of ['//', '/./', '/../', '%2f', '%2F', '#'])
    if (value.includes(bad)) return `must not contain ${JSON.stringify(bad)}`;
  if (value.endsWith('/..') || value.endsWith('/.')) return 'must not end with "/.." or "/."';
  if (!PATH_CHARS.test(value)) return 'has characters a path may not hold';
  return undefined;
}

function checkPathMatch(r: FieldReader, m: Json, at: string): void {
  const path = r.object(m, 'path', at);
  if (path === undefined) return;
  const p = `${at}path.`;
  const type = r.enumeration(path, 'type', p, ['Exact', 'PathPrefix', 'RegularExpression']) ?? 'PathPrefix';
  const value = checkString(r, path, 'value', p, { max: 1024 });
  if (value === undefined || type === 'RegularExpression') return;
  const problem = pathProblem(value);
  if (problem !== undefined) r.problem(`${p}value`, `${JSON.stringify(value)} ${problem}`);
}

function checkHttpMatch(r: FieldReader, m: Json, at: string): void {
  checkPathMatch(r, m, at);
  checkHeaderMatches(r, m, at);
  checkList(r, m, 'queryParams', at, { max: 16 }, (q, qat) => {
    r.enumeration(q, 'type', qat, ['Exact', 'RegularExpression']);
    checkString(r, q, 'name', qat, { required: true, min: 1, max: 256 });
    checkString(r, q, 'value', qat, { required: true, min: 1, max: 1024 });
  });
  r.enumeration(m, 'method', at, METHODS);
}

function checkPathModifier(r: FieldReader, body: Json, at: string): void {
  const path = r.object(body, 'path', at);
  if (path === undefined) return;
  const p = `${at}path.`;
  const type = r.enumeration(path, 'type', p, ['ReplaceFullPath', 'ReplacePrefixMatch']);
  if (path['type'] === undefined || path['type'] === null) r.problem(`${p}type`, 'is required');
  if (type === undefined) return;
  const field = type === 'ReplaceFullPath' ? 'replaceFullPath' : 'replacePrefixMatch';
  const value = checkString(r, path, field, p, { max: 1024 });
  if (path[field] === undefined || path[field] === null)
    r.problem(`${p}${field}`, `is required when type is ${type}`);
  if (value !== undefined && !value.startsWith('/'))
    r.problem(`${p}${field}`, `${JSON.stringify(value)} must start with "/"`);
}

function checkMirror(r: FieldReader, body: Json, at: string): void {
  const ref = r.object(body, 'backendRef', at);
  if (ref === undefined) r.problem(`${at}backendRef`, 'is required');
  else checkBackendRef(r, ref, `${at}backendRef.`, false);
  r.integer(body, 'percent', at, 0, 100);
  const fraction = r.object(body, 'fraction', at);
  if (fraction !== undefined && body['percent'] !== undefined && body['percent'] !== null)
    r.problem(`${at}fraction`, 'and percent cannot both be given');
  if (fraction === undefined) return;
  const numerator = r.integer(fraction, 'numerator', `${at}fraction.`, 0, 2 ** 31 - 1);
  const denominator = r.integer(fraction, 'denominator', `${at}fraction.`, 1, 2 ** 31 - 1) ?? 100;
  if (numerator !== undefined && numerator > denominator)
    r.problem(`${at}fraction.numerator`, 'must not be greater than the denominator');
}

/** One filter of an HTTPRoute (`grpc`: of a GRPCRoute, fewer types). */
function checkFilter(r: FieldReader, f: Json, at: string, grpc: boolean): void {
  const type = r.enumeration(f, 'type', at, grpc ? GRPC_FILTER_TYPES : HTTP_FILTER_TYPES);
  if (f['type'] === undefined || f['type'] === null) r.problem(`${at}type`, 'is required');
  if (type === undefined) return;
  for (const other of grpc ? GRPC_FILTER_TYPES : HTTP_FILTER_TYPES) {
    const key = filterField(other);
    if (other !== type && f[key] !== undefined && f[key] !== null)
      r.problem(`${at}${key}`, `must not be given when type is ${type}`);
  }
  const body = filterBody(r, f, type, at);
  if (body === undefined) return;
  const bat = `${at}${filterField(type)}.`;
  if (type === 'RequestHeaderModifier' || type === 'ResponseHeaderModifier') checkHeaderFilter(r, body, bat);
  else if (type === 'RequestMirror') checkMirror(r, body, bat);
  else if (type === 'ExtensionRef') checkLocalRef(r, body, bat);
  else if (type === 'RequestRedirect') {
    r.enumeration(body, 'scheme', bat, ['http', 'https']);
    checkString(r, body, 'hostname', bat, {
      max: 253,
      pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
      what: 'a valid hostname',
    });
    checkPort(r, body, 'port', bat);
    const code = r.integer(body, 'statusCode', bat, 300, 399);
    if (code !== undefined && ![301, 302, 303, 307, 308].includes(code))
      r.problem(`${bat}statusCode`, `must be one of 301, 302, 303, 307, 308, not ${code}`);
    checkPathModifier(r, body, bat);
  } else if (type === 'URLRewrite') {
    checkString(r, body, 'hostname', bat, {
      max: 253,
      pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
      what: 'a valid hostname',
    });
    checkPathModifier(r, body, bat);
  }
}

/** A rule's filters: at most 16, and each of the single-use types at most once. */
function checkFilters(r: FieldReader, o: Json, at: string, grpc: boolean): void {
  const seen = new Set<string>();
  const filters = checkList(r, o, 'filters', at, { max: 16 }, (f, fat) => checkFilter(r, f, fat, grpc));
  for (const [i, f] of filters.entries()) {
    const type = f['type'];
    if (typeof type !== 'string' || type === 'RequestMirror' || type === 'ExtensionRef') continue;
    if (seen.has(type)) r.problem(`${at}filters[${i}]`, `repeats the ${type} filter`);
    seen.add(type);
  }
  if (seen.has('RequestRedirect') && seen.has('URLRewrite'))
    r.problem(`${at}filters`, 'may hold RequestRedirect or URLRewrite, not both');
}

function checkRuleName(r: FieldReader, rule: Json, at: string): void {
  checkString(r, rule, 'name', at, {
    min: 1,
    max: 253,
    pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    what: 'a valid rule name (lowercase DNS subdomain)',
  });
}

export function checkHttpRoute(r: FieldReader, spec: Json): void {
  checkParentRefs(r, spec);
  checkHostnames(r, spec, 'spec.', { max: 16 });
  let matches = 0;
  checkList(r, spec, 'rules', 'spec.', { max: 16 }, (rule, at) => {
    checkRuleName(r, rule, at);
    matches += checkList(r, rule, 'matches', at, { max: 64 }, (m, mat) => checkHttpMatch(r, m, mat)).length;
    checkFilters(r, rule, at, false);
    checkList(r, rule, 'backendRefs', at, { max: 16 }, (b, bat) => {
      checkBackendRef(r, b, bat, true);
      checkFilters(r, b, bat, false);
    });
    const timeouts = r.object(rule, 'timeouts', at);
    if (timeouts !== undefined) {
      checkDuration(r, timeouts, 'request', `${at}timeouts.`);
      checkDuration(r, timeouts, 'backendRequest', `${at}timeouts.`);
    }
    const filters = rule['filters'];
    const redirect =
      Array.isArray(filters) && filters.some((f) => isRecord(f) && f['type'] === 'RequestRedirect');
    const backends = rule['backendRefs'];
    if (redirect && Array.isArray(backends) && backends.length > 0)
      r.problem(`${at}filters`, 'a RequestRedirect filter cannot be used together with backendRefs');
  });
  if (matches > MAX_ROUTE_MATCHES)
    r.problem('spec.rules', `hold ${matches} matches, at most ${MAX_ROUTE_MATCHES}`);
}

export function checkGrpcRoute(r: FieldReader, spec: Json): void {
  checkParentRefs(r, spec);
  checkHostnames(r, spec, 'spec.', { max: 16 });
  checkList(r, spec, 'rules', 'spec.', { max: 16 }, (rule, at) => {
    checkRuleName(r, rule, at);
    checkList(r, rule, 'matches', at, { max: 64 }, (m, mat) => {
      const method = r.object(m, 'method', mat);
      if (method !== undefined) {
        const p = `${mat}method.`;
        const type = r.enumeration(method, 'type', p, ['Exact', 'RegularExpression']) ?? 'Exact';
        const exact = type === 'Exact' ? /^[A-Za-z_][A-Za-z_0-9]*(\.[A-Za-z_][A-Za-z_0-9]*)*$/ : undefined;
        const service = checkString(r, method, 'service', p, {
          max: 1024,
          ...(exact ? { pattern: exact, what: 'a gRPC service name' } : {}),
        });
        const name = checkString(r, method, 'method', p, {
          max: 1024,
          ...(exact ? { pattern: /^[A-Za-z_][A-Za-z_0-9]*$/, what: 'a gRPC method name' } : {}),
        });
        if (
          service === undefined &&
          name === undefined &&
          method['service'] == null &&
          method['method'] == null
        )
          r.problem(`${mat}method`, 'needs a service, a method or both');
      }
      checkHeaderMatches(r, m, mat);
    });
    checkFilters(r, rule, at, true);
    checkList(r, rule, 'backendRefs', at, { max: 16 }, (b, bat) => {
      checkBackendRef(r, b, bat, true);
      checkFilters(r, b, bat, true);
    });
  });
}

/** TLSRoute (`hostnames` required), TCPRoute and UDPRoute: exactly one rule of 1 to 16 backends. */
export function checkStreamRoute(r: FieldReader, spec: Json, tls: boolean): void {
  checkParentRefs(r, spec);
  if (tls) checkHostnames(r, spec, 'spec.', { required: true, min: 1, max: 1024 });
  else if (spec['hostnames'] !== undefined && spec['hostnames'] !== null)
    r.problem('spec.hostnames', 'is not a field of this kind');
  checkList(r, spec, 'rules', 'spec.', { required: true, min: 1, max: 1 }, (rule, at) => {
    checkRuleName(r, rule, at);
    checkList(r, rule, 'backendRefs', at, { required: true, min: 1, max: 16 }, (b, bat) =>
      checkBackendRef(r, b, bat, true),
    );
  });
}
