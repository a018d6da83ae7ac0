/**
 * ALB target group settings, on the Ingress or on the Service (the Service's value wins): backend
 * protocol and version, health check, success codes and target group attributes.
 */
import {
  ALB_PREFIX,
  attributePair,
  fail,
  integerBetween,
  keyValues,
  ok,
  oneOf,
  secondsAttribute,
  type AlbAnnotationSpec,
} from './alb-annotation-parsers.js';

export const BACKEND_PROTOCOL: AlbAnnotationSpec<'HTTP' | 'HTTPS'> = {
  name: `${ALB_PREFIX}backend-protocol`,
  targets: ['Ingress', 'Service'],
  scope: 'ingress',
  onInvalid: 'default',
  defaultText: '`HTTP`',
  description: 'Protocol from the load balancer to the pods: `HTTP` or `HTTPS`.',
  parse: oneOf<'HTTP' | 'HTTPS'>(['HTTP', 'HTTPS']),
};

export const BACKEND_PROTOCOL_VERSION: AlbAnnotationSpec<'HTTP1' | 'HTTP2' | 'GRPC'> = {
  name: `${ALB_PREFIX}backend-protocol-version`,
  targets: ['Ingress', 'Service'],
  scope: 'ingress',
  onInvalid: 'default',
  defaultText: '`HTTP1`',
  description: '`HTTP1`, `HTTP2` or `GRPC` (AWS needs `backend-protocol: HTTPS` for the last two).',
  parse: oneOf<'HTTP1' | 'HTTP2' | 'GRPC'>(['HTTP1', 'HTTP2', 'GRPC']),
};

export const HEALTHCHECK_PATH: AlbAnnotationSpec<string> = {
  name: `${ALB_PREFIX}healthcheck-path`,
  targets: ['Ingress', 'Service'],
  scope: 'ingress',
  onInvalid: 'default',
  defaultText: '`/`',
  description: 'Path of the target health check. Starts with `/`, at most 1024 characters.',
  parse: (raw) =>
    /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]{0,1023}$/.test(raw)
      ? ok(raw)
      : fail(`"${raw}" is not a URL path starting with "/"`),
};

export const HEALTHCHECK_PORT: AlbAnnotationSpec<string> = {
  name: `${ALB_PREFIX}healthcheck-port`,
  targets: ['Ingress', 'Service'],
  scope: 'ingress',
  onInvalid: 'default',
  defaultText: '`traffic-port`',
  description: '`traffic-port` (the pod port the target group sends traffic to) or a port number.',
  parse: (raw) => {
    if (raw === 'traffic-port') return ok(raw);
    const n = Number(raw);
    return /^\d+$/.test(raw) && n >= 1 && n <= 65535
      ? ok(String(n))
      : fail(`"${raw}" is not "traffic-port" or a port number`);
  },
};

export const HEALTHCHECK_PROTOCOL: AlbAnnotationSpec<'HTTP' | 'HTTPS'> = {
  name: `${ALB_PREFIX}healthcheck-protocol`,
  targets: ['Ingress', 'Service'],
  scope: 'ingress',
  onInvalid: 'default',
  defaultText: '`HTTP`',
  description: '`HTTP` or `HTTPS`.',
  parse: oneOf<'HTTP' | 'HTTPS'>(['HTTP', 'HTTPS']),
};

export const HEALTHCHECK_INTERVAL: AlbAnnotationSpec<number> = {
  name: `${ALB_PREFIX}healthcheck-interval-seconds`,
  targets: ['Ingress', 'Service'],
  scope: 'ingress',
  onInvalid: 'default',
  defaultText: '`15`',
  description: 'Seconds between two checks of a target, 5 to 300; must exceed the timeout.',
  parse: integerBetween(5, 300),
};

export const HEALTHCHECK_TIMEOUT: AlbAnnotationSpec<number> = {
  name: `${ALB_PREFIX}healthcheck-timeout-seconds`,
  targets: ['Ingress', 'Service'],
  scope: 'ingress',
  onInvalid: 'default',
  defaultText: '`5`',
  description: 'Seconds one check may take, 2 to 120; less than the interval.',
  parse: integerBetween(2, 120),
};

export const HEALTHY_THRESHOLD: AlbAnnotationSpec<number> = {
  name: `${ALB_PREFIX}healthcheck-healthy-threshold-count`,
  targets: ['Ingress', 'Service'],
  scope: 'ingress',
  onInvalid: 'default',
  defaultText: '`2`',
  description: 'Successful checks in a row that make a target healthy, 2 to 10.',
  parse: integerBetween(2, 10),
};

export const UNHEALTHY_THRESHOLD: AlbAnnotationSpec<number> = {
  name: `${ALB_PREFIX}healthcheck-unhealthy-threshold-count`,
  targets: ['Ingress', 'Service'],
  scope: 'ingress',
  onInvalid: 'default',
  defaultText: '`2`',
  description: 'Failed checks in a row that make a target unhealthy, 2 to 10.',
  parse: integerBetween(2, 10),
};

export const SUCCESS_CODES: AlbAnnotationSpec<string> = {
  name: `${ALB_PREFIX}healthcheck-success-codes`,
  targets: ['Ingress', 'Service'],
  scope: 'ingress',
  onInvalid: 'default',
  defaultText: '`200`',
  description: 'HTTP codes of a healthy answer, 200 to 499: `200`, `200,204` or `200-399`.',
  parse: (raw) => {
    const inRange = (s: string): boolean => /^\d{3}$/.test(s) && Number(s) >= 200 && Number(s) <= 499;
    const parts = raw.split(',');
    const good = parts.every((p) => {
      const r = p.split('-');
      return r.length === 1
        ? inRange(r[0]!)
        : r.length === 2 && inRange(r[0]!) && inRange(r[1]!) && r[0]! < r[1]!;
    });
    return good ? ok(raw) : fail(`"${raw}" is not like 200, 200,204 or 200-399 (codes 200 to 499)`);
  },
};

export const TARGET_GROUP_ATTRIBUTES: AlbAnnotationSpec<Readonly<Record<string, string>>> = {
  name: `${ALB_PREFIX}target-group-attributes`,
  targets: ['Ingress', 'Service'],
  scope: 'ingress',
  onInvalid: 'default',
  defaultText: '`deregistration_delay.timeout_seconds=300`',
  description:
    "Target group attributes, `key=value,...`: `deregistration_delay.timeout_seconds` (0 to 3600; pair it with the pods' preStop delay, see docs/alb.md), `slow_start.duration_seconds` (0 or 30 to 900), `load_balancing.algorithm.type`, `stickiness.*`, ...",
  parse: keyValues((key, value) => {
    const base = attributePair(key, value);
    if (base !== undefined) return base;
    if (key === 'deregistration_delay.timeout_seconds') return secondsAttribute(key, value, 0, 3600);
    if (key === 'slow_start.duration_seconds') {
      return value === '0' ? undefined : secondsAttribute(key, value, 30, 900);
    }
    return undefined;
  }),
};

export const DEFAULT_TARGET_GROUP_ATTRIBUTES: Readonly<Record<string, string>> = {
  'deregistration_delay.timeout_seconds': '300',
};
