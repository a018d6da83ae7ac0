/**
 * Gateway API layer-4 listeners -> IR (pure but for the backend registry it fills), reusing the IR of
 * the Ingress features: a TCP listener with its TCPRoute is a `tcp/<port>` TcpListenerIR (Envoy's TCP
 * proxy; weighted backendRefs become weighted clusters), a UDP listener with its UDPRoute a
 * `udp/<port>` UdpListenerIR (Envoy's UDP proxy: one backend), and the TLSRoutes of a TLS Passthrough
 * listener PassthroughChainIRs matched by SNI (the TLSRoute hostnames intersected with the listener's),
 * to the backends as raw TCP. A TCP or UDP route without a usable backend opens no port (connections
 * are refused); a TLSRoute's chain without one closes its connections. Also: the ports a layer-4
 * listener cannot take because an Ingress TCP or UDP Service of its group holds them.
 */
import { diagnostic, type Diagnostic, type ObjectRef } from '../errors.js';
import type { PassthroughChainIR, TcpListenerIR, UdpListenerIR, WeightedBackendIR } from '../ir/ir-types.js';
import type { ResourceSet } from '../resources/resource-set.js';
import { diagnosticRef } from '../ingress/ingress-reader.js';
import { compareStrings } from '../ingress/ordering.js';
import { ANY_HOSTNAME } from '../gateway-api/hostnames.js';
import type { GatewayModel } from '../gateway-api/gateways.js';
import { resolveStreamBackend, type L4RouteModel } from '../gateway-api/l4-routes.js';
import type { BackendRegistry } from './backend-registry.js';
import { UDP_IDLE_TIMEOUT_SECONDS, readPortServices } from './udp-services.js';
import type { GroupSettings } from './translate-options.js';

/** What a Gateway's layer-4 listeners add to its group. */
export interface L4GroupPart {
  readonly tcp: readonly TcpListenerIR[];
  readonly udp: readonly UdpListenerIR[];
  /** Passthrough chains by port, sorted by name. */
  readonly passthrough: ReadonlyMap<number, readonly PassthroughChainIR[]>;
}

/**
 * The reserved ports of a listener of `protocol`: HTTP and HTTPS keep the group's (`base`); TLS may
 * share the group's HTTPS port (its chains join the `https` listener); TLS and TCP may not take a port
 * of the group's TCP Services, UDP not a port of its UDP Services (UDP ports are their own space).
 */
export function l4ReservedPorts(
  resources: ResourceSet,
): (
  group: string,
  protocol: string | undefined,
  base: ReadonlyMap<number, string>,
  s: GroupSettings,
) => Map<number, string> {
  const claims = readPortServices(resources, []);
  return (group, protocol, base, settings) => {
    if (protocol === 'UDP') {
      const out = new Map<number, string>();
      for (const c of claims.udp)
        if (c.group === group && !out.has(c.port))
          out.set(c.port, `UDP Service ${c.ref.namespace}/${c.ref.name}`);
      return out;
    }
    const out = new Map(base);
    if (protocol !== 'TLS' && protocol !== 'TCP') return out;
    if (protocol === 'TLS') out.set(settings.httpsPort, 'TLS');
    for (const c of claims.tcp)
      if (c.group === group && !out.has(c.port))
        out.set(c.port, `TCP Service ${c.ref.namespace}/${c.ref.name}`);
    return out;
  };
}

interface RouteContext {
  readonly model: L4RouteModel;
  readonly ref: ObjectRef;
  readonly diagRef: ObjectRef;
}

function contextOf(model: L4RouteModel): RouteContext {
  const ref = { kind: model.kind, namespace: model.namespace, name: model.name };
  return { model, ref, diagRef: diagnosticRef(ref, model.source.origin) };
}

/** The usable backendRefs of a route's rule as backend names with weights (weight 0 left out). */
function liveBackends(
  ctx: RouteContext,
  resources: ResourceSet,
  registry: BackendRegistry,
  diags: Diagnostic[],
): WeightedBackendIR[] {
  const { model } = ctx;
  const live: WeightedBackendIR[] = [];
  for (const [i, b] of (model.rule?.backendRefs ?? []).entries()) {
    const weight = b.weight ?? 1;
    if (weight <= 0) continue;
    const where = `backendRefs[${i}]`;
    const res = resolveStreamBackend(resources, model.namespace, b, model.kind);
    if (!res.ok) {
      const text = `${where}: ${res.message}; it gets no connections`;
      diags.push(diagnostic('CW_E_GATEWAY_API_REF', ctx.diagRef, text));
      continue;
    }
    const owner = { ref: ctx.ref, diagRef: ctx.diagRef, backendNamespace: res.namespace };
    if (model.kind === 'UDPRoute') {
      const svc = resources.services.get(`${res.namespace}/${res.name}`)!.object;
      const port = (svc.spec?.ports ?? []).find((p) => p.port === res.port && p.protocol === 'UDP')!;
      const portRef = { namespace: res.namespace, name: res.name, port: res.port, portName: port.name ?? '' };
      const name = registry.udpBackend(owner, svc, { ...portRef, protocol: 'UDP' });
      if (name !== undefined) live.push({ backend: name, weight });
      continue;
    }
    const backend = { service: { name: res.name, port: { number: res.port } } };
    const action =
      model.kind === 'TLSRoute'
        ? registry.passthroughAction(owner, backend, where)
        : registry.action(owner, backend, where, 'it gets no connections');
    if (action.kind === 'forward') live.push({ backend: action.backend, weight });
  }
  return live;
}

