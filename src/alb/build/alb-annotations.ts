/**
 * The ALB annotation catalog: every `alb.causeway.dev/*` annotation, with where it may be set, whether it
 * is a group setting (every Ingress of an IngressGroup must agree) or an Ingress setting, its default,
 * its validation and what a bad value does. The ALB section of `docs/annotations.md` is rendered from
 * this catalog (`renderAlbAnnotationTable`); a test checks the two agree.
 */
import type { AnnotationSpec, ParseResult } from '../../ingress/ingress-annotations.js';

export const ALB_PREFIX = 'alb.causeway.dev/';

export interface AlbAnnotationSpec<T> extends AnnotationSpec<T> {
  /**
   * `group`: a setting of the IngressGroup's load balancer; every Ingress of the group that sets it must
   * set the same value. `ingress`: applies to this Ingress's rules and target groups only.
   */
  readonly scope: 'group' | 'ingress';
  /**
   * What a bad value does: `exclude` leaves the Ingress out of its group (the rest of the group keeps
   * working; a guessed value could expose it wrongly), `default` uses the default.
   */
  readonly onInvalid: 'exclude' | 'default';
}

export type AlbScheme = 'internet-facing' | 'internal';
export type ListenPort = { readonly protocol: 'HTTP' | 'HTTPS'; readonly port: number };
/** `enabled` with the HTTPS port to redirect to (undefined: the group's lowest HTTPS port). */
export type SslRedirect = { readonly enabled: boolean; readonly port?: number };
export interface WeightedServiceRef {
  readonly serviceName: string;
  /** A Service port number or name. */
  readonly servicePort: number | string;
  readonly weight: number;
}
/** `alb.causeway.dev/actions.<name>`: a forward to several Services with weights. */
export interface ForwardActionAnnotation {
  readonly type: 'forward';
  readonly targetGroups: readonly WeightedServiceRef[];
}

const ok = <T>(value: T): ParseResult<T> => ({ ok: true, value });
const fail = <T>(error: string): ParseResult<T> => ({ ok: false, error });

function commaList(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function idList(kind: string, pattern: RegExp): (raw: string) => ParseResult<readonly string[]> {
  return (raw) => {
    const ids = commaList(raw);
    if (ids.length === 0) return fail(`"${raw}" lists no ${kind}`);
    const bad = ids.find((id) => !pattern.test(id));
    if (bad !== undefined) return fail(`"${bad}" is not a ${kind} ID`);
    return ok([...new Set(ids)].sort());
  };
}

function integerBetween(min: number, max: number): (raw: string) => ParseResult<number> {
  return (raw) => {
    const t = raw.trim();
    const n = Number(t);
    return /^-?\d+$/.test(t) && n >= min && n <= max
      ? ok(n)
      : fail(`"${raw}" is not a whole number from ${min} to ${max}`);
  };
}

function oneOf<T extends string>(values: readonly T[]): (raw: string) => ParseResult<T> {
  return (raw) =>
    (values as readonly string[]).includes(raw)
      ? ok(raw as T)
      : fail(`"${raw}" is not one of ${values.map((v) => `"${v}"`).join(', ')}`);
}

/** `key=value,key=value` into a sorted record; `check` validates each pair. */
function keyValues(
  check: (key: string, value: string) => string | undefined,
): (raw: string) => ParseResult<Readonly<Record<string, string>>> {
  return (raw) => {
    const out: Record<string, string> = {};
    for (const pair of commaList(raw)) {
      const eq = pair.indexOf('=');
      if (eq <= 0) return fail(`"${pair}" is not key=value`);
      const key = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (key in out) return fail(`key "${key}" is given twice`);
      const err = check(key, value);
      if (err !== undefined) return fail(err);
      out[key] = value;
    }
    if (Object.keys(out).length === 0) return fail(`"${raw}" holds no key=value pair`);
    return ok(Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1))));
  };
}

const ATTRIBUTE_KEY = /^[a-z0-9_.]{1,256}$/;
const attributePair = (key: string, value: string): string | undefined =>
  !ATTRIBUTE_KEY.test(key)
    ? `"${key}" is not an attribute key (a-z, 0-9, "_", ".")`
    : value === '' || value.length > 1024
      ? `attribute "${key}" needs a value of 1 to 1024 characters`
      : undefined;

function secondsAttribute(key: string, value: string, min: number, max: number): string | undefined {
  const n = Number(value);
  return /^\d+$/.test(value) && n >= min && n <= max
    ? undefined
    : `${key} "${value}" is not a whole number of seconds from ${min} to ${max}`;
}

