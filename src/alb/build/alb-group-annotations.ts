/**
 * ALB group settings: the annotations of an IngressGroup's load balancer (scheme, IP address type,
 * subnets, security groups, attributes, tags, SSL policy and redirect). Every Ingress of the group
 * that sets one must set the same value.
 */
import {
  ALB_PREFIX,
  attributePair,
  fail,
  idList,
  keyValues,
  ok,
  oneOf,
  secondsAttribute,
  type AlbAnnotationSpec,
  type AlbScheme,
  type SslRedirect,
} from './alb-annotation-parsers.js';

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
