/**
 * HTTPRoutes and the Gateways they attach to (pure): for each parentRef to one of our Gateways, the
 * listeners it selects (sectionName, port), those that allow it (allowedRoutes namespaces and kinds),
 * and the hostnames it serves there (hostnames.ts); the route's parent conditions (Accepted,
 * ResolvedRefs) with the spec's reasons.
 */
import { GATEWAY_API_GROUP, type HttpRoute, type ParentReference } from '../resources/gateway-api-types.js';
import type { ResourceSet, Sourced } from '../resources/resource-set.js';
import { normalizeHost } from '../ingress/hosts.js';
import { compareByAge } from '../ingress/ordering.js';
import { condition } from './conditions.js';
import type { GatewayModel } from './gateways.js';
import { intersectHostnames } from './hostnames.js';
import type { ListenerModel } from './listeners.js';
import { resolveBackendRef } from './backend-refs.js';
import { labelsMatch, namespaceLabels } from './namespace-selector.js';
import type { RouteParentStatusModel, StatusCondition } from './status-model.js';

/** Filter types served on HTTPRoute rules. */
export const SUPPORTED_FILTERS: ReadonlySet<string> = new Set([
  'RequestHeaderModifier',
  'ResponseHeaderModifier',
  'RequestRedirect',
  'URLRewrite',
  'RequestMirror',
]);

export interface RouteAttachment {
  readonly gateway: GatewayModel;
  readonly listener: ListenerModel;
  /** Sorted; never empty. */
  readonly hostnames: readonly string[];
  /** The index of the route's parent (in `parents`) it came from. */
  readonly parent?: number;
}

export interface HttpRouteModel {
  readonly kind: 'HTTPRoute';
  readonly source: Sourced<HttpRoute>;
  readonly route: HttpRoute;
  readonly namespace: string;
  readonly name: string;
  readonly attachments: readonly RouteAttachment[];
  /**
   * The listeners its parentRefs select, whose allowedRoutes allow it and whose hostname it shares, where
   * it is Accepted (served or not), `<gateway key>\n<listener>`: what a listener's `attachedRoutes`
   * counts (the spec: routes Accepted on the listener).
   */
  readonly allowedOn: readonly string[];
  readonly parents: readonly RouteParentStatusModel[];
}

function allows(
  l: ListenerModel,
  gw: GatewayModel,
  routeNamespace: string,
  kind: string,
  labels: Readonly<Record<string, string>>,
): boolean {
  if (!l.supportedKinds.some((k) => k.kind === kind)) return false;
  if (l.from === 'All') return true;
  if (l.from === 'Same') return routeNamespace === gw.namespace;
  if (l.from === 'Selector') return labelsMatch(l.selector, labels);
  return false; // None
}

function resolvedRefs(resources: ResourceSet, r: HttpRoute, ns: string, gen?: number): StatusCondition {
  for (const rule of r.spec.rules ?? [])
    for (const b of [
      ...(rule.backendRefs ?? []),
      ...(rule.filters ?? []).flatMap((f) => (f.requestMirror ? [f.requestMirror.backendRef] : [])),
    ]) {
      const res = resolveBackendRef(resources, ns, b);
      if (!res.ok) return condition('ResolvedRefs', false, res.reason, res.message, gen);
    }
  return condition('ResolvedRefs', true, 'ResolvedRefs', 'all references resolved', gen);
}

/** Why the route's hostnames cannot be served (one is not a DNS name or wildcard), or undefined. */
export function hostnameProblem(r: RouteWithHostnames): string | undefined {
  for (const h of r.spec.hostnames ?? []) {
    const n = normalizeHost(h);
    if (!n.ok || n.host === '*')
      return `hostname "${String(h).slice(0, 80)}" is not a DNS name or a *. wildcard`;
  }
  return undefined;
}

function unsupportedFilter(r: HttpRoute): string | undefined {
  for (const rule of r.spec.rules ?? [])
    for (const f of [...(rule.filters ?? []), ...(rule.backendRefs ?? []).flatMap((b) => b.filters ?? [])])
      if (!SUPPORTED_FILTERS.has(f.type)) return f.type;
  return undefined;
}

