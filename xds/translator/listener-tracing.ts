/**
 * A group's OpenTelemetry tracing on its HTTP connection managers (TracingIR -> the HCM's `tracing`):
 * the OpenTelemetry tracer exporting OTLP over gRPC to the collector's cluster, random sampling at the
 * group's share, and a span of its own for each upstream request (the gateway is a hop of the trace:
 * the backend's `traceparent` names that span). Envoy propagates W3C trace context (`traceparent`)
 * upstream, joins a trace a client started, and keeps X-Request-Id on the spans (`guid:x-request-id`).
 */
import type { TracingIR } from '../../src/ir/ir-types.js';
import { TYPES } from './common.js';

/** The Envoy cluster the spans go to. */
export function tracingClusterName(t: TracingIR): string {
  return t.collector.kind === 'backend' ? t.collector.backend : t.collector.cluster;
}

/** The HCM's `tracing` field for `t`; nothing when the group has no tracing. */
export function hcmTracing(t: TracingIR | undefined): object {
  if (t === undefined) return {};
  return {
    tracing: {
      random_sampling: { value: t.samplingPercent },
      spawn_upstream_span: true,
      // The host the client asked for, on its own (http.url has it inside the URL).
      custom_tags: [{ tag: 'http.host', request_header: { name: ':authority' } }],
      provider: {
        name: 'envoy.tracers.opentelemetry',
        typed_config: {
          '@type': TYPES.openTelemetry,
          grpc_service: { envoy_grpc: { cluster_name: tracingClusterName(t) }, timeout: '5s' },
          service_name: t.serviceName,
        },
      },
    },
  };
}
