/**
 * The shape of an ALB annotation (where it may be set, group or Ingress scope, what a bad value does)
 * and the parsers the ALB catalog builds its annotations from.
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

export const ok = <T>(value: T): ParseResult<T> => ({ ok: true, value });
export const fail = <T>(error: string): ParseResult<T> => ({ ok: false, error });

export function commaList(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function idList(kind: string, pattern: RegExp): (raw: string) => ParseResult<readonly string[]> {
  return (raw) => {
    const ids = commaList(raw);
    if (ids.length === 0) return fail(`"${raw}" lists no ${kind}`);
    const bad = ids.find((id) => !pattern.test(id));
    if (bad !== undefined) return fail(`"${bad}" is not a ${kind} ID`);
    return ok([...new Set(ids)].sort());
  };
}

export function integerBetween(min: number, max: number): (raw: string) => ParseResult<number> {
  return (raw) => {
    const t = raw.trim();
    const n = Number(t);
    return /^-?\d+$/.test(t) && n >= min && n <= max
      ? ok(n)
      : fail(`"${raw}" is not a whole number from ${min} to ${max}`);
  };
}

export function oneOf<T extends string>(values: readonly T[]): (raw: string) => ParseResult<T> {
  return (raw) =>
    (values as readonly string[]).includes(raw)
      ? ok(raw as T)
      : fail(`"${raw}" is not one of ${values.map((v) => `"${v}"`).join(', ')}`);
}

/** `key=value,key=value` into a sorted record; `check` validates each pair. */
export function keyValues(
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
export const attributePair = (key: string, value: string): string | undefined =>
  !ATTRIBUTE_KEY.test(key)
    ? `"${key}" is not an attribute key (a-z, 0-9, "_", ".")`
    : value === '' || value.length > 1024
      ? `attribute "${key}" needs a value of 1 to 1024 characters`
      : undefined;

export function secondsAttribute(key: string, value: string, min: number, max: number): string | undefined {
  const n = Number(value);
  return /^\d+$/.test(value) && n >= min && n <= max
    ? undefined
    : `${key} "${value}" is not a whole number of seconds from ${min} to ${max}`;
}
