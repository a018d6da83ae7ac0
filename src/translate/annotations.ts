/**
 * The annotation catalog: every annotation Causeway reads, with its target, default and validation.
 * `docs/annotations.md` documents each entry (a test checks the two agree).
 */

import {
  GATEWAY_GROUP,
  REQUEST_TIMEOUT,
  SSL_REDIRECT,
  parseBool,
  parseDurationSeconds,
  type AnnotationSpec,
  type ParseResult,
} from '../ingress/ingress-annotations.js';
import { CANARY_ANNOTATIONS } from './annotations-canary.js';
import { LB_ANNOTATIONS } from './annotations-lb.js';
import { PATHS_ANNOTATIONS } from './annotations-paths.js';
import { HEADERS_ANNOTATIONS } from './annotations-headers.js';
import { BACKEND_TLS_ANNOTATIONS } from './annotations-backend-tls.js';
import { RESILIENCE_ANNOTATIONS } from './annotations-resilience.js';
import { PASSTHROUGH_ANNOTATIONS } from './annotations-passthrough.js';
import { TRACING_ANNOTATIONS } from './annotations-tracing.js';
import { EXT_AUTH_ANNOTATIONS } from './annotations-ext-auth.js';
import { RATE_LIMIT_ANNOTATIONS } from './annotations-rate-limit.js';
import { CLIENT_CERT_ANNOTATIONS } from './annotations-client-cert.js';
import { ACCESS_LOG_ANNOTATIONS } from './annotations-access-log.js';
import { BASIC_AUTH_ANNOTATIONS } from './annotations-basic-auth.js';
import { SOURCE_ACCESS_ANNOTATIONS } from './annotations-source-access.js';

export const CONNECT_TIMEOUT: AnnotationSpec<number> = {
  name: 'causeway.dev/connect-timeout',
  targets: ['Service'],
  defaultText: '`2s`',
  description: 'TCP connect timeout to the endpoints of the Service. Between 1ms and 60s.',
  parse: (raw) => {
    const r = parseDurationSeconds(raw, 60);
    if (r.ok && r.value <= 0) return { ok: false, error: `"${raw}" must be greater than zero` };
    return r;
  },
};

export const GATEWAY_TCP_PORT: AnnotationSpec<number> = {
  name: 'causeway.dev/gateway-tcp-port',
  targets: ['Service'],
  defaultText: 'none',
  description:
    "Exposes the Service on this TCP port of its gateway group's gateways (Envoy TCP proxy), to its endpoints in every cluster and on VMs. The oldest Service wins a port; it may not be the group's HTTP or HTTPS port.",
  parse: (raw) => {
    const n = Number(raw);
    return /^\d+$/.test(raw) && n >= 1 && n <= 65535
      ? { ok: true, value: n }
      : { ok: false, error: `"${raw}" is not a port number (1-65535)` };
  },
};

export const GATEWAY_TCP_SERVICE_PORT: AnnotationSpec<{ name?: string; number?: number }> = {
  name: 'causeway.dev/gateway-tcp-service-port',
  targets: ['Service'],
  defaultText: 'the only port of the Service',
  description:
    'With `causeway.dev/gateway-tcp-port`: which port of the Service (name or number) the gateway forwards to; needed when the Service has several ports.',
  parse: (raw) =>
    /^\d+$/.test(raw)
      ? { ok: true, value: { number: Number(raw) } }
      : /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(raw)
        ? { ok: true, value: { name: raw } }
        : { ok: false, error: `"${raw}" is neither a port number nor a port name` },
};

export const GATEWAY_UDP_PORT: AnnotationSpec<number> = {
  name: 'causeway.dev/gateway-udp-port',
  targets: ['Service'],
  defaultText: 'none',
  description:
    "Exposes the Service's UDP port on this UDP port of its gateway group's gateways (Envoy UDP proxy, one session per client address), to its endpoints in every cluster and on VMs. The oldest Service wins a UDP port; a TCP listener may use the same number.",
  parse: GATEWAY_TCP_PORT.parse,
};

