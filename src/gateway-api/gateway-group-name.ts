/**
 * The gateway group a Gateway is served by (pure): the annotation `causeway.dev/gateway-group` on the
 * Gateway (a DNS label), else `<namespace>-<name>`, truncated with a hash suffix past 63 characters.
 */
import { createHash } from 'node:crypto';
import type { Gateway } from '../resources/gateway-api-types.js';

export const GATEWAY_GROUP_ANNOTATION = 'causeway.dev/gateway-group';
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export type GroupNameResult =
  { readonly ok: true; readonly group: string } | { readonly ok: false; readonly error: string };

/** A DNS label from `<namespace>-<name>`: past 63 characters, 54 of them, `-`, and 8 hex of a SHA-256. */
export function defaultGatewayGroup(namespace: string, name: string): string {
  const full = `${namespace}-${name}`;
  if (full.length <= 63) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${full.slice(0, 54).replace(/-+$/, '')}-${hash}`;
}

export function gatewayGroupOf(gw: Gateway): GroupNameResult {
  const raw = gw.metadata.annotations?.[GATEWAY_GROUP_ANNOTATION];
  if (raw === undefined)
    return { ok: true, group: defaultGatewayGroup(gw.metadata.namespace ?? 'default', gw.metadata.name) };
  if (DNS_LABEL.test(raw)) return { ok: true, group: raw };
  return {
    ok: false,
    error: `annotation ${GATEWAY_GROUP_ANNOTATION}: "${raw.slice(0, 80)}" is not a DNS label`,
  };
}