// ---------------------------------------------------------------------------------------------------
// Group settings (the load balancer)

export const SCHEME: AlbAnnotationSpec<AlbScheme> = {
  name: `${ALB_PREFIX}scheme`,
  targets: ['Ingress'],
  scope: 'group',
  onInvalid: 'exclude',
  defaultText: '`internal`',
  description:
    '`internet-facing` or `internal`. Picks the subnets too: those tagged `kubernetes.io/role/elb` or `kubernetes.io/role/internal-elb`.',
  parse: oneOf<AlbScheme>(['internet-facing', 'internal']),
};

export const IP_ADDRESS_TYPE: AlbAnnotationSpec<'ipv4' | 'dualstack'> = {
  name: `${ALB_PREFIX}ip-address-type`,
  targets: ['Ingress'],
  scope: 'group',
  onInvalid: 'exclude',
  defaultText: '`ipv4`',
  description: '`ipv4` or `dualstack`.',
  parse: oneOf<'ipv4' | 'dualstack'>(['ipv4', 'dualstack']),
};

export const SUBNETS: AlbAnnotationSpec<readonly string[]> = {
  name: `${ALB_PREFIX}subnets`,
  targets: ['Ingress'],
  scope: 'group',
  onInvalid: 'exclude',
  defaultText: "the VPC's subnets tagged for the scheme, one per zone",
  description: 'Comma-separated subnet IDs (`subnet-0abc...`), at least two zones (an AWS rule).',
  parse: idList('subnet', /^subnet-[0-9a-f]{8,17}$/),
};

export const SECURITY_GROUPS: AlbAnnotationSpec<readonly string[]> = {
  name: `${ALB_PREFIX}security-groups`,
  targets: ['Ingress'],
  scope: 'group',
  onInvalid: 'exclude',
  defaultText: "none (AWS attaches the VPC's default security group)",
  description: 'Comma-separated security group IDs (`sg-0abc...`) of the load balancer.',
  parse: idList('security group', /^sg-[0-9a-f]{8,17}$/),
};

export const LOAD_BALANCER_ATTRIBUTES: AlbAnnotationSpec<Readonly<Record<string, string>>> = {
  name: `${ALB_PREFIX}load-balancer-attributes`,
  targets: ['Ingress'],
  scope: 'group',
  onInvalid: 'exclude',
  defaultText: 'none (AWS defaults)',
  description:
    'Load balancer attributes as `key=value,key=value`, e.g. `idle_timeout.timeout_seconds=120,routing.http2.enabled=true`. Only the keys given are managed.',
  parse: keyValues((key, value) => {
    const base = attributePair(key, value);
    if (base !== undefined) return base;
    if (key === 'idle_timeout.timeout_seconds') return secondsAttribute(key, value, 1, 4000);
    return undefined;
  }),
};

const RESERVED_TAG_PREFIXES = ['aws:', 'causeway.dev/'];
export const TAGS: AlbAnnotationSpec<Readonly<Record<string, string>>> = {
  name: `${ALB_PREFIX}tags`,
  targets: ['Ingress'],
  scope: 'group',
  onInvalid: 'exclude',
  defaultText: 'none',
  description:
    'Extra AWS tags on every resource of the group, `key=value,key=value` (at most 40; keys starting with `aws:` or `causeway.dev/` are reserved).',
  parse: (raw) => {
    const r = keyValues((key, value) =>
      key.length > 128
        ? `tag key "${key.slice(0, 20)}..." is longer than 128 characters`
        : value.length > 256
          ? `tag "${key}" has a value longer than 256 characters`
          : RESERVED_TAG_PREFIXES.some((p) => key.startsWith(p))
            ? `tag key "${key}" uses a reserved prefix (aws:, causeway.dev/)`
            : undefined,
    )(raw);
    if (r.ok && Object.keys(r.value).length > 40)
      return fail(`${Object.keys(r.value).length} tags; at most 40`);
    return r;
  },
};

export const DEFAULT_SSL_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';
export const SSL_POLICY: AlbAnnotationSpec<string> = {
  name: `${ALB_PREFIX}ssl-policy`,
  targets: ['Ingress'],
  scope: 'group',
  onInvalid: 'exclude',
  defaultText: `\`${DEFAULT_SSL_POLICY}\``,
  description: 'The security policy of the HTTPS listeners (an `ELBSecurityPolicy-*` name).',
  parse: (raw) =>
    /^ELBSecurityPolicy-[A-Za-z0-9-]{1,100}$/.test(raw)
      ? ok(raw)
      : fail(`"${raw}" is not an ELBSecurityPolicy-* policy name`),
};

