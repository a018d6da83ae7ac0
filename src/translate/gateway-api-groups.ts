/**
 * Gateway API -> IR (pure but for the registries it fills): the Gateway that owns a gateway group adds
 * its listeners to the group. An HTTP listener on the group's HTTP port joins the group's `http`
 * listener (its virtual hosts first: for a hostname both serve, the Gateway API routes come before the
 * Ingress rules); on another port it is an `http/<port>` listener (`extraHttp`). HTTPS listeners alike:
 * their filter chains join `https` on the group's HTTPS port, else an `https/<port>` listener. A
 * listener on a port the group uses for something else is not served (a diagnostic on the Gateway).
 */
import { diagnostic, type Diagnostic, type ObjectRef } from '../errors.js';
import type {
  BackendIR,
  GatewayGroupIR,
  HttpListenerIR,
  HttpsListenerIR,
  SecretIR,
  TlsFilterChainIR,
  VirtualHostIR,
} from '../ir/ir-types.js';
import type { ResourceSet } from '../resources/resource-set.js';
import { compareHosts } from '../ingress/hosts.js';
import { compareStrings } from '../ingress/ordering.js';
import type { GatewayModel } from '../gateway-api/gateways.js';
import type { RouteModel } from '../gateway-api/grpc-routes.js';
import { isL4Protocol } from '../gateway-api/l4-listeners.js';
import type { L4RouteModel } from '../gateway-api/l4-routes.js';
import type { ListenerModel } from '../gateway-api/listeners.js';
import { BackendRegistry } from './backend-registry.js';
import { groupEndpointPolicy } from './endpoint-policy.js';
import { GatewayRouteBuilder, listenerCertificate, listenerChain } from './gateway-api-listeners.js';
import { buildL4Part, type L4GroupPart } from './gateway-api-l4.js';
import { mergeL4Part } from './gateway-api-l4-merge.js';
import { SecretRegistry } from './secret-registry.js';
import type { GroupSettings } from './translate-options.js';

/** What a Gateway adds to its group, per port. */
export interface GatewayApiGroupPart {
  readonly http: ReadonlyMap<number, readonly VirtualHostIR[]>;
  readonly https: ReadonlyMap<number, readonly TlsFilterChainIR[]>;
  readonly backends: readonly BackendIR[];
  readonly secrets: readonly SecretIR[];
  /** Its TLS passthrough, TCP and UDP listeners (gateway-api-l4.ts); absent: none. */
  readonly l4?: L4GroupPart;
}

function byPort(listeners: readonly ListenerModel[]): Map<number, ListenerModel[]> {
  const out = new Map<number, ListenerModel[]>();
  for (const l of listeners) out.set(l.port, [...(out.get(l.port) ?? []), l]);
  return out;
}

/** The group's part of `gw` (the accepted owner of the group) and the routes attached to it. */
export function buildGatewayPart(
  gw: GatewayModel,
  routes: readonly RouteModel[],
  resources: ResourceSet,
  settings: GroupSettings,
  clusterZones: Readonly<Record<string, string>>,
  diags: Diagnostic[],
  l4Routes: readonly L4RouteModel[] = [],
): GatewayApiGroupPart {
  const secrets = new SecretRegistry(resources, diags);
  const registry = new BackendRegistry(
    resources,
    diags,
    groupEndpointPolicy(settings, clusterZones),
    secrets,
    settings.loadBalancing,
  );
  const builder = new GatewayRouteBuilder(resources, registry, diags);
  const mine = routes.filter((r) => r.attachments.some((a) => a.gateway === gw));
  const usable = gw.listeners.flatMap((l) => (l.model && !isL4Protocol(l.model.protocol) ? [l.model] : []));
  const gwRef: ObjectRef = { kind: 'Gateway', namespace: gw.namespace, name: gw.name, cluster: gw.cluster };
  const busy = reservedPorts(settings);
  const http = new Map<number, VirtualHostIR[]>();
  const https = new Map<number, TlsFilterChainIR[]>();
  const certs = new Map<string, SecretIR>();
  for (const [port, ls] of byPort(usable)) {
    const protocol = ls[0]!.protocol;
    const clash = busy.get(port);
    if (clash !== undefined && clash !== protocol) {
      diags.push(
        diagnostic(
          'CW_E_GATEWAY_API_VALUE',
          gwRef,
          `port ${port} is the group's ${clash} port; its listeners are not served`,
        ),
      );
      continue;
    }
    if (protocol === 'HTTP') {
      http.set(port, builder.virtualHosts(ls, mine));
      continue;
    }
    const chains: TlsFilterChainIR[] = [];
    for (const l of ls) {
      const cert = listenerCertificate(resources, l, gwRef, diags);
      if (!cert) continue;
      certs.set(cert.name, cert);
      chains.push(listenerChain(`${gw.namespace}/${gw.name}`, l, cert.name, builder.virtualHosts([l], mine)));
    }
    https.set(
      port,
      chains.sort((a, b) => compareStrings(a.name, b.name)),
    );
  }
  const allSecrets = [...secrets.list(), ...certs.values()];
  const hasL4 = gw.listeners.some((l) => l.model && isL4Protocol(l.model.protocol));
  const l4 = hasL4 ? { l4: buildL4Part(gw, l4Routes, resources, registry, diags) } : {};
  return { http, https, backends: registry.list(), secrets: allSecrets, ...l4 };
}

/** Ports the group already uses, with what for (an HTTP listener may join `http`, HTTPS `https`). */
export function reservedPorts(s: GroupSettings): Map<number, string> {
  const out = new Map<number, string>([
    [s.httpPort, 'HTTP'],
    [s.httpsPort, 'HTTPS'],
  ]);
  if (s.healthPort !== undefined) out.set(s.healthPort, 'health');
  if (s.metricsPort !== undefined) out.set(s.metricsPort, 'metrics');
  return out;
}

