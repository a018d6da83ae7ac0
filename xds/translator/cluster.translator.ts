/** IR backends -> Envoy Clusters (EDS over ADS) and ClusterLoadAssignments. */
import type { BackendIR } from '../../src/ir/ir-types.js';
import { clusterLoadBalancing } from './cluster-lb.js';
import { backendTransportSocket } from './cluster-backend-tls.js';
import { ADS_CONFIG_SOURCE, seconds, socketAddress, TYPES } from './common.js';

/** Explicit circuit-breaker limits: above Envoy's 1024 defaults, sized for a shared edge gateway. */
const CIRCUIT_BREAKERS = {
  thresholds: [
    {
      priority: 'DEFAULT',
      max_connections: 8192,
      max_pending_requests: 8192,
      max_requests: 8192,
      max_retries: 64,
    },
    {
      priority: 'HIGH',
      max_connections: 8192,
      max_pending_requests: 8192,
      max_requests: 8192,
      max_retries: 64,
    },
  ],
};

function healthChecks(b: BackendIR): object {
  const h = b.healthCheck;
  if (!h) return {};
  const check =
    h.kind === 'http'
      ? {
          http_health_check: {
            path: h.path,
            ...(b.protocol === 'http2' ? { codec_client_type: 'HTTP2' } : {}),
          },
        }
      : { tcp_health_check: {} };
  return {
    health_checks: [
      {
        timeout: seconds(h.timeoutSeconds),
        interval: seconds(h.intervalSeconds),
        // Spread checks so that a fleet of gateways does not probe every endpoint in step.
        interval_jitter_percent: 10,
        healthy_threshold: h.healthyThreshold,
        unhealthy_threshold: h.unhealthyThreshold,
        ...check,
      },
    ],
  };
}

function outlierDetection(b: BackendIR): object {
  const o = b.outlierDetection;
  if (!o) return {};
  return {
    outlier_detection: {
      consecutive_5xx: o.consecutive5xx,
      consecutive_gateway_failure: o.consecutive5xx,
      base_ejection_time: seconds(o.baseEjectionSeconds),
      max_ejection_percent: 50,
      interval: '5s',
    },
  };
}

export function translateCluster(b: BackendIR): object {
  const http = b.protocol === 'http2' ? { http2_protocol_options: {} } : { http_protocol_options: {} };
  return {
    name: b.name,
    type: 'EDS',
    eds_cluster_config: { eds_config: ADS_CONFIG_SOURCE, service_name: b.name },
    connect_timeout: seconds(b.connectTimeoutSeconds),
    ...clusterLoadBalancing(b),
    per_connection_buffer_limit_bytes: 32768,
    circuit_breakers: CIRCUIT_BREAKERS,
    ...healthChecks(b),
    ...outlierDetection(b),
    ...backendTransportSocket(b),
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': TYPES.httpProtocolOptions,
        common_http_protocol_options: { idle_timeout: '60s' },
        explicit_http_config: http,
      },
    },
  };
}

/**
 * Endpoints grouped by locality. Locality `region` carries the source cluster (Causeway's locality is
 * cluster + zone); `priority` 0 is preferred, higher priorities take traffic only on failover.
 */
export function translateClusterLoadAssignment(b: BackendIR): object {
  return {
    cluster_name: b.name,
    endpoints: b.endpoints.map((l) => ({
      locality: { region: l.cluster, ...(l.zone ? { zone: l.zone } : {}) },
      ...(l.priority > 0 ? { priority: l.priority } : {}),
      lb_endpoints: l.endpoints.map((e) => ({ endpoint: { address: socketAddress(e.address, e.port) } })),
    })),
  };
}