export const SSL_REDIRECT: AlbAnnotationSpec<SslRedirect> = {
  name: `${ALB_PREFIX}ssl-redirect`,
  targets: ['Ingress'],
  scope: 'group',
  onInvalid: 'exclude',
  defaultText: '`false`',
  description:
    "`true` (or an HTTPS port such as `443`): every HTTP listener of the group only redirects to HTTPS (301) and carries no rules. `true` redirects to the group's lowest HTTPS port.",
  parse: (raw) => {
    if (raw === 'true') return ok({ enabled: true });
    if (raw === 'false') return ok({ enabled: false });
    const n = Number(raw);
    return /^\d+$/.test(raw) && n >= 1 && n <= 65535
      ? ok({ enabled: true, port: n })
      : fail(`"${raw}" is not "true", "false" or a port number`);
  },
};

// ---------------------------------------------------------------------------------------------------
// Ingress settings

export const GROUP_NAME: AlbAnnotationSpec<string> = {
  name: `${ALB_PREFIX}group.name`,
  targets: ['Ingress'],
  scope: 'ingress',
  onInvalid: 'exclude',
  defaultText: 'none: the Ingress alone (`<namespace>/<name>`)',
  description:
    'Ingresses with the same group name share load balancers (an IngressGroup), across namespaces. Lowercase letters, digits, `-` and `.`; at most 63.',
  parse: (raw) =>
    /^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/.test(raw)
      ? ok(raw)
      : fail(`"${raw}" is not a group name (a-z, 0-9, "-", "."; at most 63; starts and ends alphanumeric)`),
};

export const GROUP_ORDER: AlbAnnotationSpec<number> = {
  name: `${ALB_PREFIX}group.order`,
  targets: ['Ingress'],
  scope: 'ingress',
  onInvalid: 'exclude',
  defaultText: '`0`',
  description:
    "Order of the Ingress within its group, -1000 to 1000: lower first. The first Ingress wins a conflict (same host and path, the default backend, a group setting) and gives its certificate as the HTTPS listeners' default; ties go to the oldest. Rule order follows path specificity, not this.",
  parse: integerBetween(-1000, 1000),
};

export const LISTEN_PORTS: AlbAnnotationSpec<readonly ListenPort[]> = {
  name: `${ALB_PREFIX}listen-ports`,
  targets: ['Ingress'],
  scope: 'ingress',
  onInvalid: 'exclude',
  defaultText: '`[{"HTTP":80}]`, plus `{"HTTPS":443}` when the Ingress has TLS',
  description:
    'JSON list of the listeners that carry this Ingress\'s rules, e.g. `[{"HTTP":80},{"HTTPS":443}]`. The group\'s listeners are the union over its Ingresses.',
  parse: (raw) => {
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch {
      return fail(`"${raw}" is not JSON`);
    }
    if (!Array.isArray(v) || v.length === 0) return fail(`"${raw}" is not a non-empty JSON list`);
    const out = new Map<number, ListenPort>();
    for (const item of v as unknown[]) {
      const entries = typeof item === 'object' && item !== null ? Object.entries(item) : [];
      if (entries.length !== 1) return fail(`${JSON.stringify(item)} is not like {"HTTP": 80}`);
      const [protocol, port] = entries[0]!;
      if (protocol !== 'HTTP' && protocol !== 'HTTPS')
        return fail(`protocol "${protocol}" is not HTTP or HTTPS`);
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
        return fail(`port ${JSON.stringify(port)} is not a port number (1-65535)`);
      const prev = out.get(port);
      if (prev && prev.protocol !== protocol) return fail(`port ${port} is listed as both HTTP and HTTPS`);
      out.set(port, { protocol, port });
    }
    return ok([...out.values()].sort((a, b) => a.port - b.port));
  },
};

export const CERTIFICATE_ARN: AlbAnnotationSpec<readonly string[]> = {
  name: `${ALB_PREFIX}certificate-arn`,
  targets: ['Ingress'],
  scope: 'ingress',
  onInvalid: 'exclude',
  defaultText: "discovered: the ACM certificates covering the Ingress's TLS hosts",
  description:
    "Comma-separated ACM certificate ARNs added to the Ingress's HTTPS listeners. The first of the group's first Ingress is the listener's default certificate.",
  parse: (raw) => {
    const arns = commaList(raw);
    if (arns.length === 0) return fail(`"${raw}" lists no ARN`);
    const bad = arns.find(
      (a) => !/^arn:aws[a-z-]*:(acm|iam):[a-z0-9-]*:\d{12}:(certificate|server-certificate)\/.+$/.test(a),
    );
    if (bad !== undefined) return fail(`"${bad}" is not an ACM or IAM certificate ARN`);
    return ok([...new Set(arns)]);
  },
};

