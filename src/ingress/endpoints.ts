/**
 * Endpoint selection for one Service port: every EndpointSlice of the Service, deduplicated by address
 * and port; route to ready endpoints, and only when none is ready fall back to serving+terminating ones.
 * Kubernetes semantics for missing conditions: ready=nil means ready; serving=nil means the value of
 * ready; terminating=nil means not terminating.
 *
 * Several clusters: a Service is the same Service in every cluster where its namespace/name exists, so
 * endpoints from all clusters merge, grouped by locality (cluster, zone). With a home cluster and the
 * `failover` mode, the home cluster's endpoints get priority 0 and the others priority 1.
 *
 * Hostile input: an endpoint whose address is not an IP of its slice's `addressType`, or whose zone is
 * not well-formed text (text-checks.ts), and a port out of range are left out with a diagnostic on the
 * Service; FQDN slices are not routable by a gateway (a diagnostic too). The other endpoints are kept.
 */
import { diagnostic, type Diagnostic, type ErrorCode } from '../errors.js';
import type { Endpoint, EndpointSlice } from '../resources/kube-types.js';
import type { ResourceSet, Sourced } from '../resources/resource-set.js';
import type { EndpointLocality, SelectedEndpoint, ServicePortRef } from './ingress-types.js';
import { addressProblem, isPortNumber, textProblem } from './text-checks.js';

interface Candidate {
  readonly address: string;
  readonly port: number;
  readonly ready: boolean;
  readonly servingTerminating: boolean;
  readonly cluster: string;
  readonly zone: string;
}

export interface EndpointPolicy {
  /** The gateway group's home cluster; unset = every cluster at priority 0. */
  readonly homeCluster?: string;
  readonly crossCluster: 'failover' | 'round-robin';
  /** Zone of each cluster, for endpoints whose slice gives none. */
  readonly clusterZones?: Readonly<Record<string, string>>;
}

export const DEFAULT_ENDPOINT_POLICY: EndpointPolicy = { crossCluster: 'failover' };

/** A gateway group's part of the endpoint policy (the cross-cluster mode comes from each Service). */
export type GroupEndpointPolicy = Omit<EndpointPolicy, 'crossCluster'>;

const ENDPOINTS_TERMINATING_FALLBACK: ErrorCode = 'CW_E_ENDPOINTS_TERMINATING_FALLBACK';
const ENDPOINTS_NONE: ErrorCode = 'CW_E_ENDPOINTS_NONE';
const ENDPOINT_INVALID: ErrorCode = 'CW_E_ENDPOINT_INVALID';

/** True for a diagnostic selectEndpoints reports (on the Service whose endpoints it selected). */
export function isEndpointDiagnostic(d: Diagnostic): boolean {
  return (
    (d.code === ENDPOINTS_TERMINATING_FALLBACK || d.code === ENDPOINTS_NONE || d.code === ENDPOINT_INVALID) &&
    d.object.kind === 'Service'
  );
}

export interface EndpointSelection {
  readonly localities: readonly EndpointLocality[];
  readonly diagnostics: readonly Diagnostic[];
}

function conditionsOf(e: Endpoint): { ready: boolean; servingTerminating: boolean } {
  const ready = e.conditions?.ready !== false;
  const serving = e.conditions?.serving ?? ready;
  const terminating = e.conditions?.terminating === true;
  return { ready: ready && !terminating, servingTerminating: serving && terminating };
}

function slicePort(slice: EndpointSlice, ref: ServicePortRef): number | undefined {
  const udp = ref.protocol === 'UDP';
  const p = (slice.ports ?? []).find(
    (sp) => (sp.name ?? '') === ref.portName && (!udp || sp.protocol === 'UDP'),
  );
  return p?.port;
}

/** `namespace/name` of a slice, as its diagnostics name it. */
function sliceName(slice: EndpointSlice): string {
  return `EndpointSlice ${slice.metadata.namespace ?? ''}/${slice.metadata.name}`;
}

/** Why the endpoint cannot be routed to (its first address or its zone), or undefined when it can. */
function endpointProblem(e: Endpoint, addressType: 'IPv4' | 'IPv6'): string | undefined {
  const address: unknown = Array.isArray(e.addresses) ? e.addresses[0] : undefined;
  if (typeof address !== 'string') return 'has no address';
  const bad = addressProblem(address, addressType);
  if (bad !== undefined) return bad;
  const zone = e.zone === undefined ? undefined : textProblem(e.zone);
  return zone === undefined ? undefined : `its zone ${zone}`;
}

