/**
 * GRPCRoutes and the Gateways they attach to (pure): attached to HTTP and HTTPS listeners exactly like
 * HTTPRoutes (http-routes.ts: sectionName, port, allowedRoutes, hostname intersection), with their own
 * filters (RequestHeaderModifier, ResponseHeaderModifier, RequestMirror) and ResolvedRefs (a
 * ReferenceGrant must name GRPCRoute). Then the spec's rule between the two kinds: an HTTPRoute and a
 * GRPCRoute on one listener whose hostnames intersect are never both served there; the older route
 * (creationTimestamp, then namespace/name) keeps the listener and the other is `Accepted=False`,
 * reason `HostnameConflict`, on that parent (when it serves on no other listener of it).
 */
import { GATEWAY_API_GROUP, type GrpcRoute } from '../resources/gateway-api-types.js';
import type { ResourceSet, Sourced } from '../resources/resource-set.js';
import { compareByAge } from '../ingress/ordering.js';
import { condition } from './conditions.js';
import type { GatewayModel } from './gateways.js';
import { hostnameCovers } from './hostnames.js';
import { attach, hostnameProblem, type HttpRouteModel, type RouteAttachment } from './http-routes.js';
import { resolveBackendRef } from './backend-refs.js';
import type { RouteParentStatusModel, StatusCondition } from './status-model.js';
import { namespaceLabels } from './namespace-selector.js';

/** Filter types served on GRPCRoute rules. */
export const SUPPORTED_GRPC_FILTERS: ReadonlySet<string> = new Set([
  'RequestHeaderModifier',
  'ResponseHeaderModifier',
  'RequestMirror',
]);

export interface GrpcRouteModel extends Omit<HttpRouteModel, 'kind' | 'source' | 'route'> {
  readonly kind: 'GRPCRoute';
  readonly source: Sourced<GrpcRoute>;
  readonly route: GrpcRoute;
}

/** A route the Gateway API translation serves on HTTP and HTTPS listeners. */
export type RouteModel = HttpRouteModel | GrpcRouteModel;

function resolvedRefs(resources: ResourceSet, r: GrpcRoute, ns: string, gen?: number): StatusCondition {
  for (const rule of r.spec.rules ?? [])
    for (const b of [
      ...(rule.backendRefs ?? []),
      ...(rule.filters ?? []).flatMap((f) => (f.requestMirror ? [f.requestMirror.backendRef] : [])),
    ]) {
      const res = resolveBackendRef(resources, ns, b, 'GRPCRoute');
      if (!res.ok) return condition('ResolvedRefs', false, res.reason, res.message, gen);
    }
  return condition('ResolvedRefs', true, 'ResolvedRefs', 'all references resolved', gen);
}

function unsupportedFilter(r: GrpcRoute): string | undefined {
  for (const rule of r.spec.rules ?? [])
    for (const f of [...(rule.filters ?? []), ...(rule.backendRefs ?? []).flatMap((b) => b.filters ?? [])])
      if (!SUPPORTED_GRPC_FILTERS.has(f.type)) return f.type;
  return undefined;
}

function readOne(s: Sourced<GrpcRoute>, byKey: ReadonlyMap<string, GatewayModel>, resources: ResourceSet) {
  const r = s.object;
  const ns = r.metadata.namespace ?? 'default';
  const gen = r.metadata.generation;
  const parents: RouteParentStatusModel[] = [];
  const attachments: RouteAttachment[] = [];
  const allowedOn: string[] = [];
  const badFilter = unsupportedFilter(r);
  const refused =
    hostnameProblem(r) ?? (badFilter === undefined ? undefined : `filter type ${badFilter} is not supported`);
  for (const p of r.spec?.parentRefs ?? []) {
    if ((p.group ?? GATEWAY_API_GROUP) !== GATEWAY_API_GROUP || (p.kind ?? 'Gateway') !== 'Gateway') continue;
    const gw = byKey.get(`${p.namespace ?? ns}/${p.name}`);
    if (!gw) continue;
    const o = attach(p, gw, r, ns, namespaceLabels(resources, ns), gen);
    const accepted =
      refused === undefined ? o.accepted : condition('Accepted', false, 'UnsupportedValue', refused, gen);
    if (refused === undefined)
      attachments.push(...o.attachments.map((a) => ({ ...a, parent: parents.length })));
    allowedOn.push(...(o.allowedOn ?? []));
    parents.push({ parentRef: p, conditions: [accepted, resolvedRefs(resources, r, ns, gen)] });
  }
  return { r, ns, parents, attachments, allowedOn };
}