export const ACTIONS_PREFIX = `${ALB_PREFIX}actions.`;
export const USE_ANNOTATION = 'use-annotation';

export const ACTION: AlbAnnotationSpec<ForwardActionAnnotation> = {
  name: `${ACTIONS_PREFIX}<name>`,
  targets: ['Ingress'],
  scope: 'ingress',
  onInvalid: 'default',
  defaultText: 'none',
  description:
    'A weighted forward, used by a backend `{service: {name: <name>, port: {name: use-annotation}}}`: `{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"a","servicePort":80,"weight":90},{"serviceName":"b","servicePort":"http","weight":10}]}}`. 1 to 5 Services, weights 0 to 999, not all 0. A bad action answers 503.',
  parse: (raw) => {
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch {
      return fail('the value is not JSON');
    }
    const o = v as { type?: unknown; forwardConfig?: { targetGroups?: unknown } } | null;
    if (typeof o !== 'object' || o === null || o.type !== 'forward')
      return fail('only {"type":"forward", "forwardConfig": {...}} actions are supported');
    const tgs = o.forwardConfig?.targetGroups;
    if (!Array.isArray(tgs) || tgs.length < 1 || tgs.length > 5)
      return fail('forwardConfig.targetGroups must list 1 to 5 Services');
    const out: WeightedServiceRef[] = [];
    for (const t of tgs as { serviceName?: unknown; servicePort?: unknown; weight?: unknown }[]) {
      if (typeof t?.serviceName !== 'string' || t.serviceName === '')
        return fail('every target group needs a serviceName');
      const port = t.servicePort;
      const portOk =
        (typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535) ||
        (typeof port === 'string' && port !== '');
      if (!portOk) return fail(`Service "${t.serviceName}" needs a servicePort (number or name)`);
      const weight = t.weight ?? 1;
      if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0 || weight > 999)
        return fail(`Service "${t.serviceName}" has weight ${JSON.stringify(weight)}, not 0 to 999`);
      const p = typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : (port as number | string);
      out.push({ serviceName: t.serviceName, servicePort: p, weight });
    }
    if (out.every((t) => t.weight === 0)) return fail('every weight is 0');
    return ok({ type: 'forward', targetGroups: out });
  },
};

// ---------------------------------------------------------------------------------------------------
// Target group settings: on the Ingress or on the Service (the Service's value wins)

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

/** Every ALB annotation, in documentation order. */
export const ALB_ANNOTATIONS: readonly AlbAnnotationSpec<unknown>[] = [
  GROUP_NAME,
  GROUP_ORDER,
  SCHEME,
  IP_ADDRESS_TYPE,
  SUBNETS,
  SECURITY_GROUPS,
  LISTEN_PORTS,
  CERTIFICATE_ARN,
  SSL_POLICY,
  SSL_REDIRECT,
  LOAD_BALANCER_ATTRIBUTES,
  TAGS,
  ACTION,
  BACKEND_PROTOCOL,
  BACKEND_PROTOCOL_VERSION,
  HEALTHCHECK_PATH,
  HEALTHCHECK_PORT,
  HEALTHCHECK_PROTOCOL,
  HEALTHCHECK_INTERVAL,
  HEALTHCHECK_TIMEOUT,
  HEALTHY_THRESHOLD,
  UNHEALTHY_THRESHOLD,
  SUCCESS_CODES,
  TARGET_GROUP_ATTRIBUTES,
];

/** The group settings, which every Ingress of a group must agree on. */
export const GROUP_SETTINGS = ALB_ANNOTATIONS.filter((a) => a.scope === 'group');

/** The markdown table of `docs/annotations.md`'s ALB section. */
export function renderAlbAnnotationTable(): string {
  const rows = ALB_ANNOTATIONS.map((a) => {
    const on = a.targets.join(', ');
    const scope = a.scope === 'group' ? 'group' : 'Ingress';
    const bad = a.onInvalid === 'exclude' ? 'Ingress left out' : 'default used';
    return `| \`${a.name}\` | ${on} | ${scope} | ${a.defaultText} | ${bad} | ${a.description} |`;
  });
  return [
    '| Annotation | On | Scope | Default | Bad value | Meaning |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
