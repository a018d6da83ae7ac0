/**
 * ALB Ingress settings: group membership and order, listen ports, certificates, and the weighted
 * forward actions (`actions.<name>`) a backend can use.
 */
import {
  ALB_PREFIX,
  commaList,
  fail,
  integerBetween,
  ok,
  type AlbAnnotationSpec,
  type ForwardActionAnnotation,
  type ListenPort,
  type WeightedServiceRef,
} from './alb-annotation-parsers.js';

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
