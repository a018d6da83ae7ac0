/**
 * One HTTPRoute rule match as an IR route (pure but for the backend registry it fills): the match
 * (path, headers, method, query parameters), the filters (header modifiers, redirect, URL rewrite,
 * mirror), the weighted backends and the timeouts. A rule with no usable backend answers 500.
 */
import { diagnostic, type Diagnostic, type ObjectRef } from '../errors.js';
import type {
  HeaderMatchIR,
  HeaderMutationIR,
  HeaderPolicyIR,
  PathMatchIR,
  RedirectIR,
  RouteActionIR,
  RouteIR,
  WeightedBackendIR,
} from '../ir/ir-types.js';
import type { HttpHeaderFilter, HttpRouteFilter, HttpRouteRule } from '../resources/gateway-api-types.js';
import type { NormalizedMatch, ValueMatch } from '../gateway-api/http-matches.js';
import { resolveBackendRef } from '../gateway-api/backend-refs.js';
import type { ResourceSet } from '../resources/resource-set.js';
import type { BackendRegistry, BackendOwner } from './backend-registry.js';
import { DEFAULT_ROUTE_POLICY } from './route-policy.js';
import { textProblem } from '../ingress/text-checks.js';
import { normalizeHost } from '../ingress/hosts.js';

const NO_BACKEND: RouteActionIR = { kind: 'direct', status: 500, body: 'no usable backend\n' };
/** A GRPCRoute's: 503, which a gateway answers a gRPC client as UNAVAILABLE (the spec's status). */
const NO_GRPC_BACKEND: RouteActionIR = { kind: 'direct', status: 503, body: 'no usable backend\n' };

/** A GRPCRoute's backends speak HTTP/2 (h2c, or TLS with the Service's backend protocol GRPCS). */
function isGrpc(ctx: RuleContext): boolean {
  return ctx.ref.kind === 'GRPCRoute';
}
const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);
const WELL_KNOWN_PORT = { http: 80, https: 443 } as const;

export interface RuleContext {
  readonly resources: ResourceSet;
  readonly backends: BackendRegistry;
  readonly diags: Diagnostic[];
  /** The HTTPRoute or GRPCRoute (sources) and its diagnostic ref (with cluster). */
  readonly ref: ObjectRef;
  readonly diagRef: ObjectRef;
  readonly namespace: string;
  /** The listener the route is served on: its port and scheme (a redirect without scheme or port keeps the port). */
  readonly listener: { readonly port: number; readonly scheme: 'http' | 'https' };
}

/** A Gateway API duration (`1h2m3s500ms`) in seconds; undefined when it does not parse. */
export function gatewayDurationSeconds(raw: string): number | undefined {
  if (!/^([0-9]{1,5}(h|m|s|ms)){1,4}$/.test(raw)) return undefined;
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  for (const m of raw.matchAll(/([0-9]+)(ms|h|m|s)/g)) total += Number(m[1]) * unit[m[2]!]!;
  return Math.round(total * 1000) / 1000;
}

function valueMatch(v: ValueMatch): HeaderMatchIR['match'] {
  return v.kind === 'exact' ? { kind: 'exact', value: v.value } : { kind: 'regex', regex: v.value };
}

function pathMatch(m: NormalizedMatch): PathMatchIR {
  if (m.path.kind === 'regex') return { kind: 'regex', path: `(?:${m.path.value})$` };
  return { kind: m.path.kind, path: m.path.value };
}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** Header changes a gateway can make: a name that is not an HTTP token, or a bad value, is left out. */
function usableHeaders(ctx: RuleContext, f: HttpHeaderFilter, where: string): HttpHeaderFilter {
  const ok = (name: string, value = ''): boolean => {
    const bad =
      !HEADER_NAME.test(name) ||
      name.startsWith(':') ||
      textProblem(value, { maxLength: 8192 }) !== undefined;
    if (bad)
      ctx.diags.push(
        diagnostic(
          'CW_E_GATEWAY_API_VALUE',
          ctx.diagRef,
          `${where}: header "${name.slice(0, 80)}" (name or value) is not valid; left out`,
        ),
      );
    return !bad;
  };
  return {
    set: (f.set ?? []).filter((h) => ok(h.name, h.value)),
    add: (f.add ?? []).filter((h) => ok(h.name, h.value)),
    remove: (f.remove ?? []).filter((n) => ok(n)),
  };
}

function mutation(f: HttpHeaderFilter | undefined): HeaderMutationIR | undefined {
  if (f === undefined) return undefined;
  const values = (l: HttpHeaderFilter['set']) =>
    (l ?? []).map((h) => ({ name: h.name.toLowerCase(), value: h.value }));
  return { set: values(f.set), add: values(f.add), remove: (f.remove ?? []).map((n) => n.toLowerCase()) };
}

