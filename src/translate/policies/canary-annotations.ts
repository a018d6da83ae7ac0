/**
 * The traffic splitting annotations of gateway mode: canary Ingresses with ingress-nginx's semantics
 * (`causeway.dev/canary`, `canary-by-header`[`-value`|`-pattern`], `canary-by-cookie`, `canary-weight`,
 * `canary-weight-total`) and weighted backends on one Ingress (`causeway.dev/weighted-backends.<name>`).
 * `src/translate/annotations-canary.ts` lists them in the catalog. Every value that reaches Envoy (a header name or value, a cookie name, a regex) is validated here so
 * that Envoy never refuses the route it ends up in.
 */
import { parseBool, type AnnotationSpec, type ParseResult } from '../../ingress/ingress-annotations.js';

/** An HTTP token (RFC 9110): the characters of a header or cookie name. */
const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
/** Envoy's RE2 programs may not exceed size 100; a 48-character cookie name stays well below it. */
export const MAX_COOKIE_NAME_LENGTH = 48;
/** Longest header pattern: wrapped as `.*(?:p).*`, any 40 characters stay below Envoy's RE2 size of 100. */
export const MAX_HEADER_PATTERN_LENGTH = 40;
/** Longest header value matched exactly. */
const MAX_HEADER_VALUE_LENGTH = 256;

function headerName(raw: string): ParseResult<string> {
  if (!TOKEN.test(raw) || raw.length > 128)
    return {
      ok: false,
      error: `"${raw}" is not an HTTP header name (letters, digits, -, _ ...; at most 128)`,
    };
  const lower = raw.toLowerCase();
  if (lower === 'host' || lower === 'cookie')
    return { ok: false, error: `"${raw}" cannot be used (Host and Cookie have their own matching)` };
  return { ok: true, value: lower };
}

