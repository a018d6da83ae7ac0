/**
 * IR listeners -> Envoy Listeners: HTTP (one HCM, RDS) and HTTPS (one filter chain per certificate, SNI).
 *
 * Each also has a draining form, served to a drained gateway (see docs/drain.md): its connection managers
 * close every connection after one request. Only the filter chains differ, so Envoy updates the listener
 * in place: new connections get the draining chains, and the connections of the serving chains are
 * drained (`Connection: close` on HTTP/1, GOAWAY on HTTP/2, from about a second after the update under
 * the default gradual strategy) and closed when --drain-time-s ends. Every request that arrives is served.
 */
import type {
  AccessLogIR,
  HttpListenerIR,
  HttpsListenerIR,
  TlsFilterChainIR,
  VirtualHostIR,
} from '../../src/ir/ir-types.js';
import { ADS_CONFIG_SOURCE, BUFFER_FILTER_NAME, CORS_FILTER_NAME, listenerBase, TYPES } from './common.js';
import { compressorFilters } from './listener-compression.js';
import { accessLogField, accessLogHttpFilters } from './listener-access-log.js';
import { basicAuthFilters, basicAuthLocalReply } from './listener-basic-auth.js';
import { withClientCert } from './listener-client-cert.js';
import { clientIpFields, proxyProtocolFilters, RBAC_HTTP_FILTER } from './listener-client-ip.js';
import { connectionLimitFilters } from './listener-connection-limit.js';
import { extAuthzFilters } from './listener-ext-auth.js';
import { passthroughFilterChains } from './listener-passthrough.js';
import { codecForAlpn, tlsParameters } from './listener-tls-options.js';
import { hcmTracing } from './listener-tracing.js';
import { LOCAL_RATE_LIMIT_FILTER } from './route-rate-limit.js';

/**
 * The CORS filter, off by default; a route of an Ingress with `causeway.dev/enable-cors` turns it on
 * with its own CorsPolicy (typed_per_filter_config), so one Ingress's CORS never touches another's routes.
 */
const CORS_FILTER = {
  name: CORS_FILTER_NAME,
  typed_config: { '@type': TYPES.cors },
  disabled: true,
} as const;

/**
 * The buffer filter, off by default so bodies stream unbuffered and unlimited; a route of an Ingress with
 * `causeway.dev/max-body-size` turns it on with its own limit (BufferPerRoute), answering 413 past it.
 * Envoy 1.40 has no per-route way to cap a body without buffering it; ingress-nginx buffers too.
 */
const BODY_LIMIT_FILTER = {
  name: BUFFER_FILTER_NAME,
  typed_config: { '@type': TYPES.buffer, max_request_bytes: 1048576 },
  disabled: true,
} as const;

/** What a listener's connection managers share: the group's edge settings (the same on HTTP and HTTPS). */
type ConnectionManagerInputs = Pick<HttpListenerIR, 'compression' | 'tracing' | 'clientAddress'>;

/**
 * Ingress routes see the Host without its port (`strip_any_host_port`, as before); a connection manager
 * whose routes all come from Gateway API routes (names `httproute/...`, `grpcroute/...`) passes the Host
 * as the client sent it, port included (the Gateway API conformance suite checks the backend sees it).
 * Except when one of them redirects to another scheme without a port: Envoy would keep the request's
 * port in the Location, where the spec wants the scheme's well-known one (left out).
 * Virtual hosts match whatever the port either way (`ignore_port_in_host_matching`, route.translator.ts).
 */
