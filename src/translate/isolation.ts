/**
 * Isolation of internal errors (bugs) in translation: an exception thrown while translating one object
 * leaves that object out with a CW_E_INTERNAL_OBJECT diagnostic instead of failing the whole
 * translation (which would hold back every later update). Granularity: one Ingress or one TCP or UDP Service
 * of a gateway group (buildGroupIsolated), one Ingress read (see translate.ts), one backend Service
 * (backend-registry.ts).
 */
import type { Diagnostic } from '../errors.js';
import type { GatewayGroupIR } from '../ir/ir-types.js';
import type { ResourceSet } from '../resources/resource-set.js';
import type { IngressEntries } from '../ingress/ingress-reader.js';
import { buildGroup } from './group-builder.js';
import type { TcpClaim } from './tcp-services.js';
import type { UdpClaim } from './udp-services.js';
import type { GroupSettings } from './translate-options.js';
import { internalErrorDiagnostic } from './internal-errors.js';

/** One gateway group's inputs: its name, settings, the Ingresses and TCP Services that chose it. */
export interface GroupInputs {
  readonly name: string;
  readonly settings: GroupSettings;
  readonly owners: readonly IngressEntries[];
  readonly tcpClaims: readonly TcpClaim[];
  /** The UDP Services that chose the group (absent: none). */
  readonly udpClaims?: readonly UdpClaim[];
  readonly resources: ResourceSet;
  readonly clusterZones: Readonly<Record<string, string>>;
}

type Attempt =
  { readonly ir: GatewayGroupIR; readonly diags: readonly Diagnostic[] } | { readonly err: unknown };

function attempt(
  g: GroupInputs,
  owners: readonly IngressEntries[],
  tcp: readonly TcpClaim[],
  udp: readonly UdpClaim[] = g.udpClaims ?? [],
): Attempt {
  const diags: Diagnostic[] = [];
  try {
    return {
      ir: buildGroup(g.name, g.settings, owners, g.resources, diags, g.clusterZones, tcp, udp),
      diags,
    };
  } catch (err) {
    return { err };
  }
}

/** An empty group (no route, no backend): what a group gets when even that cannot be built. */
function emptyGroup(g: GroupInputs): GatewayGroupIR {
  return {
    name: g.name,
    http: { name: 'http', port: g.settings.httpPort, virtualHosts: [] },
    tcp: [],
    backends: [],
    secrets: [],
  };
}

/**
 * Builds the group; when that throws, builds it again adding its UDP, then TCP Services, then its Ingresses
 * (oldest first, as claims are settled) one at a time, leaving out each one whose addition throws,
 * with a diagnostic on it. Linear in the group's objects, and only on a bug.
 */
export function buildGroupIsolated(g: GroupInputs, diags: Diagnostic[]): GatewayGroupIR {
  const whole = attempt(g, g.owners, g.tcpClaims);
  if ('ir' in whole) {
    diags.push(...whole.diags);
    return whole.ir;
  }
  const udp: UdpClaim[] = [];
  for (const c of g.udpClaims ?? []) {
    const a = attempt(g, [], [], [...udp, c]);
    if ('ir' in a) udp.push(c);
    else diags.push(internalErrorDiagnostic(c.diagRef, a.err, `UDP Service for gateway group "${g.name}"`));
  }
  const tcp: TcpClaim[] = [];
  for (const c of g.tcpClaims) {
    const a = attempt(g, [], [...tcp, c], udp);
    if ('ir' in a) tcp.push(c);
    else diags.push(internalErrorDiagnostic(c.diagRef, a.err, `TCP Service for gateway group "${g.name}"`));
  }
  const owners: IngressEntries[] = [];
  for (const o of g.owners) {
    const a = attempt(g, [...owners, o], tcp, udp);
    if ('ir' in a) owners.push(o);
    else diags.push(internalErrorDiagnostic(o.diagRef, a.err, `Ingress in gateway group "${g.name}"`));
  }
  const kept = attempt(g, owners, tcp, udp);
  if ('ir' in kept) {
    diags.push(...kept.diags);
    return kept.ir;
  }
  diags.push(internalErrorDiagnostic({ kind: 'GatewayGroup', name: g.name }, kept.err, 'the gateway group'));
  return emptyGroup(g);
}