/** What attachment reads of a route (an HTTPRoute or a GRPCRoute). */
export interface RouteWithHostnames {
  readonly kind: string;
  readonly spec: { readonly hostnames?: readonly string[] };
}

export interface ParentOutcome {
  readonly accepted: StatusCondition;
  readonly attachments: RouteAttachment[];
  readonly allowedOn?: readonly string[];
}

/**
 * The listeners of `gw` that parentRef `p` of route `r` (in namespace `ns`, whose labels are `labels`)
 * attaches to.
 */
export function attach(
  p: ParentReference,
  gw: GatewayModel,
  r: RouteWithHostnames,
  ns: string,
  labels: Readonly<Record<string, string>>,
  gen?: number,
): ParentOutcome {
  const no = (reason: string, msg: string): ParentOutcome => ({
    accepted: condition('Accepted', false, reason, msg, gen),
    attachments: [],
  });
  if (!gw.accepted) return no('NoMatchingParent', `Gateway ${gw.key} is not accepted`);
  // Accepted listeners, served (model) or not (attachable: a reference does not resolve).
  const selected = gw.listeners.flatMap((l) => {
    const m = l.model ?? l.attachable;
    const hit = (p.sectionName === undefined || l.name === p.sectionName) && m !== undefined;
    return hit && (p.port === undefined || m.port === p.port) ? [m] : [];
  });
  if (selected.length === 0) return no('NoMatchingParent', 'no valid listener matches sectionName/port');
  const allowed = selected.filter((l) => allows(l, gw, ns, r.kind, labels));
  if (allowed.length === 0) return no('NotAllowedByListeners', 'no selected listener allows this route');
  const matched = allowed
    .map((listener) => ({
      gateway: gw,
      listener,
      hostnames: intersectHostnames(listener.hostname, r.spec.hostnames),
    }))
    .filter((a) => a.hostnames.length > 0);
  if (matched.length === 0)
    return no('NoMatchingListenerHostname', 'no listener hostname matches the route hostnames');
  return {
    accepted: condition('Accepted', true, 'Accepted', 'route accepted', gen),
    attachments: matched.filter((a) => a.listener.usable),
    allowedOn: matched.map((a) => `${gw.key}\n${a.listener.name}`),
  };
}

/** Every HTTPRoute with a parent among our Gateways, oldest first. */
export function readHttpRoutes(resources: ResourceSet, gateways: readonly GatewayModel[]): HttpRouteModel[] {
  const byKey = new Map(gateways.map((g) => [g.key, g]));
  const routes = [...resources.gatewayApi.httpRoutes.values()].sort((a, b) =>
    compareByAge(a.object, b.object),
  );
  const out: HttpRouteModel[] = [];
  for (const s of routes) {
    const r = s.object;
    const ns = r.metadata.namespace ?? 'default';
    const gen = r.metadata.generation;
    const parents: RouteParentStatusModel[] = [];
    const attachments: RouteAttachment[] = [];
    const allowedOn: string[] = [];
    const badFilter = unsupportedFilter(r);
    const badHost = hostnameProblem(r);
    const refused =
      badHost ?? (badFilter === undefined ? undefined : `filter type ${badFilter} is not supported`);
    for (const p of r.spec?.parentRefs ?? []) {
      if ((p.group ?? GATEWAY_API_GROUP) !== GATEWAY_API_GROUP || (p.kind ?? 'Gateway') !== 'Gateway')
        continue;
      const gw = byKey.get(`${p.namespace ?? ns}/${p.name}`);
      if (!gw) continue;
      const attached = attach(p, gw, r, ns, namespaceLabels(resources, ns), gen);
      const o =
        refused !== undefined
          ? {
              ...attached,
              accepted: condition('Accepted', false, 'UnsupportedValue', refused, gen),
              attachments: [],
              allowedOn: [],
            }
          : attached;
      attachments.push(...o.attachments.map((a) => ({ ...a, parent: parents.length })));
      allowedOn.push(...(o.allowedOn ?? []));
      parents.push({ parentRef: p, conditions: [o.accepted, resolvedRefs(resources, r, ns, gen)] });
    }
    if (parents.length > 0)
      out.push({
        kind: 'HTTPRoute',
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
