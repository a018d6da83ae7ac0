/**
 * The source access annotations of gateway mode (issue 13, item 2): who may reach an Ingress's routes by
 * client address (and who may connect to a Service's gateway TCP port), with ingress-nginx's names and syntax (`whitelist-source-range`, its newer name
 * `allowlist-source-range`, and `denylist-source-range`). The value syntax is in `source-ranges.ts`; the
 * per-Ingress reader in `source-access.ts`.
 */
import type { AnnotationSpec } from '../../ingress/ingress-annotations.js';
import { MAX_SOURCE_RANGES, parseSourceRanges } from './source-ranges.js';

const SYNTAX = `Comma-separated IPv4/IPv6 addresses or CIDRs (\`10.0.0.0/8, 192.0.2.7, 2001:db8::/32\`); host bits below the prefix are cleared (\`10.1.2.3/8\` is \`10.0.0.0/8\`). At most ${MAX_SOURCE_RANGES} entries. The client address is the one the group's \`clientIp\`/\`proxyProtocol\` settings give (docs/security.md). A bad entry fails closed: every route of the Ingress answers 403.`;

function allowSpec(name: string, alias: string): AnnotationSpec<readonly string[]> {
  return {
    name,
    targets: ['Ingress', 'Service'],
    defaultText: 'none (every client)',
    description: `Only clients in these ranges reach the routes of the Ingress; others get 403 (on a Service with \`causeway.dev/gateway-tcp-port\`: its gateway port closes their connections). ${SYNTAX} Same as \`${alias}\`; setting both is an error (403).`,
    parse: parseSourceRanges,
  };
}

export const WHITELIST_SOURCE_RANGE = allowSpec(
  'causeway.dev/whitelist-source-range',
  'causeway.dev/allowlist-source-range',
);
export const ALLOWLIST_SOURCE_RANGE = allowSpec(
  'causeway.dev/allowlist-source-range',
  'causeway.dev/whitelist-source-range',
);

export const DENYLIST_SOURCE_RANGE: AnnotationSpec<readonly string[]> = {
  name: 'causeway.dev/denylist-source-range',
  targets: ['Ingress', 'Service'],
  defaultText: 'none',
  description: `Clients in these ranges get 403 on the routes of the Ingress, even when an allow list holds them (deny wins). ${SYNTAX}`,
  parse: parseSourceRanges,
};

export const SOURCE_ACCESS_ANNOTATIONS: readonly AnnotationSpec<unknown>[] = [
  WHITELIST_SOURCE_RANGE,
  ALLOWLIST_SOURCE_RANGE,
  DENYLIST_SOURCE_RANGE,
];