/** Escapes the RE2 metacharacters of a literal. */
export function escapeRe2(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Escapes RE2 shares with JavaScript: classes, assertions, and escaped punctuation. */
const SAFE_ESCAPE = /^[dDwWsSbBtnrfv]$|^[^A-Za-z0-9]$/;

/**
 * Why `p` may not be an RE2 regex Envoy accepts, or undefined. Conservative: it must compile as a
 * JavaScript regex, and may not use what RE2 lacks or reads differently (backreferences, lookaround,
 * named groups, `\u`/`\p`/`\c`/octal escapes), counted repetition (it inflates the program), and
 * must be short enough for Envoy's program size limit.
 */
export function re2PatternProblem(p: string): string | undefined {
  if (p.length === 0) return 'is empty';
  if (p.length > MAX_HEADER_PATTERN_LENGTH)
    return `is ${p.length} characters long (at most ${MAX_HEADER_PATTERN_LENGTH})`;
  if (!/^[\x20-\x7e]+$/.test(p)) return 'holds characters other than printable ASCII';
  try {
    new RegExp(p);
  } catch {
    return 'is not a valid regular expression';
  }
  if (/\(\?[=!<]/.test(p)) return 'uses lookaround or a named group, which RE2 does not support';
  if (/\{\d*,?\d*\}/.test(p)) return 'uses counted repetition ({n,m}); repeat the atom instead';
  for (let i = 0; i < p.length; i++) {
    if (p[i] !== '\\') continue;
    const next = p[i + 1] ?? '';
    if (!SAFE_ESCAPE.test(next))
      return `uses the escape \\${next}, which RE2 does not support or reads differently`;
    i++;
  }
  return undefined;
}

export const CANARY: AnnotationSpec<boolean> = {
  name: 'causeway.dev/canary',
  targets: ['Ingress'],
  defaultText: '`false`',
  description:
    'When `true`, the Ingress is the canary of the main Ingress serving the same host and path (same namespace and gateway group): its paths take the share of that route the other canary annotations choose.',
  parse: parseBool,
};

export const CANARY_BY_HEADER: AnnotationSpec<string> = {
  name: 'causeway.dev/canary-by-header',
  targets: ['Ingress'],
  defaultText: 'none',
  description:
    'A request header: value `always` goes to the canary, `never` to the main Ingress; other values fall through to the cookie and the weight.',
  parse: headerName,
};

export const CANARY_BY_HEADER_VALUE: AnnotationSpec<string> = {
  name: 'causeway.dev/canary-by-header-value',
  targets: ['Ingress'],
  defaultText: 'none',
  description:
    'With `canary-by-header`: this exact value (instead of `always`) goes to the canary; other values fall through.',
  parse: (raw) =>
    /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(raw) && raw.length <= MAX_HEADER_VALUE_LENGTH
      ? { ok: true, value: raw }
      : {
          ok: false,
          error: `the value is not printable ASCII without surrounding spaces (at most ${MAX_HEADER_VALUE_LENGTH})`,
        },
};

export const CANARY_BY_HEADER_PATTERN: AnnotationSpec<string> = {
  name: 'causeway.dev/canary-by-header-pattern',
  targets: ['Ingress'],
  defaultText: 'none',
  description:
    'With `canary-by-header` (ignored when `canary-by-header-value` is set): a header value this RE2 regex finds a match in goes to the canary.',
  parse: (raw) => {
    const bad = re2PatternProblem(raw);
    return bad === undefined ? { ok: true, value: raw } : { ok: false, error: `the pattern ${bad}` };
  },
};

export const CANARY_BY_COOKIE: AnnotationSpec<string> = {
  name: 'causeway.dev/canary-by-cookie',
  targets: ['Ingress'],
  defaultText: 'none',
  description:
    'A cookie: value `always` goes to the canary, `never` to the main Ingress; other values fall through to the weight.',
  parse: (raw) =>
    TOKEN.test(raw) && raw.length <= MAX_COOKIE_NAME_LENGTH
      ? { ok: true, value: raw }
      : {
          ok: false,
          error: `"${raw}" is not a cookie name (an HTTP token of at most ${MAX_COOKIE_NAME_LENGTH})`,
        },
};

/** Largest `canary-weight-total`. */
export const MAX_WEIGHT_TOTAL = 10_000;

function wholeNumber(raw: string, min: number, max: number): ParseResult<number> {
  const n = Number(raw);
  return /^\d{1,5}$/.test(raw) && n >= min && n <= max
    ? { ok: true, value: n }
    : { ok: false, error: `"${raw}" is not a whole number from ${min} to ${max}` };
}

export const CANARY_WEIGHT: AnnotationSpec<number> = {
  name: 'causeway.dev/canary-weight',
  targets: ['Ingress'],
  defaultText: '`0`',
  description: 'Share of the remaining requests that go to the canary, out of `canary-weight-total`.',
  parse: (raw) => wholeNumber(raw, 0, MAX_WEIGHT_TOTAL),
};

export const CANARY_WEIGHT_TOTAL: AnnotationSpec<number> = {
  name: 'causeway.dev/canary-weight-total',
  targets: ['Ingress'],
  defaultText: '`100`',
  description: 'What `canary-weight` is a share of. From 1 to 10000.',
  parse: (raw) => wholeNumber(raw, 1, MAX_WEIGHT_TOTAL),
};

/** One Service port of a weighted split. */
export interface WeightedBackendSpec {
  readonly service: string;
  readonly port: { readonly number: number } | { readonly name: string };
  readonly weight: number;
}

export const WEIGHTED_BACKENDS_PREFIX = 'causeway.dev/weighted-backends.';
/** Most Services in one split. */
export const MAX_WEIGHTED_BACKENDS = 10;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function backendSpec(v: unknown, i: number): ParseResult<WeightedBackendSpec> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return { ok: false, error: `entry ${i} is not an object` };
  const o = v as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => !['service', 'port', 'weight'].includes(k));
  if (extra.length > 0) return { ok: false, error: `entry ${i} has an unknown field` };
  if (typeof o['service'] !== 'string' || !DNS_LABEL.test(o['service']))
    return { ok: false, error: `entry ${i}: "service" is not a Service name` };
  const port = o['port'];
  const p =
    typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535
      ? { number: port }
      : typeof port === 'string' && DNS_LABEL.test(port) && port.length <= 15
        ? { name: port }
        : undefined;
  if (!p) return { ok: false, error: `entry ${i}: "port" is neither a port number nor a port name` };
  const w = o['weight'];
  if (typeof w !== 'number' || !Number.isInteger(w) || w < 0 || w > 1000)
    return { ok: false, error: `entry ${i}: "weight" is not a whole number from 0 to 1000` };
  return { ok: true, value: { service: o['service'], port: p, weight: w } };
}

/** `[{"service":"a","port":80,"weight":90}, ...]`: 1 to 10 distinct Service ports, weights not all 0. */
export function parseWeightedBackends(raw: string): ParseResult<readonly WeightedBackendSpec[]> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, error: 'the value is not JSON' };
  }
  if (!Array.isArray(json) || json.length < 1 || json.length > MAX_WEIGHTED_BACKENDS)
    return { ok: false, error: `the value is not a JSON list of 1 to ${MAX_WEIGHTED_BACKENDS} backends` };
  const out: WeightedBackendSpec[] = [];
  const seen = new Set<string>();
  for (const [i, v] of json.entries()) {
    const r = backendSpec(v, i);
    if (!r.ok) return r;
    const key = `${r.value.service}:${JSON.stringify(r.value.port)}`;
    if (seen.has(key)) return { ok: false, error: `entry ${i} repeats a Service port` };
    seen.add(key);
    out.push(r.value);
  }
  if (out.every((b) => b.weight === 0)) return { ok: false, error: 'every weight is 0' };
  return { ok: true, value: out };
}

export const WEIGHTED_BACKENDS: AnnotationSpec<readonly WeightedBackendSpec[]> = {
  name: `${WEIGHTED_BACKENDS_PREFIX}<name>`,
  targets: ['Ingress'],
  defaultText: 'none',
  description:
    'A weighted split used by a backend `{service: {name: <name>, port: {name: use-annotation}}}` of the same Ingress.',
  parse: parseWeightedBackends,
};
