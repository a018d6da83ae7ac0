/**
 * The annotations both modes read on an Ingress the same way (gateway group, request timeout, SSL
 * redirect), and the annotation spec shape with its shared parsers. Gateway mode lists them in its
 * catalog (`src/translate/annotations.ts`); ALB mode builds its own catalog on `AnnotationSpec`.
 */

import { diagnostic, type Diagnostic, type ObjectRef } from '../errors.js';
import { textProblem } from './text-checks.js';

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

/**
 * An annotation's value parsed by its spec, after the free-text checks every value gets (well-formed,
 * no control character, at most 1024 characters): a value failing them is refused without being
 * quoted, so a hostile value never reaches a diagnostic, a log line or an Event.
 */
export function parseAnnotation<T>(spec: AnnotationSpec<T>, raw: string): ParseResult<T> {
  const bad = textProblem(raw);
  if (bad !== undefined) return { ok: false, error: `the value ${bad}` };
  return spec.parse(raw);
}

/**
 * Parse results by annotations object, then by spec. Objects are replaced on change, never mutated, so
 * an Ingress or Service that did not change is not parsed again by the next translation (a spec is
 * always read through the same `parse`). Entries go with their objects.
 */
const parsedByObject = new WeakMap<object, Map<AnnotationSpec<unknown>, ParseResult<unknown>>>();

function parsedValue<T>(
  spec: AnnotationSpec<T>,
  annotations: Readonly<Record<string, string>>,
  raw: string,
  parse: (spec: AnnotationSpec<T>, raw: string) => ParseResult<T>,
): ParseResult<T> {
  let byName = parsedByObject.get(annotations);
  if (byName === undefined) {
    byName = new Map();
    parsedByObject.set(annotations, byName);
  }
  let r = byName.get(spec as AnnotationSpec<unknown>) as ParseResult<T> | undefined;
  if (r === undefined) {
    r = parse(spec, raw);
    byName.set(spec as AnnotationSpec<unknown>, r);
  }
  return r;
}

/**
 * The value of annotation `spec` among `annotations`, parsed (by `parse`, default parseAnnotation); undefined
 * when it is absent or bad. A bad value is a CW_E_ANNOTATION_INVALID diagnostic on `ref` naming the
 * annotation, what is wrong and `consequence` (what applies instead), on every translation. The one
 * reader every policy uses; the parse itself is done once per annotations object (see parsedByObject).
 */
export function readAnnotation<T>(
  spec: AnnotationSpec<T>,
  annotations: Readonly<Record<string, string>> | undefined,
  ref: ObjectRef,
  diags: Diagnostic[],
  consequence = 'using the default',
  parse: (spec: AnnotationSpec<T>, raw: string) => ParseResult<T> = parseAnnotation,
): T | undefined {
  const raw = annotations?.[spec.name];
  if (raw === undefined) return undefined;
  const r = parsedValue(spec, annotations!, raw, parse);
  if (r.ok) return r.value;
  diags.push(
    diagnostic('CW_E_ANNOTATION_INVALID', ref, `annotation ${spec.name}: ${r.error}; ${consequence}`),
  );
  return undefined;
}

export function parseDurationSeconds(raw: string, max: number): ParseResult<number> {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(raw.trim());
  if (!m) return { ok: false, error: `"${raw}" is not a duration like 500ms, 15s or 2m` };
  const n = Number(m[1]) * (m[2] === 'ms' ? 0.001 : m[2] === 'm' ? 60 : 1);
  if (n > max) return { ok: false, error: `"${raw}" is longer than the maximum of ${max}s` };
  return { ok: true, value: Math.round(n * 1000) / 1000 };
}

export function parseBool(raw: string): ParseResult<boolean> {
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
  defaultText: 'none (no whole-request deadline)',
  description:
    'Opt-in deadline for the whole request and response of every route of the Ingress (`0s` disables it). At most 3600s.',
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

/** No whole-request deadline by default: streams and long downloads are bounded by the idle timeout. */
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 0;

/** The gateway group of an Ingress that names none (and whose IngressClass names none). */
export const DEFAULT_GROUP = 'default';
