/**
 * The resilience family of the gateway annotation catalog (issue 12, items 4 and 8): retries, response
 * compression and request mirroring, each read per Ingress. Values are allow-listed or range-checked
 * here, so nothing an Ingress writes can make Envoy reject a route. `../annotations-resilience.ts`
 * re-exports them for the catalog (they live here so the reader next to them imports nothing above it).
 */
import {
  parseDurationSeconds,
  type AnnotationSpec,
  type ParseResult,
} from '../../ingress/ingress-annotations.js';

/** Envoy 1.40's HTTP retry conditions (x-envoy-retry-on) and gRPC ones (x-envoy-retry-grpc-on) we allow. */
export const RETRY_CONDITIONS = [
  '5xx',
  'gateway-error',
  'reset',
  'reset-before-request',
  'connect-failure',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'http3-post-connect-failure',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
] as const;
export type RetryCondition = (typeof RETRY_CONDITIONS)[number];

/**
 * Conditions that only fire when the request provably never reached the app: retrying them is safe for
 * every method, POST included (ingress-nginx's `error` on a connect).
 */
export const SAFE_RETRY_CONDITIONS: readonly RetryCondition[] = [
  'connect-failure',
  'refused-stream',
  'reset-before-request',
];

/** The token of `retry-on` that lets retries after the app saw the request apply to every method. */
export const NON_IDEMPOTENT = 'non-idempotent';

export interface RetryOn {
  /** Sorted, without duplicates. */
  readonly conditions: readonly RetryCondition[];
  readonly nonIdempotent: boolean;
}

