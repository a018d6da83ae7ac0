/**
 * TLSRoutes, TCPRoutes and UDPRoutes and the Gateways they attach to (pure). Per parentRef to one of our
 * Gateways: the listeners it selects (sectionName, port) among those serving the route's kind, those
 * whose allowedRoutes allow it, and for a TLSRoute the SNI names it serves there (its hostnames
 * intersected with the listener's, hostnames.ts). A TCP or UDP listener forwards its connections or
 * datagrams to one route: the oldest route (creationTimestamp, then namespace/name) gets them; a younger
 * one is Accepted and counted in the listener's attachedRoutes, as the conformance suite wants, but gets
 * no traffic there (`shadowed`, a diagnostic of the translation). Parent conditions: Accepted and ResolvedRefs with
 * the spec's reasons; backendRefs are Service ports of the route's transport (UDP for a UDPRoute).
 */
import {
  GATEWAY_API_GROUP,
  type BackendRef,
  type ParentReference,
  type StreamRouteRule,
  type TcpRoute,
  type TlsRoute,
  type UdpRoute,
} from '../resources/gateway-api-types.js';
import type { ResourceSet, Sourced } from '../resources/resource-set.js';
import { normalizeHost } from '../ingress/hosts.js';
import { compareByAge } from '../ingress/ordering.js';
import { resolveBackendRef, type ResolvedBackendRef } from './backend-refs.js';
import { condition } from './conditions.js';
import type { GatewayModel } from './gateways.js';
import { intersectHostnames } from './hostnames.js';
import type { L4RouteKind } from './l4-listeners.js';
import type { ListenerModel } from './listeners.js';
import type { RouteParentStatusModel, StatusCondition } from './status-model.js';
import { labelsMatch, namespaceLabels } from './namespace-selector.js';

export type L4Route = TlsRoute | TcpRoute | UdpRoute;

export interface L4Attachment {
  readonly gateway: GatewayModel;
  readonly listener: ListenerModel;
  /** TLSRoute: the SNI names served on the listener (sorted; `*`: any); TCP/UDP: empty. */
  readonly hostnames: readonly string[];
}

export interface L4RouteModel {
  readonly kind: L4RouteKind;
  readonly source: Sourced<L4Route>;
  readonly namespace: string;
  readonly name: string;
  /** The route's one rule (the CRDs allow one); undefined when it has none. */
  readonly rule?: StreamRouteRule;
  readonly attachments: readonly L4Attachment[];
  /** `<gateway key>\n<listener>` of each listener the route is attached to (its attachedRoutes). */
  readonly allowedOn: readonly string[];
  /** Why it gets no traffic on a listener it is attached to (an older route holds it); absent: none. */
  readonly shadowed?: readonly Shadowed[];
  readonly parents: readonly RouteParentStatusModel[];
}

/** A listener an older route holds: the route gets no traffic there. */
export interface Shadowed {
  /** The Gateway's key. */
  readonly gateway: string;
  readonly message: string;
}

/** A backendRef of a stream route: a Service port of the route's transport (TCP, or UDP for a UDPRoute). */
export function resolveStreamBackend(
  resources: ResourceSet,
  namespace: string,
  ref: BackendRef,
  kind: L4RouteKind,
): ResolvedBackendRef {
  const res = resolveBackendRef(resources, namespace, ref, kind);
  if (!res.ok) return res;
  const want = kind === 'UDPRoute' ? 'UDP' : 'TCP';
  const ports = resources.services.get(`${res.namespace}/${res.name}`)?.object.spec?.ports ?? [];
  if (ports.some((p) => p.port === res.port && (p.protocol ?? 'TCP') === want)) return res;
  return {
    ok: false,
    reason: 'BackendNotFound',
    message: `Service ${res.namespace}/${res.name} has no ${want} port ${res.port}`,
  };
}

function resolvedRefs(
  resources: ResourceSet,
  m: Omit<L4RouteModel, 'parents'>,
  gen?: number,
): StatusCondition {
  for (const b of m.rule?.backendRefs ?? []) {
    const res = resolveStreamBackend(resources, m.namespace, b, m.kind);
    if (!res.ok) return condition('ResolvedRefs', false, res.reason, res.message, gen);
  }
  return condition('ResolvedRefs', true, 'ResolvedRefs', 'all references resolved', gen);
}

/** Why a TLSRoute's hostnames cannot be served (one is not a DNS name or `*.` wildcard), or undefined. */
function hostnameProblem(r: L4Route): string | undefined {
  if (r.kind !== 'TLSRoute') return undefined;
  for (const h of r.spec.hostnames ?? []) {
    const n = normalizeHost(h);
    if (!n.ok || n.host === '*')
      return `hostname "${String(h).slice(0, 80)}" is not a DNS name or a *. wildcard`;
  }
  return undefined;
}

interface ParentOutcome {
  readonly accepted: StatusCondition;
  readonly attachments: readonly L4Attachment[];
  readonly allowedOn?: readonly string[];
  readonly shadowed?: readonly Shadowed[];
}

function allows(
  l: ListenerModel,
  gw: GatewayModel,
  kind: L4RouteKind,
  routeNamespace: string,
  labels: Readonly<Record<string, string>>,
): boolean {
  if (!l.supportedKinds.some((k) => k.kind === kind)) return false;
  if (l.from === 'All') return true;
  if (l.from === 'Selector') return labelsMatch(l.selector, labels);
  return l.from === 'Same' && routeNamespace === gw.namespace;
}

