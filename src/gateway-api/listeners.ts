/**
 * A Gateway's listeners (pure): which are usable, their supported route kinds, certificates and the
 * conditions the spec asks for (Accepted, ResolvedRefs, Conflicted, Programmed). Served: HTTP, and
 * HTTPS with `tls.mode: Terminate` (certificates from Secrets; another namespace needs a
 * ReferenceGrant), TLS with `tls.mode: Passthrough`, TCP and UDP (l4-listeners.ts). Other protocols are
 * not accepted (reason UnsupportedProtocol).
 */
import type { Gateway, LabelSelector, Listener, RouteGroupKind } from '../resources/gateway-api-types.js';
import type { Secret } from '../resources/kube-types.js';
import { GATEWAY_API_GROUP } from '../resources/gateway-api-types.js';
import type { ResourceSet } from '../resources/resource-set.js';
import { normalizeHost } from '../ingress/hosts.js';
import { condition } from './conditions.js';
import { isServedL4Listener, routeKindsFor, type L4Protocol } from './l4-listeners.js';
import { referenceAllowed } from './reference-grants.js';
import type { StatusCondition } from './status-model.js';

export const HTTP_ROUTE_KIND: RouteGroupKind = { group: GATEWAY_API_GROUP, kind: 'HTTPRoute' };
export const GRPC_ROUTE_KIND: RouteGroupKind = { group: GATEWAY_API_GROUP, kind: 'GRPCRoute' };
/** The route kinds an HTTP or HTTPS listener serves (its supportedKinds when allowedRoutes names none). */
const HTTP_LISTENER_KINDS: readonly RouteGroupKind[] = [HTTP_ROUTE_KIND, GRPC_ROUTE_KIND];

export interface ListenerModel {
  readonly name: string;
  readonly port: number;
  readonly protocol: 'HTTP' | 'HTTPS' | L4Protocol;
  /** Lowercase; absent: any host. */
  readonly hostname?: string;
  readonly from: 'All' | 'Same' | 'Selector' | 'None';
  /** `allowedRoutes.namespaces.selector` (for `from: Selector`). */
  readonly selector?: LabelSelector;
  readonly supportedKinds: readonly RouteGroupKind[];
  /** `namespace/name` of each usable certificate Secret (HTTPS). */
  readonly certificates: readonly string[];
  /** Routes may attach and the listener is served. */
  readonly usable: boolean;
  /** Conditions other than the attachment-dependent ones. */
  readonly conditions: readonly StatusCondition[];
}

/** A listener as the status reports it, usable or not. */
export interface ListenerStatusInput {
  readonly name: string;
  readonly model?: ListenerModel;
  readonly supportedKinds: readonly RouteGroupKind[];
  readonly conditions: readonly StatusCondition[];
  /**
   * An accepted listener that is not served because a reference does not resolve (a certificate, a
   * route kind): routes still attach to it and count in its `attachedRoutes` (the spec), never served.
   */
  readonly attachable?: ListenerModel;
}

/** What is wrong with a certificate Secret's content (a TLS key pair), or undefined when it is usable. */
export type SecretProblem = (secret: Secret) => string | undefined;

/** The default check: the Secret holds tls.crt and tls.key. */
const hasKeyPair: SecretProblem = (secret) =>
  secret.data?.['tls.crt'] && secret.data['tls.key'] ? undefined : 'has no tls.crt/tls.key';

function kindsOf(l: Listener): { kinds: RouteGroupKind[]; invalid: boolean } {
  const served = routeKindsFor(l.protocol) ?? HTTP_LISTENER_KINDS;
  const asked = l.allowedRoutes?.kinds;
  if (asked === undefined || asked.length === 0) return { kinds: [...served], invalid: false };
  const valid = asked.filter(
    (k) => served.some((s) => s.kind === k.kind) && (k.group === undefined || k.group === GATEWAY_API_GROUP),
  );
  const kinds = served.filter((s) => valid.some((k) => k.kind === s.kind));
  return { kinds, invalid: valid.length !== asked.length };
}

function certificatesOf(
  gw: Gateway,
  l: Listener,
  resources: ResourceSet,
  secretProblem: SecretProblem,
): { certs: string[]; problem?: { reason: string; message: string } } {
  const refs = l.tls?.certificateRefs ?? [];
  if (refs.length === 0)
    return {
      certs: [],
      problem: { reason: 'InvalidCertificateRef', message: 'HTTPS needs tls.certificateRefs' },
    };
  const ns = gw.metadata.namespace ?? 'default';
  const certs: string[] = [];
  for (const r of refs) {
    const rns = r.namespace ?? ns;
    if ((r.group ?? '') !== '' || (r.kind ?? 'Secret') !== 'Secret')
      return {
        certs,
        problem: {
          reason: 'InvalidCertificateRef',
          message: `certificateRef ${r.kind}/${r.name} is not a Secret`,
        },
      };
    const to = { group: '', kind: 'Secret', namespace: rns, name: r.name };
    if (!referenceAllowed(resources, { group: GATEWAY_API_GROUP, kind: 'Gateway', namespace: ns }, to))
      return {
        certs,
        problem: {
          reason: 'RefNotPermitted',
          message: `no ReferenceGrant in ${rns} allows Secret ${r.name}`,
        },
      };
    const secret = resources.secrets.get(`${rns}/${r.name}`)?.object;
    const bad = secret === undefined ? 'not found' : secretProblem(secret);
    if (bad !== undefined)
      return {
        certs,
        problem: {
          reason: 'InvalidCertificateRef',
          message: `Secret ${rns}/${r.name}: ${bad}`.slice(0, 300),
        },
      };
    certs.push(`${rns}/${r.name}`);
  }
  return { certs };
}

