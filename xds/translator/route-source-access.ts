/**
 * The source access policy of a route in Envoy's words: the RBAC HTTP filter (which sits once in every
 * connection manager, off by default: listener-client-ip.ts) turned on for the route with an RBACPerRoute
 * that allows one principal: the client address (`remote_ip`: Envoy's downstream remote address, after
 * trusted X-Forwarded-For hops and the PROXY protocol; not `direct_remote_ip`, the TCP peer) in an allow
 * range and in no deny range. Anyone else gets Envoy's 403 `RBAC: access denied`. A policy that fails
 * closed is an ALLOW with no policy at all, which matches no request: every request gets 403.
 *
 * When every route of a virtual host has the same policy (one Ingress owns the host: its routes share
 * one policy object), it is written once on the virtual host instead of on each route: a 1,000-entry
 * list is about 20 KB encoded, per route otherwise.
 */
import type { RouteIR, SourceAccessIR } from '../../src/ir/ir-types.js';
import { RBAC_FILTER_NAME, TYPES } from './common.js';

/** The name of the RBAC policy in Envoy's stats and debug logs. */
const POLICY_NAME = 'source-ranges';

function remoteIp(cidr: string): object {
  const [address, prefix] = cidr.split('/');
  return { remote_ip: { address_prefix: address, prefix_len: Number(prefix) } };
}

function anyOf(cidrs: readonly string[]): object {
  return { or_ids: { ids: cidrs.map(remoteIp) } };
}

/** In an allow range (or any address without an allow list) and in no deny range. */
function principal(a: SourceAccessIR): object {
  const allowed = a.allow !== undefined ? [anyOf(a.allow)] : [];
  const notDenied = a.deny !== undefined ? [{ not_id: anyOf(a.deny) }] : [];
  const all = [...allowed, ...notDenied];
  return all.length === 1 ? all[0]! : { and_ids: { ids: all } };
}

function rules(a: SourceAccessIR): object {
  // An empty allow list cannot be written (a principal set needs one id): it is a refusal too.
  if (a.refuseAll || a.allow?.length === 0 || (a.allow === undefined && a.deny === undefined))
    return { action: 'ALLOW' };
  return {
    action: 'ALLOW',
    policies: { [POLICY_NAME]: { permissions: [{ any: true }], principals: [principal(a)] } },
  };
}

/** The route's RBAC filter config, or none when its Ingress sets no source range. */
export function sourceAccessPerFilter(a: SourceAccessIR | undefined): Record<string, object> {
  if (a === undefined) return {};
  return { [RBAC_FILTER_NAME]: { '@type': TYPES.rbacPerRoute, rbac: { rules: rules(a) } } };
}

/** The policy every route of a virtual host shares (the same object), if any. */
export function sharedSourceAccess(routes: readonly RouteIR[]): SourceAccessIR | undefined {
  const first = routes[0]?.sourceAccess;
  return first !== undefined && routes.every((r) => r.sourceAccess === first) ? first : undefined;
}
