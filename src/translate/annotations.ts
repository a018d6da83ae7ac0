/**
 * The annotation catalog: every annotation Causeway reads, with its target, default and validation.
 * `docs/annotations.md` documents each entry (a test checks the two agree).
 */

export type AnnotationTarget = 'Ingress' | 'IngressClass' | 'Service';

export type ParseResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export interface AnnotationSpec<T> {
  readonly name: string;
  readonly targets: readonly AnnotationTarget[];
  readonly defaultText: string;
  readonly description: string;
  readonly parse: (raw: string) => ParseResult<T>;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function parseDurationSeconds(raw: string, max: number): ParseResult<number> {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(raw.trim());
  if (!m) return { ok: false, error: `"${raw}" is not a duration like 500ms, 15s or 2m` };
  const n = Number(m[1]) * (m[2] === 'ms' ? 0.001 : m[2] === 'm' ? 60 : 1);
  if (n > max) return { ok: false, error: `"${raw}" is longer than the maximum of ${max}s` };
  return { ok: true, value: Math.round(n * 1000) / 1000 };
}

function parseBool(raw: string): ParseResult<boolean> {
  if (raw === 'true') return { ok: true, value: true };
  if (raw === 'false') return { ok: true, value: false };
  return { ok: false, error: `"${raw}" is not "true" or "false"` };
}

export const GATEWAY_GROUP: AnnotationSpec<string> = {
  name: 'causeway.dev/gateway-group',
  targets: ['Ingress', 'IngressClass', 'Service'],
  defaultText: 'the IngressClass annotation, else `default`',
  description:
    'The gateway group (fleet) that serves the Ingress (or the TCP Service). A DNS label. On a Service it only matters with `causeway.dev/gateway-tcp-port`; default `default`.',
  parse: (raw) =>
    DNS_LABEL.test(raw)
      ? { ok: true, value: raw }
      : { ok: false, error: `"${raw}" is not a DNS label (a-z, 0-9, -; at most 63)` },
};

export const REQUEST_TIMEOUT: AnnotationSpec<number> = {
  name: 'causeway.dev/request-timeout',
  targets: ['Ingress'],
  defaultText: '`15s`',
  description: 'Upstream request timeout of every route of the Ingress (`0s` disables it). At most 3600s.',
  parse: (raw) => parseDurationSeconds(raw, 3600),
};

export const SSL_REDIRECT: AnnotationSpec<boolean> = {
  name: 'causeway.dev/ssl-redirect',
  targets: ['Ingress'],
  defaultText: '`false`',
  description:
    'When `true`, plain-HTTP requests for the hosts of this Ingress that have TLS are redirected to HTTPS (301).',
  parse: parseBool,
};

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

export const ANNOTATIONS: readonly AnnotationSpec<unknown>[] = [
  GATEWAY_GROUP,
  REQUEST_TIMEOUT,
  SSL_REDIRECT,
  CONNECT_TIMEOUT,
  CROSS_CLUSTER,
  GATEWAY_TCP_PORT,
  GATEWAY_TCP_SERVICE_PORT,
];

export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 15;
export const DEFAULT_CONNECT_TIMEOUT_SECONDS = 2;
