/**
 * The value syntax of the CORS annotations (ingress-nginx's `cors-*` names and formats), pure: origins
 * are `*` or comma-separated `scheme://host[:port]` (http or https; the host may start with `*.`, one
 * DNS label), methods and header names comma-separated. A wildcard origin becomes an anchored RE2 regex
 * built only from validated characters, so no user text reaches the regex engine unescaped.
 */
import type { ParseResult } from '../../ingress/ingress-annotations.js';
import { printable } from '../../ingress/text-checks.js';
import type { CorsOriginIR } from '../../ir/ir-types.js';

/** At most this many origins, methods or header names in one annotation. */
export const MAX_CORS_ITEMS = 32;
/**
 * Longest wildcard origin (`https://*.example.com:8443`): Envoy refuses a regex whose RE2 program is over
 * 100 instructions (the whole route configuration with it), and the regex's program grows with each
 * character of the suffix (measured with Envoy 1.40: a 90-character origin stays under 100).
 */
export const MAX_WILDCARD_ORIGIN_LENGTH = 90;
/** Longest accepted `cors-max-age`: one year (browsers cap it far lower anyway). */
export const MAX_CORS_MAX_AGE = 31536000;

const LABEL = '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?';
const ORIGIN = new RegExp(
  `^(?<scheme>https?)://(?<wildcard>\\*\\.)?(?<host>${LABEL}(\\.${LABEL})*)(:(?<port>[0-9]{1,5}))?$`,
);
const HEADER_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const METHOD = /^[A-Za-z]+$/;

function items(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function tooMany(n: number, what: string): ParseResult<never> | undefined {
  return n > MAX_CORS_ITEMS
    ? { ok: false, error: `${n} ${what} are given (at most ${MAX_CORS_ITEMS})` }
    : undefined;
}

/**
 * The RE2 regex (anchored, lowercase) for `scheme://*.suffix[:port]`: exactly one label (letters, digits,
 * hyphens) in place of `*`. Kept small on purpose (no bounded repetition), see MAX_WILDCARD_ORIGIN_LENGTH.
 */
export function wildcardOriginRegex(scheme: string, suffix: string, port: string | undefined): string {
  const host = suffix.replace(/\./g, '\\.');
  return `^${scheme}://[a-z0-9-]+\\.${host}${port === undefined ? '' : `:${port}`}$`;
}

function parseOrigin(text: string): ParseResult<CorsOriginIR> {
  const origin = text.toLowerCase();
  const m = ORIGIN.exec(origin);
  const shown = m ? `"${text}"` : `"${printable(text, 128)}"`;
  if (!m) return { ok: false, error: `${shown} is not an origin like https://app.example.com[:port] or *` };
  const { scheme, wildcard, host, port } = m.groups!;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535))
    return { ok: false, error: `${shown} has a port outside 1-65535` };
  if (wildcard === undefined) return { ok: true, value: { kind: 'exact', origin } };
  if (origin.length > MAX_WILDCARD_ORIGIN_LENGTH)
    return {
      ok: false,
      error: `a wildcard origin is ${origin.length} characters long (at most ${MAX_WILDCARD_ORIGIN_LENGTH})`,
    };
  if (!host!.includes('.'))
    return { ok: false, error: `${shown}: a wildcard needs at least two labels after "*." (*.example.com)` };
  return { ok: true, value: { kind: 'pattern', origin, regex: wildcardOriginRegex(scheme!, host!, port) } };
}

/** `*` alone, or comma-separated origins (lowercased, duplicates dropped, in order). */
export function parseOrigins(raw: string): ParseResult<readonly CorsOriginIR[]> {
  const list = items(raw);
  if (list.length === 0) return { ok: false, error: 'no origin is given' };
  if (list.includes('*'))
    return list.length === 1
      ? { ok: true, value: [{ kind: 'any' }] }
      : { ok: false, error: '"*" cannot be combined with other origins' };
  const many = tooMany(list.length, 'origins');
  if (many) return many;
  const out: CorsOriginIR[] = [];
  for (const text of list) {
    const r = parseOrigin(text);
    if (!r.ok) return r;
    const key = (o: CorsOriginIR): string => (o.kind === 'any' ? '*' : o.origin);
    if (!out.some((o) => key(o) === key(r.value))) out.push(r.value);
  }
  return { ok: true, value: out };
}

/** Comma-separated HTTP methods, uppercased, duplicates dropped. */
export function parseMethods(raw: string): ParseResult<readonly string[]> {
  const list = items(raw);
  if (list.length === 0) return { ok: false, error: 'no method is given' };
  const many = tooMany(list.length, 'methods');
  if (many) return many;
  const bad = list.find((m) => !METHOD.test(m));
  if (bad !== undefined) return { ok: false, error: `"${printable(bad, 64)}" is not an HTTP method` };
  return { ok: true, value: [...new Set(list.map((m) => m.toUpperCase()))] };
}

/** `*` alone, or comma-separated header names (as written, duplicates dropped case-insensitively). */
export function parseHeaderList(raw: string): ParseResult<readonly string[]> {
  const list = items(raw);
  if (list.length === 0) return { ok: false, error: 'no header name is given' };
  if (list.includes('*'))
    return list.length === 1
      ? { ok: true, value: ['*'] }
      : { ok: false, error: '"*" cannot be combined with header names' };
  const many = tooMany(list.length, 'header names');
  if (many) return many;
  const bad = list.find((h) => !HEADER_TOKEN.test(h));
  if (bad !== undefined) return { ok: false, error: `"${printable(bad, 64)}" is not a header name` };
  const seen = new Set<string>();
  return { ok: true, value: list.filter((h) => !seen.has(h.toLowerCase()) && seen.add(h.toLowerCase())) };
}

/** Whole seconds from 0 to MAX_CORS_MAX_AGE. */
export function parseMaxAge(raw: string): ParseResult<number> {
  const n = Number(raw);
  return /^\d{1,9}$/.test(raw) && n <= MAX_CORS_MAX_AGE
    ? { ok: true, value: n }
    : {
        ok: false,
        error: `"${printable(raw, 64)}" is not a number of seconds from 0 to ${MAX_CORS_MAX_AGE}`,
      };
}