function commaList(raw: string): string[] {
  return raw
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

function parseRetryOn(raw: string): ParseResult<RetryOn> {
  const tokens = commaList(raw);
  const unknown = tokens.filter(
    (t) => t !== NON_IDEMPOTENT && !(RETRY_CONDITIONS as readonly string[]).includes(t),
  );
  if (unknown.length > 0)
    return {
      ok: false,
      error: `"${unknown[0]}" is not a retry condition (allowed: ${RETRY_CONDITIONS.join(', ')}, ${NON_IDEMPOTENT})`,
    };
  const conditions = [...new Set(tokens.filter((t) => t !== NON_IDEMPOTENT))].sort() as RetryCondition[];
  if (conditions.length === 0) return { ok: false, error: `"${raw}" names no retry condition` };
  return { ok: true, value: { conditions, nonIdempotent: tokens.includes(NON_IDEMPOTENT) } };
}

export const RETRY_ON: AnnotationSpec<RetryOn> = {
  name: 'causeway.dev/retry-on',
  targets: ['Ingress'],
  defaultText: '`connect-failure,refused-stream,reset-before-request`',
  description:
    'When the gateway retries a request of the routes of the Ingress: a comma list of Envoy retry conditions (`5xx`, `gateway-error`, `reset`, `reset-before-request`, `connect-failure`, `retriable-4xx`, `refused-stream`, `retriable-status-codes`, `http3-post-connect-failure`, and for gRPC `cancelled`, `deadline-exceeded`, `internal`, `resource-exhausted`, `unavailable`). A condition that can fire after the app saw the request retries only GET, HEAD, OPTIONS, PUT, DELETE and TRACE unless the list also has `non-idempotent`.',
  parse: parseRetryOn,
};

/** ingress-nginx retries on 3 tries (2 retries) by default. */
export const DEFAULT_RETRY_COUNT = 2;
export const MAX_RETRY_COUNT = 10;

export const RETRY_COUNT: AnnotationSpec<number> = {
  name: 'causeway.dev/retry-count',
  targets: ['Ingress'],
  defaultText: '`2`',
  description:
    'How many times a request may be retried (on another endpoint when there is one), like ingress-nginx `proxy-next-upstream-tries` minus the first try. From 0 (no retries) to 10.',
  parse: (raw) => {
    const n = Number(raw);
    return /^\d+$/.test(raw) && n <= MAX_RETRY_COUNT
      ? { ok: true, value: n }
      : { ok: false, error: `"${raw}" is not a whole number from 0 to ${MAX_RETRY_COUNT}` };
  },
};

export const RETRY_PER_TRY_TIMEOUT: AnnotationSpec<number> = {
  name: 'causeway.dev/retry-per-try-timeout',
  targets: ['Ingress'],
  defaultText: 'none (a try may take as long as the request)',
  description:
    'Deadline of each try, retries included (a try that runs out is answered 504 or retried on `5xx`, `gateway-error` or `reset`). From 1ms to 3600s.',
  parse: (raw) => {
    const r = parseDurationSeconds(raw, 3600);
    if (r.ok && r.value <= 0) return { ok: false, error: `"${raw}" must be greater than zero` };
    return r;
  },
};

export const MAX_RETRY_STATUS_CODES = 16;

function parseStatusCodes(raw: string): ParseResult<readonly number[]> {
  const tokens = commaList(raw);
  const bad = tokens.find((t) => !/^\d{3}$/.test(t) || Number(t) < 100 || Number(t) > 599);
  if (bad !== undefined) return { ok: false, error: `"${bad}" is not an HTTP status code (100-599)` };
  const codes = [...new Set(tokens.map(Number))].sort((a, b) => a - b);
  if (codes.length === 0) return { ok: false, error: `"${raw}" names no status code` };
  if (codes.length > MAX_RETRY_STATUS_CODES)
    return { ok: false, error: `more than ${MAX_RETRY_STATUS_CODES} status codes` };
  return { ok: true, value: codes };
}

export const RETRY_STATUS_CODES: AnnotationSpec<readonly number[]> = {
  name: 'causeway.dev/retry-status-codes',
  targets: ['Ingress'],
  defaultText: 'none',
  description:
    'Comma list of HTTP status codes of an answer that is retried, e.g. `503,504`; implies the condition `retriable-status-codes`. At most 16 codes.',
  parse: parseStatusCodes,
};

/** The response encodings the gateways can compress with (Envoy core extensions). */
export const COMPRESSION_ENCODINGS = ['br', 'zstd', 'gzip'] as const;
export type CompressionEncoding = (typeof COMPRESSION_ENCODINGS)[number];

const ENCODING_ALIASES: Readonly<Record<string, CompressionEncoding>> = {
  gzip: 'gzip',
  br: 'br',
  brotli: 'br',
  zstd: 'zstd',
};

/** Encodings in the gateways' filter order (br, zstd, gzip: the order Envoy picks in for `*`). */
export function sortEncodings(list: readonly CompressionEncoding[]): CompressionEncoding[] {
  return COMPRESSION_ENCODINGS.filter((e) => list.includes(e));
}

/** `off`/`false`: none; `true`: gzip; else a comma list of `gzip`, `br` (or `brotli`), `zstd`. */
export function parseEncodings(raw: string): ParseResult<readonly CompressionEncoding[]> {
  const v = raw.trim().toLowerCase();
  if (v === 'off' || v === 'false') return { ok: true, value: [] };
  if (v === 'on' || v === 'true') return { ok: true, value: ['gzip'] };
  const tokens = commaList(v);
  const bad = tokens.find((t) => ENCODING_ALIASES[t] === undefined);
  if (bad !== undefined || tokens.length === 0)
    return {
      ok: false,
      error: `"${bad ?? raw}" is not an encoding (a comma list of gzip, br, zstd; or "off")`,
    };
  return { ok: true, value: sortEncodings(tokens.map((t) => ENCODING_ALIASES[t]!)) };
}

export const COMPRESSION: AnnotationSpec<readonly CompressionEncoding[]> = {
  name: 'causeway.dev/compression',
  targets: ['Ingress'],
  defaultText: "the gateway group's `compression.encodings`, else none",
  description:
    'Response compression on the routes of the Ingress: a comma list of `gzip`, `br` (`brotli`), `zstd`; `true` means `gzip`; `off` or `false` turns off what the gateway group turned on.',
  parse: parseEncodings,
};

/** A Service port name (IANA_SVC_NAME) or number. */
const PORT_NAME = /^[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/;
/** A Service name (DNS-1035 label). */
const SERVICE_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

export interface MirrorTarget {
  readonly service: string;
  readonly port: { readonly name: string } | { readonly number: number };
}

function parseMirrorTarget(raw: string): ParseResult<MirrorTarget> {
  const m = /^([^:]+):([^:]+)$/.exec(raw.trim());
  if (!m || !SERVICE_NAME.test(m[1]!))
    return { ok: false, error: `"${raw}" is not <service>:<port> (a Service of the Ingress's namespace)` };
  const port = m[2]!;
  if (/^\d+$/.test(port)) {
    const n = Number(port);
    if (n < 1 || n > 65535) return { ok: false, error: `"${port}" is not a port number (1-65535)` };
    return { ok: true, value: { service: m[1]!, port: { number: n } } };
  }
  if (!PORT_NAME.test(port) || !/[a-z]/.test(port))
    return { ok: false, error: `"${port}" is neither a port number nor a port name` };
  return { ok: true, value: { service: m[1]!, port: { name: port } } };
}

export const MIRROR_TARGET: AnnotationSpec<MirrorTarget> = {
  name: 'causeway.dev/mirror-target',
  targets: ['Ingress'],
  defaultText: 'none',
  description:
    'Copies the requests of the routes of the Ingress to this Service of its namespace, `<service>:<port>` (port name or number). The copy is fire-and-forget: its answer is discarded, and its Host gets `-shadow` appended.',
  parse: parseMirrorTarget,
};

function parsePercent(raw: string): ParseResult<number> {
  const n = Number(raw);
  return /^\d{1,3}(\.\d{1,4})?$/.test(raw) && n <= 100
    ? { ok: true, value: n }
    : { ok: false, error: `"${raw}" is not a percentage from 0 to 100 (at most 4 decimals)` };
}

export const MIRROR_PERCENT: AnnotationSpec<number> = {
  name: 'causeway.dev/mirror-percent',
  targets: ['Ingress'],
  defaultText: '`100`',
  description:
    'With `causeway.dev/mirror-target`: the share of requests copied, from 0 to 100 (decimals allowed, e.g. `0.5`).',
  parse: parsePercent,
};

export const RESILIENCE_ANNOTATIONS: readonly AnnotationSpec<unknown>[] = [
  RETRY_ON,
  RETRY_COUNT,
  RETRY_PER_TRY_TIMEOUT,
  RETRY_STATUS_CODES,
  COMPRESSION,
  MIRROR_TARGET,
  MIRROR_PERCENT,
];

/** ingress-nginx's `gzip-min-length`. */
export const DEFAULT_COMPRESSION_MIN_BYTES = 256;

/**
 * Envoy's built-in list of compressed media types (and their synonyms), used when a group sets no
 * `contentTypes`: the listeners then leave the list out.
 */
export const ENVOY_DEFAULT_COMPRESSION_CONTENT_TYPES: readonly string[] = [
  'application/javascript',
  'application/json',
  'application/xhtml+xml',
  'image/svg+xml',
  'text/css',
  'text/html',
  'text/plain',
  'text/xml',
];
