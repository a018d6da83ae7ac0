/** Small pieces of Envoy config shared by the translators (canonical proto3 JSON). */

export const ADS_CONFIG_SOURCE = { ads: {}, resource_api_version: 'V3' } as const;

export function seconds(n: number): string {
  // Envoy's JSON duration form; up to millisecond precision.
  return `${Number.isInteger(n) ? n : n.toFixed(3).replace(/0+$/, '')}s`;
}

export function socketAddress(address: string, port: number): object {
  return { socket_address: { address, port_value: port } };
}

/** What every gateway listener shares: its name, 0.0.0.0:port, and a 32 KiB per-connection buffer limit. */
export function listenerBase(name: string, port: number): object {
  return { name, address: socketAddress('0.0.0.0', port), per_connection_buffer_limit_bytes: 32768 };
}

export const TYPES = {
  hcm: 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  router: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
  buffer: 'type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer',
  bufferPerRoute: 'type.googleapis.com/envoy.extensions.filters.http.buffer.v3.BufferPerRoute',
  cors: 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors',
  corsPolicy: 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy',
  basicAuth: 'type.googleapis.com/envoy.extensions.filters.http.basic_auth.v3.BasicAuth',
  basicAuthPerRoute: 'type.googleapis.com/envoy.extensions.filters.http.basic_auth.v3.BasicAuthPerRoute',
  healthCheck: 'type.googleapis.com/envoy.extensions.filters.http.health_check.v3.HealthCheck',
  tlsInspector: 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
  tcpProxy: 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
  downstreamTls: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
  upstreamTls: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
  compressor: 'type.googleapis.com/envoy.extensions.filters.http.compressor.v3.Compressor',
  compressorPerRoute: 'type.googleapis.com/envoy.extensions.filters.http.compressor.v3.CompressorPerRoute',
  brotli: 'type.googleapis.com/envoy.extensions.compression.brotli.compressor.v3.Brotli',
  gzip: 'type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip',
  zstd: 'type.googleapis.com/envoy.extensions.compression.zstd.compressor.v3.Zstd',
  previousHosts: 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate',
  httpProtocolOptions: 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
  lbRoundRobin: 'type.googleapis.com/envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin',
  lbLeastRequest:
    'type.googleapis.com/envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest',
  lbRingHash: 'type.googleapis.com/envoy.extensions.load_balancing_policies.ring_hash.v3.RingHash',
  lbMaglev: 'type.googleapis.com/envoy.extensions.load_balancing_policies.maglev.v3.Maglev',
  lbRandom: 'type.googleapis.com/envoy.extensions.load_balancing_policies.random.v3.Random',
  openTelemetry: 'type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig',
  extAuthz: 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz',
  extAuthzPerRoute: 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute',
  headerMutation: 'type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation',
  headerMutationPerRoute:
    'type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutationPerRoute',
  lua: 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua',
  luaPerRoute: 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.LuaPerRoute',
  localRateLimit: 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
  connectionLimit: 'type.googleapis.com/envoy.extensions.filters.network.connection_limit.v3.ConnectionLimit',
  setMetadata: 'type.googleapis.com/envoy.extensions.filters.http.set_metadata.v3.Config',
  stdoutAccessLog: 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog',
  stderrAccessLog: 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StderrAccessLog',
  fileAccessLog: 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog',
  rbac: 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC',
  rbacPerRoute: 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute',
  proxyProtocol: 'type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol',
  xffIpDetection: 'type.googleapis.com/envoy.extensions.http.original_ip_detection.xff.v3.XffConfig',
} as const;

/** The HTTP filter that caps request bodies on the routes that ask (see listener.translator.ts). */
export const BUFFER_FILTER_NAME = 'envoy.filters.http.buffer';

/** Removes the client's copies of the auth response headers (see listener-ext-auth.ts). */
export const AUTH_STRIP_FILTER_NAME = 'causeway.auth_response_headers';
/** The local rate limit filter, turned on per route by a LocalRateLimit (see route-rate-limit.ts). */
export const LOCAL_RATE_LIMIT_FILTER_NAME = 'envoy.filters.http.local_ratelimit';
/** The basic auth filter, turned on per route by a BasicAuthPerRoute (see route-basic-auth.ts). */
export const BASIC_AUTH_FILTER_NAME = 'envoy.filters.http.basic_auth';
/** The RBAC filter of source allow/deny lists, turned on per route (see route-source-access.ts). */
export const RBAC_FILTER_NAME = 'envoy.filters.http.rbac';
/** The ext_authz filter asking the controller to check bcrypt htpasswd Secrets (see listener-basic-auth.ts). */
export const BASIC_AUTH_CHECK_FILTER_NAME = 'causeway.basic_auth_check';
/** The gateway's static cluster to the controller (ADS, and the basic auth check): the bootstrap's. */
export const XDS_CLUSTER_NAME = 'causeway_xds';
/**
 * The context extensions of a route's basic auth check (read by xds/server/ext-authz-service.ts, which
 * keeps its own copy of these names: xds/server sits below xds/translator).
 */
export const BASIC_AUTH_CHECK_EXTENSIONS = { secret: 'causeway.secret', realm: 'causeway.realm' } as const;

/** The CORS filter, turned on per route by a CorsPolicy (see route-headers.ts). */
export const CORS_FILTER_NAME = 'envoy.filters.http.cors';

/** The compressor filter of one response encoding (see listener.translator.ts, route-resilience.ts). */
export function compressorFilterName(encoding: 'br' | 'zstd' | 'gzip'): string {
  return `envoy.filters.http.compressor.${encoding}`;
}
