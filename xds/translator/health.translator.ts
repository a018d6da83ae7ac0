/**
 * IR health listener -> an Envoy Listener for the external load balancer's health check.
 *
 * Serving: Envoy's health check filter answers `GET <path>` itself (pass-through off): 200, or 503 once
 * Envoy's admin `POST /healthcheck/fail` was called (what the gateway stop script does). Draining (a
 * gateway drained through the controller, see docs/drain.md): the path answers 503 `draining`, whatever
 * the admin says. Any other path gets 404. The route table is inline, so a drain changes the listener
 * only (one LDS push). Every connection serves one request: a checker that keeps connections alive
 * would otherwise go on talking to the previous form (the in-place update leaves existing connections on
 * it) until Envoy's drain time ends.
 */
import type { HealthListenerIR } from '../../src/ir/ir-types.js';
import { listenerBase, TYPES } from './common.js';

function routeConfig(l: HealthListenerIR, draining: boolean): object {
  return {
    name: l.name,
    virtual_hosts: [
      {
        name: l.name,
        domains: ['*'],
        routes: [
          ...(draining
            ? [
                {
                  match: { path: l.path },
                  direct_response: { status: 503, body: { inline_string: 'draining\n' } },
                },
              ]
            : []),
          { match: { prefix: '/' }, direct_response: { status: 404 } },
        ],
      },
    ],
  };
}

const HEALTH_CHECK_FILTER = (path: string): object => ({
  name: 'envoy.filters.http.health_check',
  typed_config: {
    '@type': TYPES.healthCheck,
    pass_through_mode: false,
    headers: [{ name: ':path', string_match: { exact: path } }],
  },
});

export function translateHealthListener(l: HealthListenerIR, draining = false): object {
  return {
    ...listenerBase(l.name, l.port),
    filter_chains: [
      {
        name: l.name,
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': TYPES.hcm,
              stat_prefix: l.name,
              route_config: routeConfig(l, draining),
              http_filters: [
                ...(draining ? [] : [HEALTH_CHECK_FILTER(l.path)]),
                { name: 'envoy.filters.http.router', typed_config: { '@type': TYPES.router } },
              ],
              request_headers_timeout: '10s',
              stream_idle_timeout: '30s',
              common_http_protocol_options: { idle_timeout: '60s', max_requests_per_connection: 1 },
            },
          },
        ],
      },
    ],
  };
}
