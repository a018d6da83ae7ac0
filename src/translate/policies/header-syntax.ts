/**
 * The value syntax of the header annotations (`causeway.dev/request-headers-set` and friends), pure:
 * header lists are one `Name: value` per line (a YAML `|` block), name lists are comma- or
 * newline-separated. Names are RFC 7230 tokens, lowercased; the names Envoy refuses to touch (`host`,
 * pseudo-headers) or that the gateway itself manages (hop-by-hop and framing headers, `x-envoy-*`) are
 * refused, as are values that are empty or not printable ASCII. Error messages never quote a value (a
 * header value may be a credential), only names and line numbers.
 */
import type { ParseResult } from '../../ingress/ingress-annotations.js';
import { printable } from '../../ingress/text-checks.js';
import type { HeaderValueIR } from '../../ir/ir-types.js';

/** At most this many headers in one annotation. */
export const MAX_HEADERS = 32;
/** Longest header name. */
export const MAX_HEADER_NAME_LENGTH = 128;
/** Longest header value. */
export const MAX_HEADER_VALUE_LENGTH = 1024;
/** Longest header annotation value (several lines). */
export const MAX_HEADER_ANNOTATION_LENGTH = 8192;

/** RFC 7230 `token`, lowercase. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
/** Printable ASCII and horizontal tab (RFC 7230 field-content without obs-text). */
const VALUE = /^[\t\x20-\x7e]*$/;

/** Headers the gateway manages for the connection or the message framing: changing them breaks HTTP. */
const MANAGED = new Set([
  'connection',
  'content-length',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Which headers an annotation may not touch, and why. */
export type HeaderSide = 'request' | 'response';

/** Why `name` (lowercase) may not be changed on `side`, or undefined when it may. */
export function headerNameProblem(name: string, side: HeaderSide): string | undefined {
  if (name === '') return 'a header name is empty';
  if (name.length > MAX_HEADER_NAME_LENGTH)
    return `a header name is ${name.length} characters long (at most ${MAX_HEADER_NAME_LENGTH})`;
  // Quoted only when refused (most names pass; printable() walks every character).
  const shown = (): string => `"${printable(name, 64)}"`;
  if (name.startsWith(':')) return `${shown()} is a pseudo-header (Envoy refuses to change it)`;
  if (!TOKEN.test(name)) return `${shown()} is not a header name (RFC 7230 token)`;
  if (name === 'host') return `${shown()} may not be changed (Envoy refuses it; use the Ingress host)`;
  if (MANAGED.has(name)) return `${shown()} is a hop-by-hop or framing header the gateway manages`;
  if (name.startsWith('x-envoy-')) return `${shown()} is reserved for the gateway (x-envoy-*)`;
  if (side === 'request' && name === 'x-request-id')
    return `${shown()} is managed by the gateway (generated when the client sent none)`;
  return undefined;
}

function lines(raw: string): { readonly text: string; readonly line: number }[] {
  return raw
    .split(/\r?\n/)
    .map((text, i) => ({ text: text.trim(), line: i + 1 }))
    .filter((l) => l.text !== '');
}

function headerLine(text: string, line: number, side: HeaderSide): ParseResult<HeaderValueIR> {
  // From index 1, so that `:path: /x` names the pseudo-header `:path`.
  const colon = text.indexOf(':', 1);
  if (colon < 0) return { ok: false, error: `line ${line} is not "Name: value"` };
  const name = text.slice(0, colon).trim().toLowerCase();
  const value = text.slice(colon + 1).trim();
  const bad = headerNameProblem(name, side);
  if (bad !== undefined) return { ok: false, error: `line ${line}: ${bad}` };
  if (value === '')
    return { ok: false, error: `line ${line}: header "${name}" has an empty value (use *-headers-remove)` };
  if (value.length > MAX_HEADER_VALUE_LENGTH)
    return {
      ok: false,
      error: `line ${line}: the value of "${name}" is ${value.length} characters long (at most ${MAX_HEADER_VALUE_LENGTH})`,
    };
  if (!VALUE.test(value))
    return { ok: false, error: `line ${line}: the value of "${name}" is not printable ASCII` };
  return { ok: true, value: { name, value } };
}

/**
 * One `Name: value` per line (blank lines ignored). With `unique`, a name may appear once (a header
 * cannot be replaced by two values).
 */
export function parseHeaderLines(
  raw: string,
  side: HeaderSide,
  unique: boolean,
): ParseResult<readonly HeaderValueIR[]> {
  const out: HeaderValueIR[] = [];
  const entries = lines(raw);
  if (entries.length === 0) return { ok: false, error: 'no header is given' };
  if (entries.length > MAX_HEADERS)
    return { ok: false, error: `${entries.length} headers are given (at most ${MAX_HEADERS})` };
  for (const { text, line } of entries) {
    const r = headerLine(text, line, side);
    if (!r.ok) return r;
    if (unique && out.some((h) => h.name === r.value.name))
      return { ok: false, error: `line ${line}: header "${r.value.name}" is set twice` };
    out.push(r.value);
  }
  return { ok: true, value: out };
}

/** Header names separated by commas, spaces or line breaks; lowercased, duplicates dropped, in order. */
export function parseHeaderNames(raw: string, side: HeaderSide): ParseResult<readonly string[]> {
  const names = raw
    .split(/[\s,]+/)
    .filter((n) => n !== '')
    .map((n) => n.toLowerCase());
  if (names.length === 0) return { ok: false, error: 'no header name is given' };
  if (names.length > MAX_HEADERS)
    return { ok: false, error: `${names.length} header names are given (at most ${MAX_HEADERS})` };
  for (const n of names) {
    const bad = headerNameProblem(n, side);
    if (bad !== undefined) return { ok: false, error: bad };
  }
  return { ok: true, value: [...new Set(names)] };
}
