/** IR virtual hosts -> Envoy RouteConfiguration. */
import { accessLogPerFilter } from './route-access-log.js';
import type { HeaderPolicyIR, RouteIR, SourceAccessIR, VirtualHostIR } from '../../src/ir/ir-types.js';
import { BUFFER_FILTER_NAME, seconds, TYPES } from './common.js';
import { headerMatchers, weightedClusters } from './route-canary.js';
import { corsFilterConfig, headerFields, sharedHeaderPolicy } from './route-headers.js';
import { routeHashPolicy } from './route-lb.js';
import { rateLimitPerFilter } from './route-rate-limit.js';
import { withBasicAuth } from './route-basic-auth.js';
import { pathRewrite, queryParameterMatchers, redirectAction, regexPathMatch } from './route-paths.js';
import { sharedSourceAccess, sourceAccessPerFilter } from './route-source-access.js';
import {
  compressionPerFilter,
  resilienceAction,
  sharedRetry,
  virtualHostRetry,
  type SharedRetry,
} from './route-resilience.js';
import { routeTracing } from './route-tracing.js';
import { extAuthPerFilter, extAuthRefusedRoute } from './route-ext-auth.js';
import { authSigninMetadata } from './auth-signin.js';

function match(r: RouteIR): object {
  const m: Record<string, unknown> =
    r.match.kind === 'exact'
      ? { path: r.match.path }
      : r.match.kind === 'regex'
        ? regexPathMatch(r.match)
        : r.match.path === '/'
          ? { prefix: '/' }
          : { path_separated_prefix: r.match.path };
  const headers = [
    ...(r.authority
      ? [
          {
            name: ':authority',
            string_match: { safe_regex: { regex: r.authority.regex } },
            ...(r.authority.invert ? { invert_match: true } : {}),
          },
        ]
      : []),
    ...headerMatchers(r),
  ];
  if (headers.length > 0) m['headers'] = headers;
  if (r.queryParams !== undefined) m['query_parameters'] = queryParameterMatchers(r.queryParams);
  return m;
}

/**
 * A forwarding RouteAction: the whole-request deadline (`0s` = none, the default), the idle timeout
 * between bytes, and WebSocket upgrades turned off for this route only when the Ingress asks.
 */
function forwardAction(r: RouteIR, cluster: string | object, shared: SharedRetry | undefined): object {
  // Assigned in place rather than spread: this runs for every route of every group on every change.
  const action: Record<string, unknown> = typeof cluster === 'string' ? { cluster } : { ...cluster };
  action['timeout'] = seconds(r.timeoutSeconds);
  action['idle_timeout'] = seconds(r.idleTimeoutSeconds);
  Object.assign(action, pathRewrite(r.rewrite));
  if (r.hostRewrite !== undefined) action['host_rewrite_literal'] = r.hostRewrite;
  if (!r.websocket) action['upgrade_configs'] = [{ upgrade_type: 'websocket', enabled: false }];
  Object.assign(action, routeHashPolicy(r), resilienceAction(r.resilience, shared));
  return action;
}

/** Turns the (disabled by default) buffer filter on for a route with a body size cap. */
function bodyLimit(r: RouteIR): Record<string, object> {
  if (r.maxRequestBytes === undefined) return {};
  return {
    [BUFFER_FILTER_NAME]: {
      '@type': TYPES.bufferPerRoute,
      buffer: { max_request_bytes: r.maxRequestBytes },
    },
  };
}

/** The per-route configs of the listener's HTTP filters that are off unless a route turns them on. */
function perFilterConfig(r: RouteIR, forwarding: boolean, shared: VirtualHostShared): object {
  const configs = forwarding ? Object.assign(compressionPerFilter(r.resilience), bodyLimit(r)) : {};
  if (shared.headers === undefined) Object.assign(configs, corsFilterConfig(r.headerPolicy));
  Object.assign(configs, extAuthPerFilter(r));
  if (r.rateLimit !== undefined) Object.assign(configs, rateLimitPerFilter(r.rateLimit));
  Object.assign(configs, accessLogPerFilter(r));
  if (shared.sourceAccess === undefined) Object.assign(configs, sourceAccessPerFilter(r.sourceAccess));
  for (const _ in configs) return { typed_per_filter_config: configs };
  return {};
}

/** What a virtual host's routes share, written once on the virtual host. */
interface VirtualHostShared {
  readonly retry: SharedRetry | undefined;
  readonly headers: HeaderPolicyIR | undefined;
  readonly sourceAccess: SourceAccessIR | undefined;
}

/** A route's own header fields: none when its virtual host carries them for all its routes. */
function ownHeaderFields(r: RouteIR, shared: VirtualHostShared): Record<string, unknown> {
  return shared.headers === undefined ? headerFields(r.headerPolicy) : {};
}

function route(r: RouteIR, shared: VirtualHostShared): Record<string, unknown> {
  const base = { name: r.name, match: match(r), ...routeTracing(r.tracing), ...authSigninMetadata(r) };
  if (r.extAuth?.kind === 'refused') return extAuthRefusedRoute(r, base) as Record<string, unknown>;
  switch (r.action.kind) {
    case 'forward':
      return {
        ...base,
        route: forwardAction(r, r.action.backend, shared.retry),
        ...ownHeaderFields(r, shared),
        ...perFilterConfig(r, true, shared),
      };
    case 'weighted':
      return {
        ...base,
        route: forwardAction(r, weightedClusters(r.action.backends), shared.retry),
        ...ownHeaderFields(r, shared),
        ...perFilterConfig(r, true, shared),
      };
    case 'direct':
      return {
        ...base,
        direct_response: { status: r.action.status, body: { inline_string: r.action.body } },
        ...ownHeaderFields(r, shared),
        ...perFilterConfig(r, false, shared),
      };
    case 'redirect':
      return {
        ...base,
        redirect: redirectAction(r.action),
        ...ownHeaderFields(r, shared),
        ...perFilterConfig(r, false, shared),
      };
  }
}

export function translateRouteConfiguration(name: string, vhosts: readonly VirtualHostIR[]): object {
  return {
    name,
    virtual_hosts: vhosts.map((v) => {
      const shared = {
        retry: sharedRetry(v.routes),
        headers: sharedHeaderPolicy(v.routes),
        sourceAccess: sharedSourceAccess(v.routes),
      };
      const configs = {
        ...corsFilterConfig(shared.headers),
        ...sourceAccessPerFilter(shared.sourceAccess),
      };
      return {
        name: v.name,
        domains: [...v.domains],
        routes: v.routes.map((r) => withBasicAuth(r, route(r, shared))),
        ...virtualHostRetry(shared.retry),
        ...headerFields(shared.headers),
        ...(Object.keys(configs).length > 0 ? { typed_per_filter_config: configs } : {}),
      };
    }),
    // Unknown hosts get a plain 404 from Envoy (no virtual host matches).
    ignore_port_in_host_matching: true,
  };
}
