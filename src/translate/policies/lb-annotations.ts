/**
 * The load-balancing and session-affinity annotations of a Service (gateway mode): which Envoy load
 * balancer spreads its requests, and whether a client sticks to one endpoint by cookie, header or source
 * IP. Names follow ingress-nginx (`load-balance`, `affinity`, `session-cookie-*`) where one exists.
 * The specs sit beside their reader (load-balancing.ts) so that src/translate/policies never imports its
 * parent folder; src/translate/annotations-lb.ts re-exports them for the catalog.
 */
import type { AnnotationSpec, ParseResult } from '../../ingress/ingress-annotations.js';

export const LOAD_BALANCING_POLICIES = [
  'round-robin',
  'least-request',
  'ring-hash',
  'maglev',
  'random',
] as const;
export type LoadBalancingPolicyName = (typeof LOAD_BALANCING_POLICIES)[number];

/** The consistent-hash policies: the only ones that can keep a session on one endpoint. */
export const HASH_POLICIES: readonly LoadBalancingPolicyName[] = ['ring-hash', 'maglev'];

export function parseLoadBalancingPolicy(raw: string): ParseResult<LoadBalancingPolicyName> {
  const found = LOAD_BALANCING_POLICIES.find((p) => p === raw);
  if (found !== undefined) return { ok: true, value: found };
  const hint =
    raw === 'ewma'
      ? ' (for ingress-nginx\'s "ewma" use least-request)'
      : raw === 'round_robin'
        ? ' (ingress-nginx\'s "round_robin" is round-robin)'
        : '';
  return { ok: false, error: `"${raw}" is not one of ${LOAD_BALANCING_POLICIES.join(', ')}${hint}` };
}

export const LOAD_BALANCE: AnnotationSpec<LoadBalancingPolicyName> = {
  name: 'causeway.dev/load-balance',
  targets: ['Service'],
  defaultText: "the config file's `loadBalancing` (group, then top level), else `round-robin`",
  description:
    'How the gateways spread requests over the endpoints of the Service: `round-robin`, `least-request` (fewest active requests among a few random picks; the closest to ingress-nginx `ewma`), `ring-hash`, `maglev` (consistent hashing, needed by `causeway.dev/affinity`) or `random`.',
  parse: parseLoadBalancingPolicy,
};

/** Envoy's default choice count for least-request. */
export const DEFAULT_LEAST_REQUEST_CHOICES = 2;

export const LEAST_REQUEST_CHOICES: AnnotationSpec<number> = {
  name: 'causeway.dev/least-request-choices',
  targets: ['Service'],
  defaultText: '`2`',
  description:
    'With `least-request`: how many random endpoints are compared for each request (the one with fewest active requests wins). From 2 to 10.',
  parse: (raw) => {
    const n = Number(raw);
    return /^\d+$/.test(raw) && n >= 2 && n <= 10
      ? { ok: true, value: n }
      : { ok: false, error: `"${raw}" is not a whole number from 2 to 10` };
  },
};

export type AffinityKind = 'cookie' | 'header' | 'source-ip';

export const AFFINITY: AnnotationSpec<AffinityKind> = {
  name: 'causeway.dev/affinity',
  targets: ['Service'],
  defaultText: 'none',
  description:
    'Keeps a client on one endpoint by consistent hashing (the Service uses `ring-hash` unless it asks for `maglev`): `cookie` (the gateway sets a cookie on the first answer), `header` (hash of `causeway.dev/session-header-name`) or `source-ip` (hash of the client address).',
  parse: (raw) =>
    raw === 'cookie' || raw === 'header' || raw === 'source-ip'
      ? { ok: true, value: raw }
      : { ok: false, error: `"${raw}" is not "cookie", "header" or "source-ip"` },
};

/** ingress-nginx's default affinity cookie name. */
export const DEFAULT_SESSION_COOKIE_NAME = 'INGRESSCOOKIE';

export const SESSION_COOKIE_NAME: AnnotationSpec<string> = {
  name: 'causeway.dev/session-cookie-name',
  targets: ['Service'],
  defaultText: '`INGRESSCOOKIE`',
  description:
    'With `affinity: cookie`: the cookie name. Letters, digits, `_`, `-` and `.`; at most 64 characters.',
  parse: (raw) =>
    /^[A-Za-z0-9_.-]{1,64}$/.test(raw)
      ? { ok: true, value: raw }
      : { ok: false, error: `"${raw}" is not a cookie name (letters, digits, _ - .; at most 64)` },
};

/** One year, in seconds: the longest affinity cookie lifetime. */
const MAX_COOKIE_AGE_SECONDS = 31536000;

export const SESSION_COOKIE_MAX_AGE: AnnotationSpec<number> = {
  name: 'causeway.dev/session-cookie-max-age',
  targets: ['Service'],
  defaultText: 'none (a session cookie)',
  description:
    'With `affinity: cookie`: the cookie lifetime in seconds (as ingress-nginx), from 1 to 31536000 (a year). Unset: the cookie lasts the browser session.',
  parse: (raw) => {
    const n = Number(raw);
    return /^\d+$/.test(raw) && n >= 1 && n <= MAX_COOKIE_AGE_SECONDS
      ? { ok: true, value: n }
      : { ok: false, error: `"${raw}" is not a whole number of seconds from 1 to ${MAX_COOKIE_AGE_SECONDS}` };
  },
};

export const SESSION_COOKIE_PATH: AnnotationSpec<string> = {
  name: 'causeway.dev/session-cookie-path',
  targets: ['Service'],
  defaultText: '`/`',
  description:
    'With `affinity: cookie`: the cookie `Path`. Starts with `/`; URL path characters only (no `;`, no space); at most 256 characters.',
  parse: (raw) =>
    /^\/[A-Za-z0-9\-._~!$&'()*+,=:@%/]{0,255}$/.test(raw)
      ? { ok: true, value: raw }
      : { ok: false, error: `"${raw}" is not a cookie path (starts with "/", URL path characters, no ";")` },
};

export const SESSION_HEADER_NAME: AnnotationSpec<string> = {
  name: 'causeway.dev/session-header-name',
  targets: ['Service'],
  defaultText: 'none (required by `affinity: header`)',
  description:
    'With `affinity: header`: the request header whose value is hashed (e.g. `x-user-id`); case-insensitive, an HTTP token of at most 128 characters, not a pseudo-header. Requests without the header go to a random endpoint.',
  parse: (raw) =>
    /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/.test(raw)
      ? { ok: true, value: raw.toLowerCase() }
      : { ok: false, error: `"${raw}" is not an HTTP header name` },
};

export const LB_ANNOTATIONS: readonly AnnotationSpec<unknown>[] = [
  LOAD_BALANCE,
  LEAST_REQUEST_CHOICES,
  AFFINITY,
  SESSION_COOKIE_NAME,
  SESSION_COOKIE_MAX_AGE,
  SESSION_COOKIE_PATH,
  SESSION_HEADER_NAME,
];