export const GATEWAY_UDP_SERVICE_PORT: AnnotationSpec<{ name?: string; number?: number }> = {
  name: 'causeway.dev/gateway-udp-service-port',
  targets: ['Service'],
  defaultText: 'the only UDP port of the Service',
  description:
    'With `causeway.dev/gateway-udp-port`: which UDP port of the Service (name or number) the gateway forwards to; needed when the Service has several UDP ports.',
  parse: GATEWAY_TCP_SERVICE_PORT.parse,
};

function durationBetween(minSeconds: number, maxSeconds: number): (raw: string) => ParseResult<number> {
  return (raw) => {
    const r = parseDurationSeconds(raw, maxSeconds);
    if (r.ok && r.value < minSeconds) return { ok: false, error: `"${raw}" is shorter than ${minSeconds}s` };
    return r;
  };
}

function integerBetween(min: number, max: number): (raw: string) => ParseResult<number> {
  return (raw) => {
    const n = Number(raw);
    return /^\d+$/.test(raw) && n >= min && n <= max
      ? { ok: true, value: n }
      : { ok: false, error: `"${raw}" is not a whole number from ${min} to ${max}` };
  };
}

export const HEALTH_CHECK_PATH: AnnotationSpec<string> = {
  name: 'causeway.dev/health-check-path',
  targets: ['Service'],
  defaultText: 'none (no active HTTP check)',
  description:
    'Gateways check every endpoint with an HTTP GET of this path (2xx is healthy) and send traffic only to healthy ones. Must start with `/`.',
  parse: (raw) =>
    /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$/.test(raw)
      ? { ok: true, value: raw }
      : { ok: false, error: `"${raw}" is not a URL path starting with "/"` },
};

export const HEALTH_CHECK_TCP: AnnotationSpec<boolean> = {
  name: 'causeway.dev/health-check-tcp',
  targets: ['Service'],
  defaultText: '`false`',
  description:
    'When `true` (and no health-check path is set), gateways check every endpoint with a TCP connect.',
  parse: parseBool,
};

export const HEALTH_CHECK_INTERVAL: AnnotationSpec<number> = {
  name: 'causeway.dev/health-check-interval',
  targets: ['Service'],
  defaultText: '`10s`',
  description: 'Time between two active checks of an endpoint. From 1s to 300s.',
  parse: durationBetween(1, 300),
};

export const HEALTH_CHECK_TIMEOUT: AnnotationSpec<number> = {
  name: 'causeway.dev/health-check-timeout',
  targets: ['Service'],
  defaultText: '`2s`',
  description: 'How long one active check may take. From 100ms to 60s.',
  parse: durationBetween(0.1, 60),
};

export const HEALTHY_THRESHOLD: AnnotationSpec<number> = {
  name: 'causeway.dev/health-check-healthy-threshold',
  targets: ['Service'],
  defaultText: '`2`',
  description: 'Successful checks in a row that make an endpoint healthy again. From 1 to 10.',
  parse: integerBetween(1, 10),
};

export const UNHEALTHY_THRESHOLD: AnnotationSpec<number> = {
  name: 'causeway.dev/health-check-unhealthy-threshold',
  targets: ['Service'],
  defaultText: '`3`',
  description: 'Failed checks in a row that take an endpoint out of rotation. From 1 to 10.',
  parse: integerBetween(1, 10),
};

export const OUTLIER_CONSECUTIVE_5XX: AnnotationSpec<number> = {
  name: 'causeway.dev/outlier-consecutive-5xx',
  targets: ['Service'],
  defaultText: 'none (no outlier detection)',
  description:
    'Ejects an endpoint from the load balancing pool after this many 5xx answers (or connect failures) in a row. From 1 to 1000.',
  parse: integerBetween(1, 1000),
};

export const OUTLIER_EJECTION_TIME: AnnotationSpec<number> = {
  name: 'causeway.dev/outlier-ejection-time',
  targets: ['Service'],
  defaultText: '`30s`',
  description:
    'Base time an ejected endpoint stays out (Envoy multiplies it by the number of ejections). From 1s to 3600s. At most half of the endpoints are ejected at once.',
  parse: durationBetween(1, 3600),
};

export type CrossClusterMode = 'failover' | 'round-robin';

