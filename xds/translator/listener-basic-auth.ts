/**
 * The basic auth filter of a connection manager (issue 13, item 2): present only when a route it serves
 * has basic auth, off by default (`disabled: true`), so only the routes of an Ingress with
 * `causeway.dev/auth-type: basic` turn it on, each with its own users (BasicAuthPerRoute,
 * route-basic-auth.ts). It sits after RBAC and before ext_authz, local rate limits and CORS (DESIGN.md's
 * order). Envoy needs a user list at the filter level too: one placeholder user whose hash (all zero
 * bits) no known password has; it never applies, since no route runs the filter without its own list.
 *
 * The filter's 401 carries `WWW-Authenticate: Basic realm="<the request URL>"`; Envoy has no realm
 * setting. The connection manager's local reply mapper replaces it with the route's own challenge, read
 * from the route's metadata (`causeway.basic_auth`/`challenge`, route-basic-auth.ts): only 401s the
 * gateway makes itself, and only on routes that carry a challenge (an empty value adds no header).
 *
 * A route whose Secret has a bcrypt entry is checked by the controller instead: right after basic_auth,
 * an ext_authz filter (off by default, one per connection manager) asks the controller's Authorization
 * service over the bootstrap's xDS cluster (`causeway_xds`, mTLS when the ADS stream has it), sending
 * only the `Authorization` header and the route's context extensions (Secret and realm, never a hash).
 * No answer (controller away, timeout): 503, never open (`failure_mode_allow: false`).
 */
import type { VirtualHostIR } from '../../src/ir/ir-types.js';
import { BASIC_AUTH_CHECK_FILTER_NAME, BASIC_AUTH_FILTER_NAME, TYPES, XDS_CLUSTER_NAME } from './common.js';

/** The route metadata namespace and key of a basic auth route's `WWW-Authenticate` value. */
export const BASIC_AUTH_METADATA = 'causeway.basic_auth';
export const BASIC_AUTH_CHALLENGE_KEY = 'challenge';

const BASIC_AUTH_FILTER = {
  name: BASIC_AUTH_FILTER_NAME,
  typed_config: {
    '@type': TYPES.basicAuth,
    users: { inline_string: 'causeway-placeholder:{SHA}AAAAAAAAAAAAAAAAAAAAAAAAAAA=\n' },
  },
  disabled: true,
} as const;

/** How long the gateway waits for the controller's answer (bcrypt at cost 12 takes ~350 ms, queued). */
const CHECK_TIMEOUT = '5s';

const BASIC_AUTH_CHECK_FILTER = {
  name: BASIC_AUTH_CHECK_FILTER_NAME,
  typed_config: {
    '@type': TYPES.extAuthz,
    grpc_service: { envoy_grpc: { cluster_name: XDS_CLUSTER_NAME }, timeout: CHECK_TIMEOUT },
    transport_api_version: 'V3',
    failure_mode_allow: false,
    status_on_error: { code: 'ServiceUnavailable' },
    allowed_headers: { patterns: [{ exact: 'authorization', ignore_case: true }] },
  },
  disabled: true,
} as const;

const CHALLENGE_MAPPER = {
  filter: {
    status_code_filter: {
      comparison: { op: 'EQ', value: { default_value: 401, runtime_key: 'causeway.basic_auth.status' } },
    },
  },
  headers_to_add: [
    {
      header: {
        key: 'www-authenticate',
        value: `%METADATA(ROUTE:${BASIC_AUTH_METADATA}:${BASIC_AUTH_CHALLENGE_KEY})%`,
      },
      append_action: 'OVERWRITE_IF_EXISTS_OR_ADD',
    },
  ],
} as const;

function usesBasicAuth(virtualHosts: readonly VirtualHostIR[], controller?: boolean): boolean {
  return virtualHosts.some((v) =>
    v.routes.some(
      (r) =>
        r.basicAuth !== undefined &&
        (controller === undefined || (r.basicAuth.checkedBy === 'controller') === controller),
    ),
  );
}

/**
 * The basic auth filter when a route of `virtualHosts` is checked by the gateway (or fails closed), the
 * controller's check when one is checked by the controller; else nothing.
 */
export function basicAuthFilters(virtualHosts: readonly VirtualHostIR[]): object[] {
  return [
    ...(usesBasicAuth(virtualHosts, false) ? [BASIC_AUTH_FILTER] : []),
    ...(usesBasicAuth(virtualHosts, true) ? [BASIC_AUTH_CHECK_FILTER] : []),
  ];
}

/** The connection manager's local reply mapper setting each route's realm, when a route uses basic auth. */
export function basicAuthLocalReply(virtualHosts: readonly VirtualHostIR[]): object {
  return usesBasicAuth(virtualHosts) ? { local_reply_config: { mappers: [CHALLENGE_MAPPER] } } : {};
}