function mergeVirtualHosts(first: readonly VirtualHostIR[], then: readonly VirtualHostIR[]): VirtualHostIR[] {
  const out = new Map(then.map((v) => [v.name, v]));
  for (const v of first) {
    const other = out.get(v.name);
    out.set(v.name, other ? { ...other, routes: [...v.routes, ...other.routes] } : v);
  }
  return [...out.values()].sort((a, b) => compareHosts(a.name, b.name));
}

function mergeByName<T extends { readonly name: string }>(
  a: readonly T[],
  b: readonly T[],
  join: (x: T, y: T) => T,
): T[] {
  const out = new Map(a.map((x) => [x.name, x]));
  for (const y of b) {
    const x = out.get(y.name);
    out.set(y.name, x ? join(x, y) : y);
  }
  return [...out.values()].sort((x, y) => compareStrings(x.name, y.name));
}

function httpsListener(
  g: GatewayGroupIR,
  name: string,
  port: number,
  chains: readonly TlsFilterChainIR[],
): HttpsListenerIR {
  const base = g.http;
  return {
    name,
    port,
    filterChains: chains,
    ...(base.compression ? { compression: base.compression } : {}),
    ...(base.tracing ? { tracing: base.tracing } : {}),
    ...(base.connectionLimit ? { connectionLimit: base.connectionLimit } : {}),
    ...(base.clientAddress ? { clientAddress: base.clientAddress } : {}),
  };
}

/** The group with the Gateway's part merged in (see the file comment); unchanged without a part. */
export function mergeGatewayPart(
  g: GatewayGroupIR,
  part: GatewayApiGroupPart,
  settings: GroupSettings,
  owner: ObjectRef,
  diags: Diagnostic[],
): GatewayGroupIR {
  const tcpPorts = new Set(g.tcp.map((t) => t.port));
  const portTaken = (port: number): boolean => {
    if (!tcpPorts.has(port)) return false;
    diags.push(
      diagnostic(
        'CW_E_GATEWAY_API_VALUE',
        owner,
        `port ${port} is a TCP Service port of the group; its listeners are not served`,
      ),
    );
    return true;
  };
  const extraHttp: HttpListenerIR[] = [];
  let http = g.http;
  for (const [port, vhosts] of [...part.http].sort(([a], [b]) => a - b)) {
    if (port === settings.httpPort)
      http = { ...http, virtualHosts: mergeVirtualHosts(vhosts, http.virtualHosts) };
    else if (!portTaken(port))
      extraHttp.push({ ...g.http, name: `http/${port}`, port, virtualHosts: vhosts });
  }
  const extraHttps: HttpsListenerIR[] = [];
  let https = g.https;
  for (const [port, chains] of [...part.https].sort(([a], [b]) => a - b)) {
    if (chains.length === 0) continue;
    if (port !== settings.httpsPort) {
      if (!portTaken(port)) extraHttps.push(httpsListener(g, `https/${port}`, port, chains));
    } else if (https) {
      const free = chainsBeside(https, chains, owner, diags);
      https = { ...https, filterChains: mergeByName(https.filterChains, free, (x) => x) };
    } else https = httpsListener(g, 'https', port, chains);
  }
  const backends = mergeByName(g.backends, part.backends, (x) => x);
  const merged: GatewayGroupIR = {
    ...g,
    http,
    ...(https ? { https } : {}),
    backends: mergeSources(backends, part.backends),
    secrets: mergeByName(g.secrets, part.secrets, (x) => x),
    ...(extraHttp.length > 0 ? { extraHttp } : {}),
    ...(extraHttps.length > 0 ? { extraHttps } : {}),
  };
  return part.l4 ? mergeL4Part(merged, part.l4, settings, owner, diags) : merged;
}

/** A backend both the Ingresses and the routes use lists both as its sources (sorted, unique). */
function mergeSources(merged: readonly BackendIR[], part: readonly BackendIR[]): BackendIR[] {
  const extra = new Map(part.map((b) => [b.name, b.sources]));
  return merged.map((b) => {
    const more = extra.get(b.name);
    if (!more) return b;
    const all = new Map<string, ObjectRef>();
    for (const s of [...b.sources, ...more]) all.set(`${s.kind}/${s.namespace ?? ''}/${s.name}`, s);
    return { ...b, sources: [...all].sort(([x], [y]) => compareStrings(x, y)).map(([, s]) => s) };
  });
}

/**
 * The Gateway's filter chains that can join the group's HTTPS listener: one whose SNI names (or the
 * default chain) an Ingress chain or passthrough host already has is left out with a diagnostic (two
 * chains with one match would make Envoy refuse the whole listener).
 */
function chainsBeside(
  https: HttpsListenerIR,
  chains: readonly TlsFilterChainIR[],
  owner: ObjectRef,
  diags: Diagnostic[],
): TlsFilterChainIR[] {
  const taken = new Set<string>();
  for (const c of [...https.filterChains, ...(https.passthrough ?? [])])
    for (const n of c.serverNames.length > 0 ? c.serverNames : ['']) taken.add(n);
  return chains.filter((c) => {
    const names = c.serverNames.length > 0 ? c.serverNames : [''];
    const clash = names.find((n) => taken.has(n));
    if (clash === undefined) return true;
    const what = clash === '' ? 'the default certificate' : `SNI ${clash}`;
    diags.push(
      diagnostic(
        'CW_E_GATEWAY_API_VALUE',
        owner,
        `${c.name}: an Ingress of the group already serves ${what} on port ${https.port}; this listener is not served there`,
      ),
    );
    return false;
  });
}