function backendFields(live: readonly WeightedBackendIR[]): {
  backend: string;
  weightedBackends?: WeightedBackendIR[];
} {
  return live.length > 1
    ? { backend: live[0]!.backend, weightedBackends: [...live] }
    : { backend: live[0]!.backend };
}

function hashOf(registry: BackendRegistry, backend: string): { hashSourceIp?: true } {
  const affinity = registry.routeAffinity({ kind: 'forward', backend }).sessionAffinity;
  return affinity?.kind === 'source-ip' ? { hashSourceIp: true } : {};
}

function streamListener(
  ctx: RouteContext,
  port: number,
  live: readonly WeightedBackendIR[],
  registry: BackendRegistry,
  diags: Diagnostic[],
): TcpListenerIR | UdpListenerIR | undefined {
  if (live.length === 0) {
    const text = `no usable backendRef; gateway port ${port} is not opened (connections are refused)`;
    diags.push(diagnostic('CW_E_GATEWAY_API_REF', ctx.diagRef, text));
    return undefined;
  }
  if (ctx.model.kind === 'TCPRoute')
    return {
      name: `tcp/${port}`,
      port,
      ...backendFields(live),
      ...hashOf(registry, live[0]!.backend),
      source: ctx.ref,
    };
  if (live.length > 1) {
    const text = `Envoy's UDP proxy forwards a port to one backend: only backendRefs to ${live[0]!.backend} get datagrams`;
    diags.push(diagnostic('CW_E_GATEWAY_API_VALUE', ctx.diagRef, text));
  }
  const backend = live[0]!.backend;
  return {
    name: `udp/${port}`,
    port,
    backend,
    idleTimeoutSeconds: UDP_IDLE_TIMEOUT_SECONDS,
    ...hashOf(registry, backend),
    source: ctx.ref,
  };
}

/** The passthrough chains of one TLS port: one per route, its SNI names not taken by an older route. */
function passthroughChains(
  port: number,
  attached: readonly { readonly ctx: RouteContext; readonly hostnames: readonly string[] }[],
  backendsOf: (ctx: RouteContext) => readonly WeightedBackendIR[],
  registry: BackendRegistry,
  diags: Diagnostic[],
): PassthroughChainIR[] {
  const taken = new Map<string, string>();
  const chains: PassthroughChainIR[] = [];
  for (const { ctx, hostnames } of attached) {
    const me = `${ctx.ref.namespace}/${ctx.ref.name}`;
    const names = [...new Set(hostnames)].filter((h) => {
      const holder = taken.get(h);
      if (holder === undefined || holder === me) return (taken.set(h, me), true);
      const text = `SNI ${h === ANY_HOSTNAME ? '(any)' : h} on port ${port} is served by the older TLSRoute ${holder}; not by this one`;
      diags.push(diagnostic('CW_E_GATEWAY_API_VALUE', ctx.diagRef, text));
      return false;
    });
    if (names.length === 0 || chains.some((c) => c.name.endsWith(`/${me}`))) continue;
    const live = backendsOf(ctx);
    chains.push({
      name: `tls/${port}/${me}`,
      serverNames: names.includes(ANY_HOSTNAME) ? [] : names.sort(compareStrings),
      ...(live.length > 0 ? backendFields(live) : {}),
      ...(live.length > 0 ? hashOf(registry, live[0]!.backend) : {}),
      source: ctx.ref,
    });
  }
  return chains.sort((a, b) => compareStrings(a.name, b.name));
}

/** The layer-4 part of `gw` (the owner of its group): its TCP, UDP and TLS Passthrough listeners. */
export function buildL4Part(
  gw: GatewayModel,
  routes: readonly L4RouteModel[],
  resources: ResourceSet,
  registry: BackendRegistry,
  diags: Diagnostic[],
): L4GroupPart {
  const backends = new Map<L4RouteModel, readonly WeightedBackendIR[]>();
  const backendsOf = (ctx: RouteContext): readonly WeightedBackendIR[] => {
    const known = backends.get(ctx.model) ?? liveBackends(ctx, resources, registry, diags);
    backends.set(ctx.model, known);
    return known;
  };
  const tcp: TcpListenerIR[] = [];
  const udp: UdpListenerIR[] = [];
  const tls = new Map<number, { ctx: RouteContext; hostnames: readonly string[] }[]>();
  for (const model of routes) {
    const ctx = contextOf(model);
    for (const sh of model.shadowed ?? [])
      if (sh.gateway === gw.key) diags.push(diagnostic('CW_E_GATEWAY_API_VALUE', ctx.diagRef, sh.message));
    for (const a of model.attachments) {
      if (a.gateway !== gw) continue;
      const port = a.listener.port;
      if (model.kind === 'TLSRoute') {
        tls.set(port, [...(tls.get(port) ?? []), { ctx, hostnames: a.hostnames }]);
        continue;
      }
      const l = streamListener(ctx, port, backendsOf(ctx), registry, diags);
      if (l && 'idleTimeoutSeconds' in l) udp.push(l);
      else if (l) tcp.push(l);
    }
  }
  const passthrough = new Map<number, PassthroughChainIR[]>();
  for (const [port, attached] of tls)
    passthrough.set(port, passthroughChains(port, attached, backendsOf, registry, diags));
  return { tcp: tcp.sort((a, b) => a.port - b.port), udp: udp.sort((a, b) => a.port - b.port), passthrough };
}