function stripHostPort(vhosts: readonly VirtualHostIR[]): { strip_any_host_port?: true } {
  const routes = vhosts.flatMap((v) => v.routes);
  const gatewayApiOnly = routes.length > 0 && routes.every((r) => /^[a-z]+route\//.test(r.name));
  const schemeRedirect = routes.some(
    (r) => r.action.kind === 'redirect' && r.action.scheme !== undefined && r.action.port === undefined,
  );
  return gatewayApiOnly && !schemeRedirect ? {} : { strip_any_host_port: true };
}

/** HTTP connection manager settings for an edge proxy (Envoy's edge best practices). */
function httpConnectionManager(
  statPrefix: string,
  routeConfigName: string,
  l: ConnectionManagerInputs,
  vhosts: readonly VirtualHostIR[],
  draining: boolean,
  accessLog: AccessLogIR | undefined,
  codec: object = {},
): object {
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': TYPES.hcm,
      stat_prefix: statPrefix,
      ...codec,
      rds: { route_config_name: routeConfigName, config_source: ADS_CONFIG_SOURCE },
      http_filters: [
        RBAC_HTTP_FILTER,
        ...basicAuthFilters(vhosts),
        ...extAuthzFilters(vhosts),
        LOCAL_RATE_LIMIT_FILTER,
        CORS_FILTER,
        ...compressorFilters(l.compression),
        BODY_LIMIT_FILTER,
        ...accessLogHttpFilters(accessLog),
        { name: 'envoy.filters.http.router', typed_config: { '@type': TYPES.router } },
      ],
      ...basicAuthLocalReply(vhosts),
      // WebSockets pass by default; a route of an Ingress with `causeway.dev/websocket: "false"` turns them off.
      upgrade_configs: [{ upgrade_type: 'websocket' }],
      use_remote_address: true,
      ...clientIpFields(l.clientAddress),
      // X-Request-Id as ingress-nginx passes it ($req_id): the client's own is kept, one is generated when
      // the client sent none, and the client gets it back in the response to quote in a bug report.
      generate_request_id: true,
      preserve_external_request_id: true,
      always_set_request_id_in_response: true,
      normalize_path: true,
      merge_slashes: true,
      path_with_escaped_slashes_action: 'UNESCAPE_AND_REDIRECT',
      ...stripHostPort(vhosts),
      common_http_protocol_options: {
        idle_timeout: '3600s',
        headers_with_underscores_action: 'REJECT_REQUEST',
        ...(draining ? { max_requests_per_connection: 1 } : {}),
      },
      http2_protocol_options: {
        max_concurrent_streams: 100,
        initial_stream_window_size: 65536,
        initial_connection_window_size: 1048576,
      },
      stream_idle_timeout: '300s',
      request_headers_timeout: '10s',
      ...hcmTracing(l.tracing),
      ...accessLogField(accessLog, 'http'),
    },
  };
}

export function httpRouteConfigName(l: HttpListenerIR): string {
  return l.name;
}

export function translateHttpListener(l: HttpListenerIR, draining = false, accessLog?: AccessLogIR): object {
  return {
    ...listenerBase(l.name, l.port),
    ...listenerFilters(proxyProtocolFilters(l.clientAddress)),
    filter_chains: [
      {
        name: l.name,
        filters: [
          ...connectionLimitFilters(l.connectionLimit, l.name),
          httpConnectionManager(l.name, httpRouteConfigName(l), l, l.virtualHosts, draining, accessLog),
        ],
      },
    ],
  };
}

function listenerFilters(filters: readonly object[]): object {
  return filters.length > 0 ? { listener_filters: filters } : {};
}

function tlsFilterChain(
  c: TlsFilterChainIR,
  l: HttpsListenerIR,
  draining: boolean,
  accessLog: AccessLogIR | undefined,
): object {
  return {
    name: c.name,
    ...(c.serverNames.length > 0 ? { filter_chain_match: { server_names: [...c.serverNames] } } : {}),
    filters: [
      ...connectionLimitFilters(l.connectionLimit, 'https'),
      httpConnectionManager(
        'https',
        c.name,
        l,
        c.virtualHosts,
        draining,
        accessLog,
        codecForAlpn(l.tlsOptions),
      ),
    ],
    transport_socket: {
      name: 'envoy.transport_sockets.tls',
      typed_config: withClientCert(
        {
          '@type': TYPES.downstreamTls,
          common_tls_context: {
            ...tlsParameters(l.tlsOptions),
            tls_certificate_sds_secret_configs: [{ name: c.secret, sds_config: ADS_CONFIG_SOURCE }],
          },
        },
        c.clientCert,
      ),
    },
  };
}

export function translateHttpsListener(
  l: HttpsListenerIR,
  draining = false,
  accessLog?: AccessLogIR,
): object {
  const sni = l.filterChains.filter((c) => c.serverNames.length > 0);
  const fallback = l.filterChains.find((c) => c.serverNames.length === 0);
  return {
    ...listenerBase(l.name, l.port),
    // The PROXY protocol header comes before the TLS ClientHello.
    listener_filters: [
      ...proxyProtocolFilters(l.clientAddress),
      { name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': TYPES.tlsInspector } },
    ],
    filter_chains: [
      ...sni.map((c) => tlsFilterChain(c, l, draining, accessLog)),
      ...passthroughFilterChains(l, accessLog),
    ],
    ...(fallback ? { default_filter_chain: tlsFilterChain(fallback, l, draining, accessLog) } : {}),
  };
}
