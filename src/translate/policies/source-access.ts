/**
 * The per-Ingress source access policy of gateway routes (issue 13, item 2), read once per Ingress from
 * `causeway.dev/{whitelist,allowlist,denylist}-source-range`, and the same lists on a Service exposed on
 * a gateway TCP port (`causeway.dev/gateway-tcp-port`). Pure. A security policy fails closed: a
 * bad value (or both allow-list names set) is a CW_E_ANNOTATION_INVALID diagnostic on the Ingress and
 * every route of the Ingress refuses every client (403), never silently open; other Ingresses are
 * untouched.
 */
import { diagnostic, type Diagnostic } from '../../errors.js';
import {
  parseAnnotation,
  readAnnotation,
  type AnnotationSpec,
  type ParseResult,
} from '../../ingress/ingress-annotations.js';
import type { ObjectRef } from '../../errors.js';
import type { IngressEntries } from '../../ingress/ingress-reader.js';
import { textProblem } from '../../ingress/text-checks.js';
import type { SourceAccessIR } from '../../ir/ir-types.js';
import {
  ALLOWLIST_SOURCE_RANGE,
  DENYLIST_SOURCE_RANGE,
  SOURCE_ACCESS_ANNOTATIONS,
  WHITELIST_SOURCE_RANGE,
} from './source-access-annotations.js';
import { MAX_SOURCE_RANGES_LENGTH, subtractRanges } from './source-ranges.js';

/** What a refused value leads to (the diagnostic's consequence). */
export const FAIL_CLOSED = 'every route of the Ingress answers 403 (fail closed)';
/** The same for a Service's gateway TCP port. */
export const FAIL_CLOSED_TCP = "the Service's gateway port closes every connection (fail closed)";

/** Where the annotations are and what a bad value leads to. */
interface Owner {
  readonly annotations: Readonly<Record<string, string>> | undefined;
  readonly ref: ObjectRef;
  readonly consequence: string;
}

/** Lists are longer than other values: the free-text checks allow up to MAX_SOURCE_RANGES_LENGTH. */
function parseValue<T>(spec: AnnotationSpec<T>, raw: string): ParseResult<T> {
  if (!SOURCE_ACCESS_ANNOTATIONS.includes(spec as AnnotationSpec<unknown>)) return parseAnnotation(spec, raw);
  const bad = textProblem(raw, { maxLength: MAX_SOURCE_RANGES_LENGTH });
  return bad === undefined ? spec.parse(raw) : { ok: false, error: `the value ${bad}` };
}

type Read = { readonly set: false } | { readonly set: true; readonly ranges?: readonly string[] };

function read(spec: AnnotationSpec<readonly string[]>, owner: Owner, diags: Diagnostic[]): Read {
  if (owner.annotations?.[spec.name] === undefined) return { set: false };
  const ranges = readAnnotation(spec, owner.annotations, owner.ref, diags, owner.consequence, parseValue);
  return ranges === undefined ? { set: true } : { set: true, ranges };
}

/** The allow list under either name; both names set is refused (which one was meant is unknown). */
function readAllow(owner: Owner, diags: Diagnostic[]): Read {
  const whitelist = read(WHITELIST_SOURCE_RANGE, owner, diags);
  const allowlist = read(ALLOWLIST_SOURCE_RANGE, owner, diags);
  if (whitelist.set && allowlist.set) {
    diags.push(
      diagnostic(
        'CW_E_ANNOTATION_INVALID',
        owner.ref,
        `annotation ${ALLOWLIST_SOURCE_RANGE.name}: ${WHITELIST_SOURCE_RANGE.name} is set too (two names for one list; set only one); ${owner.consequence}`,
      ),
    );
    return { set: true };
  }
  return whitelist.set ? whitelist : allowlist;
}

/** The source access policy of an Ingress's routes; undefined when it sets none of these annotations. */
export function readSourceAccess(owner: IngressEntries, diags: Diagnostic[]): SourceAccessIR | undefined {
  const annotations = owner.ingress.object.metadata.annotations;
  return readOwner({ annotations, ref: owner.diagRef, consequence: FAIL_CLOSED }, diags);
}

/** Most source ranges a TCP listener's filter chain matches (a deny list splits allow ranges). */
export const MAX_TCP_SOURCE_RANGES = 4096;

/**
 * Who may connect to a Service's gateway TCP port, as one set of CIDRs (allow without deny), because
 * the gateway matches it when choosing the connection's filter chain: a refused connection gets no
 * chain, so the TCP proxy never opens a connection to the backend (which could otherwise greet the
 * client first). Undefined: no list; empty: nobody (fails closed). `diagRef`: where diagnostics point.
 */
export function tcpAllowedSources(
  annotations: Readonly<Record<string, string>> | undefined,
  diagRef: ObjectRef,
  diags: Diagnostic[],
): readonly string[] | undefined {
  const a = readOwner({ annotations, ref: diagRef, consequence: FAIL_CLOSED_TCP }, diags);
  if (a === undefined) return undefined;
  if (a.refuseAll) return [];
  const ranges = subtractRanges(a.allow, a.deny ?? [], MAX_TCP_SOURCE_RANGES);
  if (ranges !== undefined) return ranges;
  diags.push(
    diagnostic(
      'CW_E_ANNOTATION_INVALID',
      diagRef,
      `annotation ${DENYLIST_SOURCE_RANGE.name}: the deny list splits the allowed addresses into more than ${MAX_TCP_SOURCE_RANGES} ranges; ${FAIL_CLOSED_TCP}`,
    ),
  );
  return [];
}

function readOwner(owner: Owner, diags: Diagnostic[]): SourceAccessIR | undefined {
  const allow = readAllow(owner, diags);
  const deny = read(DENYLIST_SOURCE_RANGE, owner, diags);
  if (!allow.set && !deny.set) return undefined;
  const allowed = allow.set ? allow.ranges : undefined;
  const denied = deny.set ? deny.ranges : undefined;
  if ((allow.set && !allowed) || (deny.set && !denied)) return { refuseAll: true };
  return { ...(allowed ? { allow: allowed } : {}), ...(denied ? { deny: denied } : {}) };
}