function headerPolicy(
  ctx: RuleContext,
  filters: readonly HttpRouteFilter[],
  where: string,
): HeaderPolicyIR | undefined {
  const req = filters.find((f) => f.type === 'RequestHeaderModifier')?.requestHeaderModifier;
  const res = filters.find((f) => f.type === 'ResponseHeaderModifier')?.responseHeaderModifier;
  const request = mutation(req && usableHeaders(ctx, req, `${where}: RequestHeaderModifier`));
  const response = mutation(res && usableHeaders(ctx, res, `${where}: ResponseHeaderModifier`));
  if (!request && !response) return undefined;
  return { ...(request ? { request } : {}), ...(response ? { response } : {}) };
}

const REPLACEMENT_PATH = /^\/[\x21-\x5b\x5d-\x7e]*$/;

/**
 * The filter with the parts a gateway would refuse left out (a diagnostic each): a hostname that is not
 * a DNS name, a path that is not `/` plus printable ASCII (no backslash: it would read as a capture).
 */
function usableFilter(ctx: RuleContext, f: HttpRouteFilter, where: string): HttpRouteFilter {
  const body = f.requestRedirect ?? f.urlRewrite;
  if (body === undefined) return f;
  const refuse = (what: string): void => {
    ctx.diags.push(
      diagnostic('CW_E_GATEWAY_API_VALUE', ctx.diagRef, `${where}: ${f.type} ${what} is not valid; left out`),
    );
  };
  const host = body.hostname;
  const hostOk = host === undefined || (normalizeHost(host).ok && !host.startsWith('*'));
  if (!hostOk) refuse(`hostname "${host.slice(0, 80)}"`);
  const p = body.path;
  const value = p?.type === 'ReplaceFullPath' ? p.replaceFullPath : p?.replacePrefixMatch;
  const pathOk = value === undefined || REPLACEMENT_PATH.test(value);
  if (!pathOk) refuse(`path "${value.slice(0, 80)}"`);
  const { hostname: _h, path: _p, ...rest } = body;
  const clean = {
    ...rest,
    ...(hostOk && host !== undefined ? { hostname: host } : {}),
    ...(pathOk && p ? { path: p } : {}),
  };
  return f.requestRedirect ? { ...f, requestRedirect: clean } : { ...f, urlRewrite: clean };
}