/** The slice's port for the Service port, or undefined (with a problem when it is out of range). */
function usablePort(slice: EndpointSlice, ref: ServicePortRef, problems: string[]): number | undefined {
  const port = slicePort(slice, ref);
  if (port === undefined || isPortNumber(port)) return port;
  problems.push(`${sliceName(slice)}: port ${String(port)} is not in 1..65535; the slice is ignored`);
  return undefined;
}

function candidatesOf(
  slices: readonly Sourced<EndpointSlice>[],
  ref: ServicePortRef,
  clusterZones: Readonly<Record<string, string>>,
  problems: string[],
): Candidate[] {
  const byKey = new Map<string, Candidate>();
  for (const { object: slice, origin } of slices) {
    const addressType = slice.addressType;
    if (addressType !== 'IPv4' && addressType !== 'IPv6') {
      problems.push(
        `${sliceName(slice)} has addressType ${String(addressType)}, which gateways cannot route to; ignored`,
      );
      continue;
    }
    const port = usablePort(slice, ref, problems);
    if (port === undefined) continue;
    for (const [i, e] of (slice.endpoints ?? []).entries()) {
      const bad = endpointProblem(e, addressType);
      if (bad !== undefined) {
        problems.push(`${sliceName(slice)}, endpoint ${i}: ${bad}; the endpoint is left out`);
        continue;
      }
      // Kubernetes: consumers use the first address only (the others are the same endpoint).
      const address = e.addresses[0]!;
      const key = `${origin.cluster}|${address}|${port}`;
      const prev = byKey.get(key);
      const zone = e.zone ?? clusterZones[origin.cluster] ?? '';
      const cand: Candidate = { address, port, cluster: origin.cluster, zone, ...conditionsOf(e) };
      if (!prev || (!prev.ready && cand.ready)) byKey.set(key, cand);
    }
  }
  return [...byKey.values()];
}

function compareEndpoints(a: SelectedEndpoint, b: SelectedEndpoint): number {
  if (a.address !== b.address) return a.address < b.address ? -1 : 1;
  return a.port - b.port;
}

function priorityOf(cluster: string, policy: EndpointPolicy): number {
  if (policy.homeCluster === undefined || policy.crossCluster === 'round-robin') return 0;
  return cluster === policy.homeCluster ? 0 : 1;
}

/** Groups endpoints by (cluster, zone), sorted, each with its failover priority. */
function byLocality(
  cands: readonly Candidate[],
  state: SelectedEndpoint['state'],
  policy: EndpointPolicy,
): EndpointLocality[] {
  const groups = new Map<string, { cluster: string; zone: string; endpoints: SelectedEndpoint[] }>();
  for (const c of cands) {
    const key = `${c.cluster}\u0000${c.zone}`;
    const g = groups.get(key) ?? { cluster: c.cluster, zone: c.zone, endpoints: [] };
    g.endpoints.push({ address: c.address, port: c.port, state });
    groups.set(key, g);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, g]) => ({
      cluster: g.cluster,
      zone: g.zone,
      priority: priorityOf(g.cluster, policy),
      endpoints: g.endpoints.sort(compareEndpoints),
    }));
}

export function selectEndpoints(
  resources: ResourceSet,
  ref: ServicePortRef,
  policy: EndpointPolicy = DEFAULT_ENDPOINT_POLICY,
): EndpointSelection {
  const slices = resources.endpointSlices.get(`${ref.namespace}/${ref.name}`) ?? [];
  const problems: string[] = [];
  const cands = candidatesOf(slices, ref, policy.clusterZones ?? {}, problems);
  const svc = { kind: 'Service', namespace: ref.namespace, name: ref.name };
  const invalid = [...new Set(problems)].map((p) => diagnostic(ENDPOINT_INVALID, svc, p));
  const ready = cands.filter((c) => c.ready);
  if (ready.length > 0) return { localities: byLocality(ready, 'ready', policy), diagnostics: invalid };
  const fallback = cands.filter((c) => c.servingTerminating);
  if (fallback.length > 0) {
    return {
      localities: byLocality(fallback, 'terminating', policy),
      diagnostics: [
        ...invalid,
        diagnostic(
          ENDPOINTS_TERMINATING_FALLBACK,
          svc,
          `no ready endpoint for port ${ref.port}; using ${fallback.length} serving, terminating endpoint(s)`,
        ),
      ],
    };
  }
  return {
    localities: [],
    diagnostics: [
      ...invalid,
      diagnostic(ENDPOINTS_NONE, svc, `no ready or serving endpoint for port ${ref.port}; requests get 503`),
    ],
  };
}
