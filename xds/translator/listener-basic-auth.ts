/**
 * The basic auth filter of a connection manager (issue 13, item 2): present only when a route it serves
 * has basic auth, off by default (`disabled: true`), so only the routes of an Ingress with
 * `causeway.dev/auth-type: basic` turn it on, each with its own users (BasicAuthPerRoute,
 * route-basic-auth.ts). It sits after RBAC and before ext_authz, local rate limits and CORS (DESIGN.md's
 * order). Envoy needs a user list at the filter level too: one placeholder user whose hash (all zero bits)
 * no known password has; it never applies, since no route runs the filter without its own list.
 */
import type { VirtualHostIR } from '../../src/ir/ir-types.js';
import { BASIC_AUTH_FILTER_NAME, TYPES } from './common.js';

const BASIC_AUTH_FILTER = {
  name: BASIC_AUTH_FILTER_NAME,
  typed_config: {
    '@type': TYPES.basicAuth,
    users: { inline_string: 'causeway-placeholder:{SHA}AAAAAAAAAAAAAAAAAAAAAAAAAAA=\n' },
  },
  disabled: true,
} as const;

/** The basic auth filter when a route of `virtualHosts` uses it, else nothing. */
export function basicAuthFilters(virtualHosts: readonly VirtualHostIR[]): object[] {
  return virtualHosts.some((v) => v.routes.some((r) => r.basicAuth !== undefined)) ? [BASIC_AUTH_FILTER] : [];
}
