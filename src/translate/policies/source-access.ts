/**
 * The per-Ingress source access policy of gateway routes (issue 13, item 2), read once per Ingress from
 * `causeway.dev/{whitelist,allowlist,denylist}-source-range`. Pure. A security policy fails closed: a
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
import type { IngressEntries } from '../../ingress/ingress-reader.js';
import { textProblem } from '../../ingress/text-checks.js';
import type { SourceAccessIR } from '../../ir/ir-types.js';
import {
  ALLOWLIST_SOURCE_RANGE,
  DENYLIST_SOURCE_RANGE,
  SOURCE_ACCESS_ANNOTATIONS,
  WHITELIST_SOURCE_RANGE,
} from './source-access-annotations.js';
import { MAX_SOURCE_RANGES_LENGTH } from './source-ranges.js';

/** What a refused value leads to (the diagnostic's consequence). */
export const FAIL_CLOSED = 'every route of the Ingress answers 403 (fail closed)';

/** Lists are longer than other values: the free-text checks allow up to MAX_SOURCE_RANGES_LENGTH. */
function parseValue<T>(spec: AnnotationSpec<T>, raw: string): ParseResult<T> {
  if (!SOURCE_ACCESS_ANNOTATIONS.includes(spec as AnnotationSpec<unknown>)) return parseAnnotation(spec, raw);
  const bad = textProblem(raw, { maxLength: MAX_SOURCE_RANGES_LENGTH });
  return bad === undefined ? spec.parse(raw) : { ok: false, error: `the value ${bad}` };
}

type Read = { readonly set: false } | { readonly set: true; readonly ranges?: readonly string[] };

function read(spec: AnnotationSpec<readonly string[]>, owner: IngressEntries, diags: Diagnostic[]): Read {
  const annotations = owner.ingress.object.metadata.annotations;
  if (annotations?.[spec.name] === undefined) return { set: false };
  const ranges = readAnnotation(spec, annotations, owner.diagRef, diags, FAIL_CLOSED, parseValue);
  return ranges === undefined ? { set: true } : { set: true, ranges };
}

/** The allow list under either name; both names set is refused (which one was meant is unknown). */
function readAllow(owner: IngressEntries, diags: Diagnostic[]): Read {
  const whitelist = read(WHITELIST_SOURCE_RANGE, owner, diags);
  const allowlist = read(ALLOWLIST_SOURCE_RANGE, owner, diags);
  if (whitelist.set && allowlist.set) {
    diags.push(
      diagnostic(
        'CW_E_ANNOTATION_INVALID',
        owner.diagRef,
        `annotation ${ALLOWLIST_SOURCE_RANGE.name}: ${WHITELIST_SOURCE_RANGE.name} is set too (two names for one list; set only one); ${FAIL_CLOSED}`,
      ),
    );
    return { set: true };
  }
  return whitelist.set ? whitelist : allowlist;
}

/** The source access policy of an Ingress's routes; undefined when it sets none of these annotations. */
export function readSourceAccess(owner: IngressEntries, diags: Diagnostic[]): SourceAccessIR | undefined {
  const allow = readAllow(owner, diags);
  const deny = read(DENYLIST_SOURCE_RANGE, owner, diags);
  if (!allow.set && !deny.set) return undefined;
  const allowed = allow.set ? allow.ranges : undefined;
  const denied = deny.set ? deny.ranges : undefined;
  if ((allow.set && !allowed) || (deny.set && !denied)) return { refuseAll: true };
  return { ...(allowed ? { allow: allowed } : {}), ...(denied ? { deny: denied } : {}) };
}
