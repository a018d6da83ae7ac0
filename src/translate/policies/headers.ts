/**
 * The per-Ingress header policy of gateway routes (issue 12, item 3), read once per Ingress: request and
 * response header changes (`causeway.dev/{request,response}-headers-{set,add,remove}`) and CORS
 * (`causeway.dev/enable-cors` with the `cors-*` annotations). Pure. A bad value is a
 * CW_E_ANNOTATION_INVALID diagnostic on the Ingress naming the annotation: a bad header list changes no
 * header, a bad `cors-*` value falls back to its default, and a bad `enable-cors` leaves CORS off.
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
import type { CorsPolicyIR, HeaderMutationIR, HeaderPolicyIR } from '../../ir/ir-types.js';
import {
  CORS_ALLOW_CREDENTIALS,
  CORS_ALLOW_HEADERS,
  CORS_ALLOW_METHODS,
  CORS_ALLOW_ORIGIN,
  CORS_EXPOSE_HEADERS,
  CORS_MAX_AGE,
  DEFAULT_CORS_HEADERS,
  DEFAULT_CORS_MAX_AGE,
  DEFAULT_CORS_METHODS,
  ENABLE_CORS,
  HEADER_LIST_ANNOTATIONS,
  REQUEST_HEADERS_ADD,
  REQUEST_HEADERS_REMOVE,
  REQUEST_HEADERS_SET,
  RESPONSE_HEADERS_ADD,
  RESPONSE_HEADERS_REMOVE,
  RESPONSE_HEADERS_SET,
} from './headers-annotations.js';
import { MAX_HEADER_ANNOTATION_LENGTH } from './header-syntax.js';

/** Header lists span lines (a YAML `|` block): line breaks and tabs pass the free-text checks. */
function parseValue<T>(spec: AnnotationSpec<T>, raw: string): ParseResult<T> {
  if (!HEADER_LIST_ANNOTATIONS.includes(spec as AnnotationSpec<unknown>)) return parseAnnotation(spec, raw);
  const bad = textProblem(raw, { allowLineBreaks: true, maxLength: MAX_HEADER_ANNOTATION_LENGTH });
  return bad === undefined ? spec.parse(raw) : { ok: false, error: `the value ${bad}` };
}

function read<T>(
  spec: AnnotationSpec<T>,
  owner: IngressEntries,
  diags: Diagnostic[],
  fallback: string,
): T | undefined {
  const annotations = owner.ingress.object.metadata.annotations;
  return readAnnotation(spec, annotations, owner.diagRef, diags, fallback, parseValue);
}

const IGNORED = 'it changes no header';

function readMutation(
  specs: readonly [typeof REQUEST_HEADERS_SET, typeof REQUEST_HEADERS_ADD, typeof REQUEST_HEADERS_REMOVE],
  owner: IngressEntries,
  diags: Diagnostic[],
): HeaderMutationIR | undefined {
  const [setSpec, addSpec, removeSpec] = specs;
  const set = read(setSpec, owner, diags, IGNORED) ?? [];
  const add = read(addSpec, owner, diags, IGNORED) ?? [];
  const remove = read(removeSpec, owner, diags, IGNORED) ?? [];
  return set.length + add.length + remove.length > 0 ? { set, add, remove } : undefined;
}

function readCors(owner: IngressEntries, diags: Diagnostic[]): CorsPolicyIR | undefined {
  if (read(ENABLE_CORS, owner, diags, 'CORS stays off') !== true) return undefined;
  const byDefault = 'using the default';
  const allowOrigins = read(CORS_ALLOW_ORIGIN, owner, diags, byDefault) ?? [{ kind: 'any' }];
  const credentials = read(CORS_ALLOW_CREDENTIALS, owner, diags, byDefault);
  const anyOrigin = allowOrigins.some((o) => o.kind === 'any');
  if (anyOrigin && credentials === true)
    diags.push(
      diagnostic(
        'CW_E_ANNOTATION_INVALID',
        owner.diagRef,
        `annotation ${CORS_ALLOW_CREDENTIALS.name}: "true" with origin "*" would let every site make credentialed requests (the CORS standard forbids it); credentials are not allowed`,
      ),
    );
  return {
    allowOrigins,
    allowMethods: read(CORS_ALLOW_METHODS, owner, diags, byDefault) ?? DEFAULT_CORS_METHODS,
    allowHeaders: read(CORS_ALLOW_HEADERS, owner, diags, byDefault) ?? DEFAULT_CORS_HEADERS,
    exposeHeaders: read(CORS_EXPOSE_HEADERS, owner, diags, byDefault) ?? [],
    allowCredentials: anyOrigin ? false : (credentials ?? true),
    maxAgeSeconds: read(CORS_MAX_AGE, owner, diags, byDefault) ?? DEFAULT_CORS_MAX_AGE,
  };
}

/** The header policy of an Ingress's routes; undefined when it sets none of these annotations. */
export function readHeaders(owner: IngressEntries, diags: Diagnostic[]): HeaderPolicyIR | undefined {
  const request = readMutation(
    [REQUEST_HEADERS_SET, REQUEST_HEADERS_ADD, REQUEST_HEADERS_REMOVE],
    owner,
    diags,
  );
  const response = readMutation(
    [RESPONSE_HEADERS_SET, RESPONSE_HEADERS_ADD, RESPONSE_HEADERS_REMOVE],
    owner,
    diags,
  );
  const cors = readCors(owner, diags);
  if (!request && !response && !cors) return undefined;
  return { ...(request ? { request } : {}), ...(response ? { response } : {}), ...(cors ? { cors } : {}) };
}
