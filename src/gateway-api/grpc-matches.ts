/**
 * GRPCRoute matches (pure): a gRPC method match is a match on the HTTP/2 `:path` `/<service>/<method>`,
 * so each becomes an HTTP match (http-matches.ts) plus what the spec's GRPCRoute precedence ranks by.
 * `Exact` (the default type): service and method -> Exact path `/S/M`; service only -> the `/S/` prefix;
 * method only -> the regex `/[^/]+/M`. `RegularExpression`: the regex `/(?:S)/(?:M)`, an empty part
 * being `[^/]+`. No method match: every request. Precedence between the matches of one hostname, across
 * GRPCRoutes: more characters in the service, then in the method, then more header matches, then the
 * older route (creationTimestamp, then namespace/name), then rule order and match order.
 */
import type { GrpcRouteMatch, HttpRouteMatch } from '../resources/gateway-api-types.js';
import type { ObjectMeta } from '../resources/object-meta.js';
import { compareByAge } from '../ingress/ordering.js';
import { normalizeMatch, type NormalizedMatch } from './http-matches.js';

/** The CRD's patterns for Exact service and method names. */
const SERVICE_NAME = /^\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$/i;
const METHOD_NAME = /^[A-Za-z_][A-Za-z_0-9]*$/;
const ANY_PART = '[^/]+';

export interface GrpcRank {
  /** Characters in the service and the method the match names (0: any). */
  readonly service: number;
  readonly method: number;
}

export type GrpcMatchResult =
  | { readonly ok: true; readonly match: NormalizedMatch; readonly rank: GrpcRank }
  | { readonly ok: false; readonly error: string };

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The HTTP path match of a method match, or why it cannot be served. */
function pathOf(m: GrpcRouteMatch['method']): HttpRouteMatch['path'] | string {
  if (m === undefined) return { type: 'PathPrefix', value: '/' };
  const service = m.service ?? '';
  const method = m.method ?? '';
  if (service === '' && method === '') return 'method match names neither a service nor a method';
  const type = m.type ?? 'Exact';
  if (type === 'RegularExpression') {
    const s = service === '' ? ANY_PART : `(?:${service})`;
    const me = method === '' ? ANY_PART : `(?:${method})`;
    return { type: 'RegularExpression', value: `/${s}/${me}` };
  }
  if (type !== 'Exact') return `method match type "${String(type).slice(0, 40)}" is not supported`;
  if (service !== '' && !SERVICE_NAME.test(service))
    return `service "${service.slice(0, 80)}" is not a gRPC service name`;
  if (method !== '' && !METHOD_NAME.test(method))
    return `method "${method.slice(0, 80)}" is not a gRPC method name`;
  if (method === '') return { type: 'PathPrefix', value: `/${service}/` };
  if (service === '') return { type: 'RegularExpression', value: `/${ANY_PART}/${escapeRegex(method)}` };
  return { type: 'Exact', value: `/${service}/${method}` };
}

/** A GRPCRoute match as an HTTP match with its rank; the header checks are the HTTPRoute ones. */
export function normalizeGrpcMatch(m: GrpcRouteMatch | undefined): GrpcMatchResult {
  const path = pathOf(m?.method);
  if (typeof path === 'string') return { ok: false, error: path };
  const n = normalizeMatch({ path, ...(m?.headers ? { headers: m.headers } : {}) });
  if (!n.ok) return n;
  const rank = { service: m?.method?.service?.length ?? 0, method: m?.method?.method?.length ?? 0 };
  return { ok: true, match: n.match, rank };
}

/** One match of one rule of one GRPCRoute, as sorted within a hostname. */
export interface RankedGrpcMatch {
  readonly rank: GrpcRank;
  readonly match: NormalizedMatch;
  readonly route: { readonly metadata: ObjectMeta };
  readonly ruleIndex: number;
  readonly matchIndex: number;
}

/** The spec's GRPCRoute precedence: negative when `a` is tried before `b`. */
export function compareGrpcMatches(a: RankedGrpcMatch, b: RankedGrpcMatch): number {
  return (
    b.rank.service - a.rank.service ||
    b.rank.method - a.rank.method ||
    b.match.headers.length - a.match.headers.length ||
    compareByAge(a.route, b.route) ||
    a.ruleIndex - b.ruleIndex ||
    a.matchIndex - b.matchIndex
  );
}