/** What a listener's allowedRoutes.kinds may name. */
function kindsMessage(protocol: string): string {
  const l4 = routeKindsFor(protocol);
  return l4 === undefined
    ? 'only HTTPRoute and GRPCRoute (gateway.networking.k8s.io) are supported'
    : `only ${l4.map((k) => k.kind).join(', ')} (gateway.networking.k8s.io) is supported on a ${protocol} listener`;
}

/** A TLS listener's mode (Passthrough and Terminate on one port conflict); '' for other protocols. */
function tlsModeOf(l: Listener): string {
  return l.protocol === 'TLS' ? (l.tls?.mode ?? 'Terminate') : '';
}

/**
 * Listeners sharing a port with another protocol or TLS mode (UDP apart), or a port, protocol and hostname with
 * another.
 */
function conflicts(listeners: readonly Listener[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of listeners)
    for (const o of listeners) {
      if (o === l || o.port !== l.port) continue;
      // UDP has ports of its own: a UDP listener is compatible with any TCP-based one on its port.
      if ((o.protocol === 'UDP') !== (l.protocol === 'UDP')) continue;
      if (o.protocol !== l.protocol || tlsModeOf(o) !== tlsModeOf(l)) out.set(l.name, 'ProtocolConflict');
      else if ((o.hostname ?? '') === (l.hostname ?? '') && !out.has(l.name))
        out.set(l.name, 'HostnameConflict');
    }
  return out;
}

/** Each listener of the Gateway, in spec order, with its model when it is usable. */
export function readListeners(
  gw: Gateway,
  resources: ResourceSet,
  secretProblem: SecretProblem = hasKeyPair,
): ListenerStatusInput[] {
  const gen = gw.metadata.generation;
  const clash = conflicts(gw.spec.listeners ?? []);
  return (gw.spec.listeners ?? []).map((l): ListenerStatusInput => {
    const c = (t: string, ok: boolean, reason: string, msg: string): StatusCondition =>
      condition(t, ok, reason, msg, gen);
    const https = l.protocol === 'HTTPS' && (l.tls?.mode ?? 'Terminate') === 'Terminate';
    if (l.protocol !== 'HTTP' && !https && !isServedL4Listener(l)) {
      const msg = `protocol ${l.protocol}${l.tls?.mode ? ` (tls.mode ${l.tls.mode})` : ''} is not supported yet`;
      return {
        name: l.name,
        supportedKinds: [],
        conditions: [
          // TLS Terminate: the spec's (and the conformance suite's) reason is UnsupportedValue.
          c('Accepted', false, l.protocol === 'TLS' ? 'UnsupportedValue' : 'UnsupportedProtocol', msg),
          c('Programmed', false, 'Invalid', msg),
          c('ResolvedRefs', true, 'ResolvedRefs', 'no references'),
          c('Conflicted', false, 'NoConflicts', 'no conflicts'),
        ],
      };
    }
    const host = l.hostname === undefined ? undefined : normalizeHost(l.hostname);
    const { kinds, invalid } = kindsOf(l);
    const tls = https ? certificatesOf(gw, l, resources, secretProblem) : { certs: [] };
    const conflict = clash.get(l.name);
    const portOk = Number.isInteger(l.port) && l.port >= 1 && l.port <= 65535;
    const valueProblem =
      host !== undefined && !host.ok
        ? `hostname "${String(l.hostname).slice(0, 80)}" is not a DNS name`
        : portOk
          ? undefined
          : `port ${String(l.port).slice(0, 20)} is not 1 to 65535`;
    const hostBad = valueProblem !== undefined;
    const refsOk = !invalid && tls.problem === undefined;
    const usable = refsOk && conflict === undefined && !hostBad;
    const conditions = [
      hostBad
        ? c('Accepted', false, 'UnsupportedValue', valueProblem!)
        : conflict
          ? c('Accepted', false, conflict, `another listener on port ${l.port} conflicts`)
          : c('Accepted', true, 'Accepted', 'listener accepted'),
      conflict
        ? c('Conflicted', true, conflict, `another listener on port ${l.port} conflicts`)
        : c('Conflicted', false, 'NoConflicts', 'no conflicts'),
      invalid
        ? c('ResolvedRefs', false, 'InvalidRouteKinds', kindsMessage(l.protocol))
        : tls.problem
          ? c('ResolvedRefs', false, tls.problem.reason, tls.problem.message)
          : c('ResolvedRefs', true, 'ResolvedRefs', 'references resolved'),
      usable
        ? c('Programmed', true, 'Programmed', 'listener programmed')
        : c('Programmed', false, 'Invalid', 'listener is not valid'),
    ];
    const from = l.allowedRoutes?.namespaces?.from ?? 'Same';
    const model: ListenerModel | undefined =
      conflict === undefined && !hostBad
        ? {
            name: l.name,
            port: l.port,
            protocol: https ? 'HTTPS' : isServedL4Listener(l) ? (l.protocol as L4Protocol) : 'HTTP',
            ...(host?.ok ? { hostname: host.host } : {}),
            from,
            ...(l.allowedRoutes?.namespaces?.selector
              ? { selector: l.allowedRoutes.namespaces.selector }
              : {}),
            supportedKinds: kinds,
            certificates: tls.certs,
            usable,
            conditions,
          }
        : undefined;
    return {
      name: l.name,
      supportedKinds: kinds,
      conditions,
      ...(model ? (usable ? { model } : { attachable: model }) : {}),
    };
  });
}
