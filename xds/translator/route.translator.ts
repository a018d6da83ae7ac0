/** IR virtual hosts -> Envoy RouteConfiguration. */
import type { RouteIR, VirtualHostIR } from '../../src/ir/ir-types.js';
import { BUFFER_FILTER_NAME, seconds, TYPES } from './common.js';
import { headerMatchers, weightedClusters } from './route-canary.js';
import { routeCorsFilterConfig, routeHeaderFields } from './route-headers.js';
import { routeHashPolicy } from './route-lb.js';
import { pathRewrite, redirectAction, regexPathMatch } from './route-paths.js';
import {
  compressionPerFilter,
  resilienceAction,
  sharedRetry,
  virtualHostRetry,
  type SharedRetry,
} from './route-resilience.js';

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
  return m;
}

/**
 * A forwarding RouteAction: the whole-request deadline (`0s` = none, the default), the idle timeout
 * between bytes, and WebSocket upgrades turned off for this route only when the Ingress asks.
 */
function forwardAction(r: RouteIR, cluster: string | object, shared: SharedRetry | undefined): object {
  return {
    ...(typeof cluster === 'string' ? { cluster } : cluster),
    timeout: seconds(r.timeoutSeconds),
    idle_timeout: seconds(r.idleTimeoutSeconds),
    ...pathRewrite(r.rewrite),
    ...(r.websocket ? {} : { upgrade_configs: [{ upgrade_type: 'websocket', enabled: false }] }),
    ...routeHashPolicy(r),
    ...resilienceAction(r.resilience, shared),
  };
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
function perFilterConfig(r: RouteIR, forwarding: boolean): object {
  const configs = {
    ...(forwarding ? { ...compressionPerFilter(r.resilience), ...bodyLimit(r) } : {}),
    ...routeCorsFilterConfig(r),
  };
  return Object.keys(configs).length > 0 ? { typed_per_filter_config: configs } : {};
}

function route(r: RouteIR, shared: SharedRetry | undefined): object {
  const base = { name: r.name, match: match(r) };
  switch (r.action.kind) {
    case 'forward':
      return {
        ...base,
        route: forwardAction(r, r.action.backend, shared),
        ...routeHeaderFields(r),
        ...perFilterConfig(r, true),
      };
    case 'weighted':
      return {
        ...base,
        route: forwardAction(r, weightedClusters(r.action.backends), shared),
        ...routeHeaderFields(r),
        ...perFilterConfig(r, true),
      };
    case 'direct':
      return {
        ...base,
        direct_response: { status: r.action.status, body: { inline_string: r.action.body } },
        ...routeHeaderFields(r),
        ...perFilterConfig(r, false),
      };
    case 'redirect':
      return {
        ...base,
        redirect: redirectAction(r.action),
        ...routeHeaderFields(r),
        ...perFilterConfig(r, false),
      };
  }
}

export function translateRouteConfiguration(name: string, vhosts: readonly VirtualHostIR[]): object {
  return {
    name,
    virtual_hosts: vhosts.map((v) => {
      const shared = sharedRetry(v.routes);
      return {
        name: v.name,
        domains: [...v.domains],
        routes: v.routes.map((r) => route(r, shared)),
        ...virtualHostRetry(shared),
      };
    }),
    // Unknown hosts get a plain 404 from Envoy (no virtual host matches).
    ignore_port_in_host_matching: true,
  };
}
