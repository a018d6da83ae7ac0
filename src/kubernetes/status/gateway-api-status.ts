/**
 * Gateway API status, pure: from the model Causeway computes (`GatewayApiStatus`, src/gateway-api) and an
 * object's current `status`, the status to write, or nothing when it would not change.
 *
 * - Conditions follow the spec's rules: one per type; `lastTransitionTime` is kept when the condition's
 *   status did not change (else it is `now`); conditions of types Causeway does not compute (another
 *   party's, e.g. `example.io/Checked`) are kept, in place; one of Causeway's own domain
 *   (`causeway.dev/...`) that the model no longer has goes.
 * - GatewayClass: `conditions`. Gateway: `conditions`, `listeners` (each with its own conditions) and
 *   `addresses` from the gateway group's addresses (`IPAddress` for an IP, else `Hostname`; left as they are
 *   while the group's addresses are not known).
 * - Routes: `status.parents` entries of OTHER controllers are kept as they are (a route may be attached to
 *   several implementations); ours (`controllerName: causeway.dev/gateway`) are the model's, one per
 *   parentRef, and an entry of ours whose parent is no longer in the model goes.
 */
import type {
  GatewayApiStatus,
  RouteParentStatusModel,
  StatusCondition,
} from '../../gateway-api/status-model.js';
import { CAUSEWAY_GATEWAY_CONTROLLER, GATEWAY_API_GROUP } from '../../resources/gateway-api-types.js';
import type { ParentReference } from '../../resources/gateway-api-types.js';
import type { RouteKind } from '../../resources/resource-set.js';
import { loadBalancerIngresses } from './ingress-status.js';

export type Json = Readonly<Record<string, unknown>>;

/** A condition as the apiserver holds it (metav1.Condition). */
export interface KubeCondition {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
  readonly observedGeneration?: number;
}

export type StatusKind = 'GatewayClass' | 'Gateway' | RouteKind;

/** The object a status belongs to. */
export interface StatusTarget {
  readonly kind: StatusKind;
  readonly cluster: string;
  /** Undefined for a GatewayClass. */
  readonly namespace?: string;
  readonly name: string;
}

/** What Causeway wants in one object's status (before merging with what is there). */
export type DesiredStatus =
  | { readonly target: StatusTarget; readonly conditions: readonly StatusCondition[] }
  | {
      readonly target: StatusTarget;
      readonly conditions: readonly StatusCondition[];
      readonly listeners: GatewayApiStatus['gateways'][number]['listeners'];
      /** Undefined while the gateway group's addresses are not known. */
      readonly addresses?: readonly { readonly type: 'IPAddress' | 'Hostname'; readonly value: string }[];
    }
  | { readonly target: StatusTarget; readonly parents: readonly RouteParentStatusModel[] };

/** `cluster/kind/namespace/name`: unique per object. */
export function targetKey(t: StatusTarget): string {
  return `${t.cluster}/${t.kind}/${t.namespace ?? ''}/${t.name}`;
}

