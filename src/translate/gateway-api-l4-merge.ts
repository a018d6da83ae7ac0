/**
 * Merges a Gateway's layer-4 part (gateway-api-l4.ts) into its gateway group's IR (pure): TCP and UDP
 * listeners beside the Ingress Services' ones, TLS passthrough chains into the group's `https` listener
 * on its HTTPS port (beside the Ingresses' chains) or a `tls/<port>` listener of their own
 * (`extraHttps`). A port or SNI name the group already serves is never given twice (the listener
 * conditions keep most such listeners out already): the Gateway's listener or chain is left out with a
 * CW_E_GATEWAY_API_VALUE diagnostic on the Gateway, so Envoy never gets two listeners on one port nor
 * two filter chains with one match.
 */
import { diagnostic, type Diagnostic, type ObjectRef } from '../errors.js';
import type { GatewayGroupIR, HttpsListenerIR, PassthroughChainIR } from '../ir/ir-types.js';
import { compareStrings } from '../ingress/ordering.js';
import type { L4GroupPart } from './gateway-api-l4.js';
import type { GroupSettings } from './translate-options.js';

/** The TCP ports the group's listeners hold, with what holds them. */
function tcpPortsOf(g: GatewayGroupIR): Map<number, string> {
  const out = new Map<number, string>();
  const add = (port: number, what: string): void => void (out.has(port) || out.set(port, what));
  add(g.http.port, `listener ${g.http.name}`);
  for (const l of [...(g.https ? [g.https] : []), ...(g.extraHttp ?? []), ...(g.extraHttps ?? []), ...g.tcp])
    add(l.port, `listener ${l.name}`);
  if (g.health) add(g.health.port, 'the health listener');
  if (g.metrics) add(g.metrics.port, 'the metrics listener');
  return out;
}

/**
 * The chains with the SNI names (or "any") no chain of `l` has yet: a name taken is reported and left
 * out of its chain; a chain left without names is left out.
 */
function freeChains(
  l: HttpsListenerIR,
  chains: readonly PassthroughChainIR[],
  owner: ObjectRef,
  diags: Diagnostic[],
): PassthroughChainIR[] {
  const taken = new Set<string>();
  for (const c of [...l.filterChains, ...(l.passthrough ?? [])])
    for (const n of c.serverNames.length > 0 ? c.serverNames : ['']) taken.add(n);
  return chains.flatMap((c) => {
    const names = c.serverNames.length > 0 ? c.serverNames : [''];
    const free = names.filter((n) => {
      if (!taken.has(n)) return true;
      const what = n === '' ? 'the default chain' : `SNI ${n}`;
      const text = `${c.name}: the group already serves ${what} on port ${l.port}; this TLSRoute does not serve it there`;
      diags.push(diagnostic('CW_E_GATEWAY_API_VALUE', owner, text));
      return false;
    });
    if (free.length === 0) return [];
    return [free.length === names.length ? c : { ...c, serverNames: free }];
  });
}

function withPassthrough(l: HttpsListenerIR, chains: readonly PassthroughChainIR[]): HttpsListenerIR {
  const all = [...(l.passthrough ?? []), ...chains].sort((a, b) => compareStrings(a.name, b.name));
  return { ...l, passthrough: all };
}

/** A TLS passthrough listener of its own (no terminated chains), with the group's listener settings. */
function tlsListener(
  g: GatewayGroupIR,
  port: number,
  chains: readonly PassthroughChainIR[],
): HttpsListenerIR {
  const { connectionLimit, clientAddress } = g.http;
  return {
    name: `tls/${port}`,
    port,
    filterChains: [],
    passthrough: chains,
    ...(connectionLimit ? { connectionLimit } : {}),
    ...(clientAddress ? { clientAddress } : {}),
  };
}

/** The group with the Gateway's TCP, UDP and TLS passthrough listeners added (see the file comment). */
export function mergeL4Part(
  g: GatewayGroupIR,
  part: L4GroupPart,
  settings: GroupSettings,
  owner: ObjectRef,
  diags: Diagnostic[],
): GatewayGroupIR {
  const tcpPorts = tcpPortsOf(g);
  const free = (port: number, ports: Map<number, string>, name: string): boolean => {
    const holder = ports.get(port);
    if (holder === undefined) return true;
    diags.push(
      diagnostic('CW_E_GATEWAY_API_VALUE', owner, `${name}: port ${port} is used by ${holder}; not served`),
    );
    return false;
  };
  const proxyProtocol = g.http.clientAddress?.proxyProtocol === true;
  const tcp = [...g.tcp];
  for (const t of part.tcp)
    if (free(t.port, tcpPorts, t.name)) {
      tcp.push(proxyProtocol ? { ...t, proxyProtocol: true } : t);
      tcpPorts.set(t.port, `listener ${t.name}`);
    }
  const udpPorts = new Map((g.udp ?? []).map((u) => [u.port, `listener ${u.name}`]));
  const udp = [...(g.udp ?? []), ...part.udp.filter((u) => free(u.port, udpPorts, u.name))];
  let https = g.https;
  const extraHttps = [...(g.extraHttps ?? [])];
  for (const [port, chains] of [...part.passthrough].sort(([a], [b]) => a - b)) {
    if (chains.length === 0) continue;
    if (port === settings.httpsPort) {
      https = https
        ? withPassthrough(https, freeChains(https, chains, owner, diags))
        : { ...tlsListener(g, port, chains), name: 'https' };
    } else if (free(port, tcpPorts, `tls/${port}`)) {
      extraHttps.push(tlsListener(g, port, chains));
      tcpPorts.set(port, `listener tls/${port}`);
    }
  }
  return {
    ...g,
    ...(https ? { https } : {}),
    tcp: tcp.sort((a, b) => a.port - b.port),
    ...(udp.length > 0 ? { udp: udp.sort((a, b) => a.port - b.port) } : {}),
    ...(extraHttps.length > 0 ? { extraHttps: extraHttps.sort((a, b) => a.port - b.port) } : {}),
  };
}
