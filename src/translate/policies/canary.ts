/**
 * Reads the canary annotations of one Ingress (ingress-nginx semantics): whether it is a canary, and
 * how requests choose it — by header (`always`/`never`, an exact value or a pattern), then by cookie
 * (`always`/`never`), then by weight. Pure; a bad value is a CW_E_ANNOTATION_INVALID diagnostic on the
 * Ingress naming the annotation, and that rule is left out (the canary keeps its other rules).
 */
import { diagnostic, type Diagnostic } from '../../errors.js';
import type { IngressEntries } from '../../ingress/ingress-reader.js';
import { readAnnotation, type AnnotationSpec } from '../../ingress/ingress-annotations.js';
import {
  CANARY,
  CANARY_BY_COOKIE,
  CANARY_BY_HEADER,
  CANARY_BY_HEADER_PATTERN,
  CANARY_BY_HEADER_VALUE,
  CANARY_WEIGHT,
  CANARY_WEIGHT_TOTAL,
} from './canary-annotations.js';

/** How a request to a main route chooses its canary, in precedence order: header, cookie, weight. */
export interface CanaryPolicy {
  readonly byHeader?: {
    /** Lowercase header name. */
    readonly name: string;
    /** `value`: that exact value goes to the canary; `pattern`: a value the regex finds a match in; `always-never`: nginx's keywords. */
    readonly rule:
      | { readonly kind: 'always-never' }
      | { readonly kind: 'value'; readonly value: string }
      | { readonly kind: 'pattern'; readonly pattern: string };
  };
  readonly byCookie?: string;
  /** Canary share of the requests no header or cookie decided: `weight` out of `total`. */
  readonly weight: number;
  readonly total: number;
}

function read<T>(
  spec: AnnotationSpec<T>,
  owner: IngressEntries,
  diags: Diagnostic[],
  consequence: string,
): T | undefined {
  return readAnnotation(spec, owner.ingress.object.metadata.annotations, owner.diagRef, diags, consequence);
}

function headerRule(owner: IngressEntries, diags: Diagnostic[]): CanaryPolicy['byHeader'] {
  const name = read(CANARY_BY_HEADER, owner, diags, 'no header rule');
  const value = read(CANARY_BY_HEADER_VALUE, owner, diags, 'the header rule uses "always" and "never"');
  const pattern =
    value === undefined
      ? read(CANARY_BY_HEADER_PATTERN, owner, diags, 'the header rule uses "always" and "never"')
      : undefined;
  if (name === undefined) return undefined;
  if (value !== undefined) return { name, rule: { kind: 'value', value } };
  if (pattern !== undefined) return { name, rule: { kind: 'pattern', pattern } };
  return { name, rule: { kind: 'always-never' } };
}

/** The canary policy of an Ingress with `causeway.dev/canary: "true"`; undefined for a main Ingress. */
export function readCanary(owner: IngressEntries, diags: Diagnostic[]): CanaryPolicy | undefined {
  if (read(CANARY, owner, diags, 'the Ingress is not a canary') !== true) return undefined;
  const total = read(CANARY_WEIGHT_TOTAL, owner, diags, 'using 100') ?? 100;
  let weight = read(CANARY_WEIGHT, owner, diags, 'using 0') ?? 0;
  if (weight > total) {
    diags.push(
      diagnostic(
        'CW_E_ANNOTATION_INVALID',
        owner.diagRef,
        `annotation ${CANARY_WEIGHT.name}: ${weight} is more than canary-weight-total ${total}; using ${total}`,
      ),
    );
    weight = total;
  }
  const byHeader = headerRule(owner, diags);
  const byCookie = read(CANARY_BY_COOKIE, owner, diags, 'no cookie rule');
  return { ...(byHeader ? { byHeader } : {}), ...(byCookie ? { byCookie } : {}), weight, total };
}

/** The canary Ingresses among a group's owners, with their policies (diagnostics reported once). */
export function readCanaries(
  owners: readonly IngressEntries[],
  diags: Diagnostic[],
): ReadonlyMap<IngressEntries, CanaryPolicy> {
  const out = new Map<IngressEntries, CanaryPolicy>();
  for (const o of owners) {
    const c = readCanary(o, diags);
    if (c) out.set(o, c);
  }
  return out;
}