function splitKey(key: string): { readonly namespace: string; readonly name: string } {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** A Gateway's `status.addresses` from its group's addresses. */
export function gatewayAddresses(
  addresses: readonly string[],
): readonly { readonly type: 'IPAddress' | 'Hostname'; readonly value: string }[] {
  return loadBalancerIngresses(addresses).map((e) =>
    e.ip !== undefined ? { type: 'IPAddress', value: e.ip } : { type: 'Hostname', value: e.hostname ?? '' },
  );
}

/** Every object's desired status, in the model's order (sorted by kind, cluster and key). */
export function desiredGatewayApiStatuses(
  status: GatewayApiStatus,
  groupAddresses: ReadonlyMap<string, readonly string[]>,
): DesiredStatus[] {
  const out: DesiredStatus[] = [];
  for (const c of status.gatewayClasses)
    out.push({
      target: { kind: 'GatewayClass', cluster: c.cluster, name: c.name },
      conditions: c.conditions,
    });
  for (const g of status.gateways) {
    const addresses = groupAddresses.get(g.group);
    out.push({
      target: { kind: 'Gateway', cluster: g.cluster, ...splitKey(g.key) },
      conditions: g.conditions,
      listeners: g.listeners,
      ...(addresses !== undefined ? { addresses: gatewayAddresses(addresses) } : {}),
    });
  }
  for (const r of status.routes)
    out.push({ target: { kind: r.kind, cluster: r.cluster, ...splitKey(r.key) }, parents: r.parents });
  return out;
}

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asList(v: unknown): readonly Json[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

/** Condition types in Causeway's own domain (e.g. `causeway.dev/GatewayConfigAccepted`) are Causeway's. */
const CAUSEWAY_CONDITION_PREFIX = 'causeway.dev/';

/**
 * `desired` merged into `current`: same-type conditions replaced (their lastTransitionTime kept when the
 * status is the same), other types kept in place, new types appended in the model's order. A condition
 * of Causeway's own domain that the model no longer has goes (e.g. a gateway rejection that is over).
 */
export function mergeConditions(current: unknown, desired: readonly StatusCondition[], now: string): Json[] {
  const before = asList(current);
  const want = new Map(desired.map((c) => [c.type, c]));
  const make = (c: StatusCondition, old: Json | undefined): Json => ({
    type: c.type,
    status: c.status,
    ...(c.observedGeneration !== undefined ? { observedGeneration: c.observedGeneration } : {}),
    lastTransitionTime:
      old !== undefined && old['status'] === c.status && typeof old['lastTransitionTime'] === 'string'
        ? old['lastTransitionTime']
        : now,
    reason: c.reason,
    message: c.message,
  });
  const out: Json[] = [];
  const seen = new Set<string>();
  for (const old of before) {
    const type = typeof old['type'] === 'string' ? old['type'] : '';
    const c = want.get(type);
    if (seen.has(type)) continue;
    seen.add(type);
    if (c === undefined && type.startsWith(CAUSEWAY_CONDITION_PREFIX)) continue; // ours, no longer true
    out.push(c === undefined ? old : make(c, old));
  }
  for (const c of desired) if (!seen.has(c.type)) out.push(make(c, undefined));
  return out;
}

/** A parentRef with the spec's defaults, as a comparable string (namespace defaults to the route's). */
function parentIdentity(ref: unknown, routeNamespace: string): string {
  const r = isRecord(ref) ? ref : {};
  const text = (k: string, d: string): string => (typeof r[k] === 'string' ? (r[k] as string) : d);
  return JSON.stringify([
    text('group', GATEWAY_API_GROUP),
    text('kind', 'Gateway'),
    text('namespace', routeNamespace),
    text('name', ''),
    text('sectionName', ''),
    typeof r['port'] === 'number' ? r['port'] : 0,
  ]);
}

function parentRefJson(ref: ParentReference): Json {
  return Object.fromEntries(Object.entries(ref).filter(([, v]) => v !== undefined));
}

/** `status.parents`: other controllers' entries kept in place; ours replaced by the model's. */
export function mergeRouteParents(
  current: unknown,
  desired: readonly RouteParentStatusModel[],
  routeNamespace: string,
  now: string,
): Json[] {
  const before = asList(current);
  const ours = new Map<string, Json>();
  const out: Json[] = [];
  for (const p of before) {
    if (p['controllerName'] === CAUSEWAY_GATEWAY_CONTROLLER)
      ours.set(parentIdentity(p['parentRef'], routeNamespace), p);
    else out.push(p);
  }
  for (const d of desired) {
    const old = ours.get(parentIdentity(d.parentRef, routeNamespace));
    out.push({
      parentRef: parentRefJson(d.parentRef),
      controllerName: CAUSEWAY_GATEWAY_CONTROLLER,
      conditions: mergeConditions(old?.['conditions'], d.conditions, now),
    });
  }
  return out;
}

function mergeListeners(current: unknown, desired: DesiredStatus, now: string): Json[] {
  if (!('listeners' in desired)) return [];
  const before = new Map(asList(current).map((l) => [l['name'], l]));
  return desired.listeners.map((l) => ({
    name: l.name,
    supportedKinds: l.supportedKinds.map((k) => ({
      ...(k.group !== undefined ? { group: k.group } : {}),
      kind: k.kind,
    })),
    attachedRoutes: l.attachedRoutes,
    conditions: mergeConditions(before.get(l.name)?.['conditions'], l.conditions, now),
  }));
}

/** The fields of `status` Causeway writes for `desired`, merged with the current status. */
export function mergedStatus(desired: DesiredStatus, current: unknown, now: string): Json {
  const cur = isRecord(current) ? current : {};
  if ('parents' in desired)
    return {
      parents: mergeRouteParents(cur['parents'], desired.parents, desired.target.namespace ?? '', now),
    };
  const conditions = mergeConditions(cur['conditions'], desired.conditions, now);
  if (!('listeners' in desired)) return { conditions };
  return {
    conditions,
    listeners: mergeListeners(cur['listeners'], desired, now),
    ...(desired.addresses !== undefined ? { addresses: desired.addresses.map((a) => ({ ...a })) } : {}),
  };
}

/** JSON with keys sorted, so objects compare by content whatever the apiserver's key order. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isRecord(v))
    return `{${Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/**
 * The `status` fields to merge-patch, or undefined when the current status already says it (so an
 * unchanged model writes nothing).
 */
export function statusPatch(desired: DesiredStatus, current: unknown, now: string): Json | undefined {
  const merged = mergedStatus(desired, current, now);
  const cur = isRecord(current) ? current : {};
  const changed = Object.keys(merged).some((k) => canonicalJson(merged[k]) !== canonicalJson(cur[k] ?? []));
  return changed ? merged : undefined;
}

/** RFC 3339 in whole seconds, as metav1.Time is written. */
export function conditionTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
