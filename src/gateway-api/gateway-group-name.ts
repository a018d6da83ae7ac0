/**
 * The gateway group a Gateway maps onto (pure): the `causeway.dev/gateway-group` annotation on the
 * Gateway when it is a DNS label, else a DNS label derived from `<namespace>-<name>`. A derived name
 * that is too long (> 63) or had to be changed to be a DNS label (upper case, dots) is cut and gets a
 * hash of the namespace and name, so it stays unique and deterministic.
 *
 * The one rule shared by the Gateway API translation (src/gateway-api) and the test gateway
 * provisioner (test/support/gateway-provisioner.ts), so both agree on which Envoys serve a Gateway.
 */
import crypto from 'node:crypto';

export const GATEWAY_GROUP_ANNOTATION = 'causeway.dev/gateway-group';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const MAX_LABEL = 63;
const HASH_CHARS = 10;

export interface GatewayIdentity {
  readonly namespace: string;
  readonly name: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

export type GatewayGroupName =
  | { readonly ok: true; readonly group: string; readonly fromAnnotation: boolean }
  | { readonly ok: false; readonly error: string };

/** The gateway group of a Gateway, or why its annotation is not a valid group name. */
export function gatewayGroupOf(gateway: GatewayIdentity): GatewayGroupName {
  const annotated = gateway.annotations?.[GATEWAY_GROUP_ANNOTATION];
  if (annotated !== undefined) {
    return DNS_LABEL.test(annotated)
      ? { ok: true, group: annotated, fromAnnotation: true }
      : {
          ok: false,
          error: `${GATEWAY_GROUP_ANNOTATION} "${annotated}" is not a DNS label (a-z, 0-9, -; at most 63)`,
        };
  }
  return { ok: true, group: derivedGroupName(gateway.namespace, gateway.name), fromAnnotation: false };
}

/** `<namespace>-<name>` as a DNS label; hashed-truncated when too long or not a DNS label as is. */
export function derivedGroupName(namespace: string, name: string): string {
  const joined = `${namespace}-${name}`;
  if (DNS_LABEL.test(joined)) return joined;
  const hash = crypto.createHash('sha256').update(`${namespace}/${name}`).digest('hex').slice(0, HASH_CHARS);
  const cleaned = joined
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, MAX_LABEL - HASH_CHARS - 1)
    .replace(/^-+|-+$/g, '');
  return cleaned === '' ? hash : `${cleaned}-${hash}`;
}