/** Every GRPCRoute with a parent among our Gateways, oldest first. */
export function readGrpcRoutes(resources: ResourceSet, gateways: readonly GatewayModel[]): GrpcRouteModel[] {
  const byKey = new Map(gateways.map((g) => [g.key, g]));
  const routes = [...resources.gatewayApi.grpcRoutes.values()].sort((a, b) =>
    compareByAge(a.object, b.object),
  );
  const out: GrpcRouteModel[] = [];
  for (const s of routes) {
    const { r, ns, parents, attachments, allowedOn } = readOne(s, byKey, resources);
    if (parents.length > 0)
      out.push({
        kind: 'GRPCRoute',
        source: s,
        route: r,
        namespace: ns,
        name: r.metadata.name,
        attachments,
        allowedOn,
        parents,
      });
  }
  return out;
}

function hostnamesIntersect(a: readonly string[], b: readonly string[]): boolean {
  return a.some((x) => b.some((y) => hostnameCovers(x, y) || hostnameCovers(y, x)));
}

interface Claim {
  readonly kind: RouteModel['kind'];
  readonly hostnames: readonly string[];
  readonly route: string;
}

/** The attachments `m` keeps on listeners no older route of the other kind claims for a shared hostname. */
function keptAttachments(
  m: RouteModel,
  claims: Map<string, Claim[]>,
): { kept: RouteAttachment[]; lost: Map<number, string> } {
  const kept: RouteAttachment[] = [];
  const lost = new Map<number, string>();
  for (const a of m.attachments) {
    const key = `${a.gateway.key}\n${a.listener.name}`;
    const list = claims.get(key) ?? [];
    const clash = list.find((c) => c.kind !== m.kind && hostnamesIntersect(c.hostnames, a.hostnames));
    if (clash) {
      lost.set(
        a.parent ?? -1,
        `${clash.kind} ${clash.route} (older) serves a hostname of this route on listener ${a.listener.name}`,
      );
      continue;
    }
    kept.push(a);
    claims.set(key, [...list, { kind: m.kind, hostnames: a.hostnames, route: `${m.namespace}/${m.name}` }]);
  }
  return { kept, lost };
}

/**
 * The routes with the HTTPRoute / GRPCRoute rule applied (see the file comment): a route keeps the
 * listeners where no older route of the other kind serves an intersecting hostname; a parent left with
 * no listener by that rule is `Accepted=False`, `HostnameConflict`. Unchanged when only one kind exists.
 */
export function resolveKindConflicts(routes: readonly RouteModel[]): RouteModel[] {
  if (!routes.some((r) => r.kind === 'GRPCRoute') || !routes.some((r) => r.kind === 'HTTPRoute'))
    return [...routes];
  const claims = new Map<string, Claim[]>();
  const byAge = [...routes].sort((a, b) => compareByAge(a.route, b.route));
  const out = new Map<RouteModel, RouteModel>();
  for (const m of byAge) {
    const { kept, lost } = keptAttachments(m, claims);
    if (lost.size === 0) {
      out.set(m, m);
      continue;
    }
    const parents = m.parents.map((p, i) => {
      const why = lost.get(i);
      if (why === undefined || kept.some((a) => a.parent === i)) return p;
      const gen = m.route.metadata.generation;
      const accepted = condition('Accepted', false, 'HostnameConflict', why, gen);
      return { ...p, conditions: p.conditions.map((c) => (c.type === 'Accepted' ? accepted : c)) };
    });
    out.set(m, { ...m, attachments: kept, parents } as RouteModel);
  }
  return routes.map((r) => out.get(r)!);
}
