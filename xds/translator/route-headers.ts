/**
 * A route's header policy in Envoy's words (issue 12, item 3):
 * - header changes as route-level `request_headers_to_add` / `_to_remove` and `response_headers_to_add`
 *   / `_to_remove` (Envoy removes first, then adds). `set` is OVERWRITE_IF_EXISTS_OR_ADD, `add`
 *   APPEND_IF_EXISTS_OR_ADD. Envoy reads `%...%` in a header value as a format operator, so every `%`
 *   of a user value is written `%%`: a value is always the literal text.
 * - CORS as a CorsPolicy for the CORS filter (typed_per_filter_config; the filter is in every HTTP
 *   connection manager, off unless a route carries a policy). Preflights never reach the backend: an
 *   allowed origin is answered by the gateway, a disallowed one too, without `Access-Control-Allow-Origin`
 *   (forward_not_matching_preflights: false). The gateway is the one CORS authority of such a route: the
 *   backend's own `Access-Control-Allow-Origin`, `-Allow-Credentials` and `-Expose-Headers` are removed,
 *   and `Vary: Origin` is added since the answer depends on the caller's origin.
 */
import type {
  CorsOriginIR,
  CorsPolicyIR,
  HeaderMutationIR,
  HeaderPolicyIR,
  HeaderValueIR,
  RouteIR,
} from '../../src/ir/ir-types.js';
import { CORS_FILTER_NAME, TYPES } from './common.js';

/** Envoy's literal form of a header value: `%` doubled, so no format operator can be formed. */
export function envoyLiteral(value: string): string {
  return value.replace(/%/g, '%%');
}

type AppendAction = 'OVERWRITE_IF_EXISTS_OR_ADD' | 'APPEND_IF_EXISTS_OR_ADD';

function option(h: HeaderValueIR, action: AppendAction): object {
  return { header: { key: h.name, value: envoyLiteral(h.value) }, append_action: action };
}

/** Backend CORS headers a CORS route drops: the gateway's CORS filter sets them for allowed origins. */
const BACKEND_CORS_HEADERS = [
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-expose-headers',
];
const VARY_ORIGIN: HeaderValueIR = { name: 'vary', value: 'Origin' };

function mutation(
  prefix: 'request' | 'response',
  m: HeaderMutationIR | undefined,
  extraAdd: readonly HeaderValueIR[] = [],
  extraRemove: readonly string[] = [],
): Record<string, unknown> {
  const add = [
    ...(m?.set ?? []).map((h) => option(h, 'OVERWRITE_IF_EXISTS_OR_ADD')),
    ...[...(m?.add ?? []), ...extraAdd].map((h) => option(h, 'APPEND_IF_EXISTS_OR_ADD')),
  ];
  const remove = [...new Set([...(m?.remove ?? []), ...extraRemove])];
  return {
    ...(add.length > 0 ? { [`${prefix}_headers_to_add`]: add } : {}),
    ...(remove.length > 0 ? { [`${prefix}_headers_to_remove`]: remove } : {}),
  };
}

/**
 * The header policy every route of a virtual host shares (the same policy object: the routes of one
 * Ingress), written once on the virtual host instead of on each route; undefined when the routes differ.
 * Envoy applies a virtual host's header changes and per-filter configs to each of its routes that sets
 * none of its own, so the result is the same, in a smaller RouteConfiguration.
 */
export function sharedHeaderPolicy(routes: readonly RouteIR[]): HeaderPolicyIR | undefined {
  const first = routes[0]?.headerPolicy;
  return first !== undefined && routes.every((r) => r.headerPolicy === first) ? first : undefined;
}

/** The header fields of a header policy (for a route, or a virtual host when all its routes share it). */
export function headerFields(p: HeaderPolicyIR | undefined): Record<string, unknown> {
  if (!p) return {};
  const cors = p.cors !== undefined;
  return {
    ...mutation('request', p.request),
    ...mutation('response', p.response, cors ? [VARY_ORIGIN] : [], cors ? BACKEND_CORS_HEADERS : []),
  };
}

function originMatcher(o: CorsOriginIR): object {
  switch (o.kind) {
    case 'any':
      // Envoy's CORS filter allows every origin when a matcher matches "*".
      return { exact: '*' };
    case 'exact':
      return { exact: o.origin, ignore_case: true };
    case 'pattern':
      return { safe_regex: { regex: o.regex } };
  }
}

function corsPolicy(c: CorsPolicyIR): object {
  return {
    '@type': TYPES.corsPolicy,
    allow_origin_string_match: c.allowOrigins.map(originMatcher),
    allow_methods: c.allowMethods.join(', '),
    allow_headers: c.allowHeaders.join(', '),
    ...(c.exposeHeaders.length > 0 ? { expose_headers: c.exposeHeaders.join(', ') } : {}),
    max_age: String(c.maxAgeSeconds),
    allow_credentials: c.allowCredentials,
    forward_not_matching_preflights: false,
  };
}

/** The per-filter config for the CORS filter of a header policy (empty without a CORS policy). */
export function corsFilterConfig(p: HeaderPolicyIR | undefined): Record<string, object> {
  const c = p?.cors;
  return c ? { [CORS_FILTER_NAME]: corsPolicy(c) } : {};
}