export const CROSS_CLUSTER: AnnotationSpec<CrossClusterMode> = {
  name: 'causeway.dev/cross-cluster',
  targets: ['Service'],
  defaultText: '`failover`',
  description:
    "How a gateway group spreads traffic over the Service's clusters: `failover` (the group's home cluster first, other clusters only when it has no healthy endpoint) or `round-robin` (all clusters alike).",
  parse: (raw) =>
    raw === 'failover' || raw === 'round-robin'
      ? { ok: true, value: raw }
      : { ok: false, error: `"${raw}" is not "failover" or "round-robin"` },
};

export const IDLE_TIMEOUT: AnnotationSpec<number> = {
  name: 'causeway.dev/idle-timeout',
  targets: ['Ingress'],
  defaultText: '`60s`',
  description:
    'How long a request or response of every route of the Ingress may go without a byte before the gateway ends it (`0s` disables it). At most 3600s.',
  parse: (raw) => parseDurationSeconds(raw, 3600),
};

export const WEBSOCKET: AnnotationSpec<boolean> = {
  name: 'causeway.dev/websocket',
  targets: ['Ingress'],
  defaultText: '`true`',
  description:
    'When `false`, the routes of this Ingress refuse HTTP/1.1 WebSocket upgrades (403); other Ingresses on the same gateway keep them.',
  parse: parseBool,
};

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
/** Envoy's buffer limit is a uint32. */
const MAX_BODY_BYTES = 4294967295;

/** ingress-nginx's `proxy-body-size` syntax: bytes, or a number with `k`, `m` or `g` (powers of 1024). */
export function parseBodySize(raw: string): ParseResult<number> {
  const m = /^(\d+)([kKmMgG]?)$/.exec(raw);
  if (!m) return { ok: false, error: `"${raw}" is not a size like 512k, 10m, 1g or a number of bytes` };
  const bytes = Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!;
  if (bytes > MAX_BODY_BYTES)
    return { ok: false, error: `"${raw}" is larger than the maximum of 4g - 1 bytes` };
  return { ok: true, value: bytes };
}

export const MAX_BODY_SIZE: AnnotationSpec<number> = {
  name: 'causeway.dev/max-body-size',
  targets: ['Ingress'],
  defaultText: 'none (unlimited)',
  description:
    'Largest request body the routes of the Ingress accept; a larger one is answered 413. Bytes, or `k`, `m`, `g` (1024-based), like ingress-nginx `proxy-body-size`; `0` means unlimited. A capped route buffers each request body (up to the cap) before forwarding it.',
  parse: parseBodySize,
};

export const ANNOTATIONS: readonly AnnotationSpec<unknown>[] = [
  GATEWAY_GROUP,
  REQUEST_TIMEOUT,
  IDLE_TIMEOUT,
  WEBSOCKET,
  MAX_BODY_SIZE,
  SSL_REDIRECT,
  CONNECT_TIMEOUT,
  CROSS_CLUSTER,
  GATEWAY_TCP_PORT,
  GATEWAY_TCP_SERVICE_PORT,
  GATEWAY_UDP_PORT,
  GATEWAY_UDP_SERVICE_PORT,
  HEALTH_CHECK_PATH,
  HEALTH_CHECK_TCP,
  HEALTH_CHECK_INTERVAL,
  HEALTH_CHECK_TIMEOUT,
  HEALTHY_THRESHOLD,
  UNHEALTHY_THRESHOLD,
  OUTLIER_CONSECUTIVE_5XX,
  OUTLIER_EJECTION_TIME,
  ...CANARY_ANNOTATIONS,
  ...LB_ANNOTATIONS,
  ...PATHS_ANNOTATIONS,
  ...HEADERS_ANNOTATIONS,
  ...BACKEND_TLS_ANNOTATIONS,
  ...RESILIENCE_ANNOTATIONS,
  ...PASSTHROUGH_ANNOTATIONS,
  ...TRACING_ANNOTATIONS,
  ...EXT_AUTH_ANNOTATIONS,
  ...RATE_LIMIT_ANNOTATIONS,
  ...CLIENT_CERT_ANNOTATIONS,
  ...ACCESS_LOG_ANNOTATIONS,
  ...BASIC_AUTH_ANNOTATIONS,
  ...SOURCE_ACCESS_ANNOTATIONS,
];

export const DEFAULT_CONNECT_TIMEOUT_SECONDS = 2;
/** ingress-nginx's 60 s read timeout, measured between bytes. */
export const DEFAULT_IDLE_TIMEOUT_SECONDS = 60;