/** Attaches one parentRef; `claimed` (TCP/UDP listener -> the route holding it) is updated. */
function attach(
  p: ParentReference,
  gw: GatewayModel,
  r: L4Route,
  ns: string,
  labels: Readonly<Record<string, string>>,
  claimed: Map<string, string>,
): ParentOutcome {
  const gen = r.metadata.generation;
  const no = (reason: string, msg: string): ParentOutcome => ({
    accepted: condition('Accepted', false, reason, msg, gen),
    attachments: [],
  });
  if (!gw.accepted) return no('NoMatchingParent', `Gateway ${gw.key} is not accepted`);
  const selected = gw.listeners.flatMap((l) =>
    l.model !== undefined &&
    (p.sectionName === undefined || l.name === p.sectionName) &&
    (p.port === undefined || l.model.port === p.port)
      ? [l.model]
      : [],
  );
  if (selected.length === 0) return no('NoMatchingParent', 'no valid listener matches sectionName/port');
  const allowed = selected.filter((l) => allows(l, gw, r.kind, ns, labels));
  if (allowed.length === 0) return no('NotAllowedByListeners', `no selected listener allows a ${r.kind}`);
  const me = `${r.kind} ${ns}/${r.metadata.name}`;
  const allowedOn = allowed.map((l) => `${gw.key}\n${l.name}`);
  const shadowed: Shadowed[] = [];
  const free = allowed.filter((l) => {
    const holder = claimed.get(`${gw.key}\n${l.name}`);
    if (r.kind === 'TLSRoute' || holder === undefined || holder === me) return true;
    const what = r.kind === 'UDPRoute' ? 'UDP' : 'TCP';
    const message = `listener ${l.name} of Gateway ${gw.key} forwards to the older ${holder} (one route per ${what} listener); this route gets no traffic there`;
    shadowed.push({ gateway: gw.key, message });
    return false;
  });
  const accepted = condition('Accepted', true, 'Accepted', 'route accepted', gen);
  if (free.length === 0) return { accepted, attachments: [], allowedOn, shadowed };
  if (r.kind !== 'TLSRoute') for (const l of free) claimed.set(`${gw.key}\n${l.name}`, me);
  const hostnames = r.kind === 'TLSRoute' ? r.spec.hostnames : undefined;
  const attachments = free
    .map((listener) => ({
      gateway: gw,
      listener,
      hostnames: r.kind === 'TLSRoute' ? intersectHostnames(listener.hostname, hostnames) : [],
    }))
    .filter((a) => r.kind !== 'TLSRoute' || a.hostnames.length > 0);
  if (attachments.length === 0)
    return no('NoMatchingListenerHostname', 'no listener hostname matches the route hostnames');
  // A TLSRoute counts on the listeners where its hostnames match; a TCP/UDP route on all it selected.
  const on = r.kind === 'TLSRoute' ? attachments.map((a) => `${gw.key}\n${a.listener.name}`) : allowedOn;
  return { accepted, attachments, allowedOn: on, shadowed };
}

function readRoute(
  s: Sourced<L4Route>,
  resources: ResourceSet,
  byKey: ReadonlyMap<string, GatewayModel>,
  claimed: Map<string, string>,
): L4RouteModel | undefined {
  const r = s.object;
  const ns = r.metadata.namespace ?? 'default';
  const gen = r.metadata.generation;
  const rule = r.spec?.rules?.[0];
  const base = { kind: r.kind, source: s, namespace: ns, name: r.metadata.name, ...(rule ? { rule } : {}) };
  const refs = resolvedRefs(resources, { ...base, attachments: [], allowedOn: [] }, gen);
  const badHost = hostnameProblem(r);
  const parents: RouteParentStatusModel[] = [];
  const attachments: L4Attachment[] = [];
  const allowedOn: string[] = [];
  const shadowed: Shadowed[] = [];
  for (const p of r.spec?.parentRefs ?? []) {
    if ((p.group ?? GATEWAY_API_GROUP) !== GATEWAY_API_GROUP || (p.kind ?? 'Gateway') !== 'Gateway') continue;
    const gw = byKey.get(`${p.namespace ?? ns}/${p.name}`);
    if (!gw) continue;
    const o: ParentOutcome =
      badHost !== undefined
        ? { accepted: condition('Accepted', false, 'UnsupportedValue', badHost, gen), attachments: [] }
        : attach(p, gw, r, ns, namespaceLabels(resources, ns), claimed);
    attachments.push(...o.attachments);
    allowedOn.push(...(o.allowedOn ?? []));
    shadowed.push(...(o.shadowed ?? []));
    parents.push({ parentRef: p, conditions: [o.accepted, refs] });
  }
  if (parents.length === 0) return undefined;
  return {
    ...base,
    attachments,
    allowedOn: [...new Set(allowedOn)],
    ...(shadowed.length > 0 ? { shadowed } : {}),
    parents,
  };
}

/** Every TLSRoute, TCPRoute and UDPRoute with a parent among our Gateways; per kind, oldest first. */
export function readL4Routes(resources: ResourceSet, gateways: readonly GatewayModel[]): L4RouteModel[] {
  const byKey = new Map(gateways.map((g) => [g.key, g]));
  const claimed = new Map<string, string>();
  const maps: readonly ReadonlyMap<string, Sourced<L4Route>>[] = [
    resources.gatewayApi.tlsRoutes,
    resources.gatewayApi.tcpRoutes,
    resources.gatewayApi.udpRoutes,
  ];
  const out: L4RouteModel[] = [];
  for (const m of maps) {
    const routes = [...m.values()].sort((a, b) => compareByAge(a.object, b.object));
    for (const s of routes) {
      const model = readRoute(s, resources, byKey, claimed);
      if (model) out.push(model);
    }
  }
  return out;
}
