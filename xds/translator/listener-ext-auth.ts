/**
 * The external auth filters of a connection manager: one ext_authz filter (HTTP service) per distinct
 * auth configuration of the listener's routes (the service is a filter-level setting), each off by
 * default (`disabled: true`) and turned on by the routes of the Ingresses that use it
 * (ExtAuthzPerRoute, route-ext-auth.ts). Named by a short hash of the configuration, so adding or
 * removing another Ingress's auth never renames a filter; sorted by name.
 *
 * The gateway writes the headers the auth service gets besides the client's (X-Original-URL and the
 * like, ingress-nginx's names) from Envoy's own request values, never from annotation text.
 *
 * Before them, a header_mutation filter (off by default) removes the client's own copies of the
 * `auth-response-headers` on the routes that list some: the backend trusts those headers, and Envoy
 * copies them from a 2xx auth answer only when the auth service sends them (ingress-nginx always
 * overwrites them, empty when absent), so a client must not be able to send its own.
 */
import { createHash } from 'node:crypto';
import type { ExtAuthServiceIR, RouteIR, VirtualHostIR } from '../../src/ir/ir-types.js';
import { withAuthSignin } from './auth-signin.js';
import { AUTH_STRIP_FILTER_NAME, seconds, TYPES } from './common.js';

/** Headers the gateway adds to every auth request (Envoy formats them per request). */
const AUTH_REQUEST_HEADERS_TO_ADD: readonly { readonly key: string; readonly value: string }[] = [
  { key: 'x-original-url', value: '%REQ(:scheme)%://%REQ(:authority)%%REQ(:path)%' },
  { key: 'x-original-method', value: '%REQ(:method)%' },
  { key: 'x-forwarded-host', value: '%REQ(:authority)%' },
  { key: 'x-auth-request-redirect', value: '%REQ(:path)%' },
];

const filterNames = new WeakMap<ExtAuthServiceIR, string>();

/** The filter of an auth configuration: `causeway.ext_authz.<12 hex digits of its hash>`. */
export function extAuthzFilterName(s: ExtAuthServiceIR): string {
  let name = filterNames.get(s);
  if (name === undefined) {
    const hash = createHash('sha256').update(JSON.stringify(s)).digest('hex').slice(0, 12);
    name = `causeway.ext_authz.${hash}`;
    filterNames.set(s, name);
  }
  return name;
}

function exact(names: readonly string[]): object {
  return { patterns: names.map((n) => ({ exact: n, ignore_case: true })) };
}

function extAuthzFilter(s: ExtAuthServiceIR): object {
  return {
    name: extAuthzFilterName(s),
    typed_config: {
      '@type': TYPES.extAuthz,
      http_service: {
        server_uri: { uri: s.url, cluster: s.backend, timeout: seconds(s.timeoutSeconds) },
        // The auth URL's path exactly, as ingress-nginx calls it (Envoy 1.40 `path_override`; without it
        // Envoy would append the request path); the original URL travels in X-Original-URL.
        path_override: s.path,
        authorization_request: { headers_to_add: AUTH_REQUEST_HEADERS_TO_ADD.map((h) => ({ ...h })) },
        ...(s.responseHeaders.length > 0
          ? { authorization_response: { allowed_upstream_headers: exact(s.responseHeaders) } }
          : {}),
      },
      transport_api_version: 'V3',
      failure_mode_allow: s.failOpen,
      status_on_error: { code: 'ServiceUnavailable' },
      ...(s.requestHeaders.length > 0 ? { allowed_headers: exact(s.requestHeaders) } : {}),
    },
    disabled: true,
  };
}

function routesOf(vhosts: readonly VirtualHostIR[]): Iterable<RouteIR> {
  return vhosts.flatMap((v) => v.routes);
}

/** Removes the client's copies of a route's auth response headers (HeaderMutationPerRoute, route-ext-auth.ts). */
const AUTH_STRIP_FILTER = {
  name: AUTH_STRIP_FILTER_NAME,
  typed_config: { '@type': TYPES.headerMutation, mutations: {} },
  disabled: true,
} as const;

/**
 * The external auth filters of a connection manager serving `vhosts`: the ext_authz filters, with the
 * sign-in filters around them when a route has a sign-in URL (auth-signin.ts); none when no route uses auth.
 */
export function extAuthzFilters(vhosts: readonly VirtualHostIR[]): object[] {
  const byName = new Map<string, ExtAuthServiceIR>();
  for (const r of routesOf(vhosts)) {
    if (r.extAuth?.kind === 'check') byName.set(extAuthzFilterName(r.extAuth.service), r.extAuth.service);
  }
  const checks = [...byName.keys()].sort().map((n) => extAuthzFilter(byName.get(n)!));
  if (checks.length === 0) return [];
  const strip = [...byName.values()].some((s) => s.responseHeaders.length > 0) ? [AUTH_STRIP_FILTER] : [];
  return withAuthSignin(vhosts, [...strip, ...checks]);
}