function redirectOf(f: HttpRouteFilter, m: NormalizedMatch, listener: RuleContext['listener']): RedirectIR {
  const r = f.requestRedirect ?? {};
  const code = REDIRECT_CODES.has(r.statusCode ?? 302) ? ((r.statusCode ?? 302) as RedirectIR['code']) : 302;
  const scheme = r.scheme === 'http' || r.scheme === 'https' ? r.scheme : undefined;
  const path =
    r.path?.type === 'ReplaceFullPath'
      ? { path: r.path.replaceFullPath ?? '/' }
      : r.path?.type === 'ReplacePrefixMatch' && m.path.kind === 'prefix'
        ? { prefix: r.path.replacePrefixMatch ?? '/' }
        : {};
  // A scheme change without a port goes to the scheme's well-known port, which Envoy leaves out of the
  // Location (as the spec asks); Envoy would write an explicit well-known port out. Without scheme and
  // port the spec keeps the listener's port (left out when well-known for its scheme): Envoy would drop
  // it with a new hostname, so it is explicit.
  const keepListenerPort =
    scheme === undefined && r.port === undefined && listener.port !== WELL_KNOWN_PORT[listener.scheme];
  const port = keepListenerPort
    ? listener.port
    : scheme !== undefined && r.port === WELL_KNOWN_PORT[scheme]
      ? undefined
      : r.port;
  return {
    ...(scheme ? { scheme } : {}),
    ...(r.hostname !== undefined ? { host: r.hostname } : {}),
    ...(port !== undefined ? { port } : {}),
    ...path,
    code,
  };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** URLRewrite's path as an IR rewrite (regex over the path without query). */
function rewriteOf(f: HttpRouteFilter, m: NormalizedMatch): Pick<RouteIR, 'rewrite' | 'hostRewrite'> {
  const u = f.urlRewrite ?? {};
  const host = u.hostname !== undefined ? { hostRewrite: u.hostname } : {};
  if (u.path?.type === 'ReplaceFullPath')
    return { ...host, rewrite: { regex: '^.*$', substitution: u.path.replaceFullPath ?? '/' } };
  if (u.path?.type === 'ReplacePrefixMatch' && m.path.kind === 'prefix') {
    const to = (u.path.replacePrefixMatch ?? '/').replace(/\/+$/, '');
    const from = m.path.value === '/' ? '' : escapeRegex(m.path.value);
    const rewrite =
      to === ''
        ? { regex: `^${from}/?(.*)$`, substitution: '/\\1' }
        : { regex: `^${from}(/.*)?$`, substitution: `${to}\\1` };
    return { ...host, rewrite };
  }
  return host;
}

function backendAction(ctx: RuleContext, rule: HttpRouteRule, where: string): RouteActionIR {
  const owner: BackendOwner = { ref: ctx.ref, diagRef: ctx.diagRef };
  const live: WeightedBackendIR[] = [];
  for (const [i, b] of (rule.backendRefs ?? []).entries()) {
    const weight = b.weight ?? 1;
    if (weight <= 0) continue;
    const res = resolveBackendRef(ctx.resources, ctx.namespace, b, ctx.ref.kind);
    if (!res.ok) {
      ctx.diags.push(
        diagnostic(
          'CW_E_GATEWAY_API_REF',
          ctx.diagRef,
          `${where}: backendRefs[${i}]: ${res.message}; its share answers ${isGrpc(ctx) ? '503 (UNAVAILABLE)' : '500'} or goes to the others`,
        ),
      );
      continue;
    }
    const a = ctx.backends.action(
      { ...owner, backendNamespace: res.namespace },
      { service: { name: res.name, port: { number: res.port } } },
      `${where}: backendRefs[${i}]`,
    );
    if (a.kind === 'forward') live.push({ backend: a.backend, weight });
    if (a.kind === 'forward' && isGrpc(ctx)) ctx.backends.useHttp2(a.backend);
  }
  if (live.length === 0) return isGrpc(ctx) ? NO_GRPC_BACKEND : NO_BACKEND;
  if (live.length === 1) return { kind: 'forward', backend: live[0]!.backend };
  return { kind: 'weighted', backends: live };
}

function mirrorOf(
  ctx: RuleContext,
  filters: readonly HttpRouteFilter[],
  where: string,
): Pick<RouteIR, 'resilience'> {
  const f = filters.find((x) => x.type === 'RequestMirror')?.requestMirror;
  if (!f) return {};
  const res = resolveBackendRef(ctx.resources, ctx.namespace, f.backendRef, ctx.ref.kind);
  if (!res.ok) {
    ctx.diags.push(
      diagnostic('CW_E_GATEWAY_API_REF', ctx.diagRef, `${where}: RequestMirror: ${res.message}; no mirror`),
    );
    return {};
  }
  const a = ctx.backends.action(
    { ref: ctx.ref, diagRef: ctx.diagRef, backendNamespace: res.namespace },
    { service: { name: res.name, port: { number: res.port } } },
    `${where}: RequestMirror`,
  );
  if (a.kind !== 'forward') return {};
  if (isGrpc(ctx)) ctx.backends.useHttp2(a.backend);
  const percent =
    f.percent ?? (f.fraction ? (100 * f.fraction.numerator) / (f.fraction.denominator ?? 100) : 100);
  return { resilience: { mirror: { backend: a.backend, percent: Math.min(100, Math.max(0, percent)) } } };
}

/** The IR route of match `m` of rule `ruleIndex` (named after the route, rule and match). */
export function ruleRoute(
  ctx: RuleContext,
  rule: HttpRouteRule,
  ruleIndex: number,
  m: NormalizedMatch,
  matchIndex: number,
): RouteIR {
  const name = `${ctx.ref.kind.toLowerCase()}/${ctx.ref.namespace}/${ctx.ref.name}/rule/${ruleIndex}/match/${matchIndex}`;
  const where = `rules[${ruleIndex}]`;
  const filters = rule.filters ?? [];
  const redirectFilter = filters.find((f) => f.type === 'RequestRedirect');
  const rewriteFilter = filters.find((f) => f.type === 'URLRewrite');
  const redirect = redirectFilter && usableFilter(ctx, redirectFilter, where);
  const rewrite = rewriteFilter && usableFilter(ctx, rewriteFilter, where);
  const headers: HeaderMatchIR[] = [
    ...(m.method !== undefined
      ? [{ name: ':method', match: { kind: 'exact' as const, value: m.method } }]
      : []),
    ...m.headers.map((h) => ({ name: h.name, match: valueMatch(h) })),
  ];
  const timeout = rule.timeouts?.request ?? rule.timeouts?.backendRequest;
  const seconds = timeout === undefined ? 0 : gatewayDurationSeconds(timeout);
  if (seconds === undefined)
    ctx.diags.push(
      diagnostic(
        'CW_E_GATEWAY_API_VALUE',
        ctx.diagRef,
        `${where}: timeout "${timeout}" is not a Gateway API duration; no timeout`,
      ),
    );
  const policy = headerPolicy(ctx, filters, where);
  return {
    name,
    match: pathMatch(m),
    ...(headers.length > 0 ? { headers } : {}),
    ...(m.queryParams.length > 0
      ? { queryParams: m.queryParams.map((q) => ({ name: q.name, match: valueMatch(q) })) }
      : {}),
    action: redirect
      ? { kind: 'redirect', ...redirectOf(redirect, m, ctx.listener) }
      : backendAction(ctx, rule, where),
    timeoutSeconds: seconds ?? 0,
    idleTimeoutSeconds: DEFAULT_ROUTE_POLICY.idleTimeoutSeconds,
    websocket: !isGrpc(ctx),
    ...(rewrite && !redirect ? rewriteOf(rewrite, m) : {}),
    ...(policy ? { headerPolicy: policy } : {}),
    ...(redirect ? {} : mirrorOf(ctx, filters, where)),
    source: ctx.ref,
  };
}
