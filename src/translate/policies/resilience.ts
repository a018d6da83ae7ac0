/**
 * Reads the resilience annotations of one Ingress (retries, response compression, request mirroring),
 * purely; `../resilience-policy.ts` turns what it read into the route policy (the mirror Service
 * resolved through the group's backend registry). A bad value is a CW_E_ANNOTATION_INVALID diagnostic
 * naming the annotation, and the default applies (a bad mirror target or share: no mirror).
 */
import { diagnostic, type Diagnostic } from '../../errors.js';
import type { IngressEntries } from '../../ingress/ingress-reader.js';
import { readAnnotation, type AnnotationSpec } from '../../ingress/ingress-annotations.js';
import type { CompressionEncodingIR, RetryPolicyIR } from '../../ir/ir-types.js';
import {
  COMPRESSION,
  DEFAULT_RETRY_COUNT,
  MIRROR_PERCENT,
  MIRROR_TARGET,
  RETRY_COUNT,
  RETRY_ON,
  RETRY_PER_TRY_TIMEOUT,
  RETRY_STATUS_CODES,
  SAFE_RETRY_CONDITIONS,
  type MirrorTarget,
} from './resilience-annotations.js';

/** What an Ingress's resilience annotations say, before the mirror Service is resolved. */
export interface ResilienceAnnotations {
  /** Absent: no retries (`retry-count: 0`). */
  readonly retry?: RetryPolicyIR;
  /** Absent: not set (the group decides); empty: off. */
  readonly compression?: readonly CompressionEncodingIR[];
  readonly mirror?: { readonly target: MirrorTarget; readonly percent: number };
}

function read<T>(
  spec: AnnotationSpec<T>,
  owner: IngressEntries,
  diags: Diagnostic[],
  what: string,
): T | undefined {
  return readAnnotation(spec, owner.ingress.object.metadata.annotations, owner.diagRef, diags, what);
}

/**
 * The retry policy: by default only failures where the request provably never reached an app
 * (connect-failure, refused-stream, reset-before-request), twice, each time on another endpoint.
 */
function readRetry(owner: IngressEntries, diags: Diagnostic[]): RetryPolicyIR | undefined {
  const on = read(RETRY_ON, owner, diags, 'using the default conditions');
  const count = read(RETRY_COUNT, owner, diags, `using the default of ${DEFAULT_RETRY_COUNT}`);
  const perTry = read(RETRY_PER_TRY_TIMEOUT, owner, diags, 'tries have no deadline of their own');
  const codes = read(RETRY_STATUS_CODES, owner, diags, 'no status code is retried');
  const annotations = owner.ingress.object.metadata.annotations ?? {};
  if (on?.conditions.includes('retriable-status-codes') && annotations[RETRY_STATUS_CODES.name] === undefined)
    diags.push(
      diagnostic(
        'CW_E_ANNOTATION_INVALID',
        owner.diagRef,
        `annotation ${RETRY_ON.name}: retriable-status-codes without ${RETRY_STATUS_CODES.name}; no status code is retried`,
      ),
    );
  const conditions = new Set<string>(on?.conditions ?? SAFE_RETRY_CONDITIONS);
  if (codes !== undefined) conditions.add('retriable-status-codes');
  const retries = count ?? DEFAULT_RETRY_COUNT;
  if (retries === 0) return undefined;
  const sorted = [...conditions].sort();
  return {
    on: sorted,
    count: retries,
    ...(perTry !== undefined ? { perTryTimeoutSeconds: perTry } : {}),
    ...(codes !== undefined ? { statusCodes: codes } : {}),
    idempotentOnly:
      !(on?.nonIdempotent ?? false) &&
      sorted.some((c) => !(SAFE_RETRY_CONDITIONS as readonly string[]).includes(c)),
  };
}

function readMirror(owner: IngressEntries, diags: Diagnostic[]): ResilienceAnnotations['mirror'] {
  const target = read(MIRROR_TARGET, owner, diags, 'requests are not mirrored');
  const percent = read(MIRROR_PERCENT, owner, diags, 'requests are not mirrored');
  const annotations = owner.ingress.object.metadata.annotations ?? {};
  // A bad share mirrors nothing rather than everything (the mirror may not take the whole load).
  const badPercent = annotations[MIRROR_PERCENT.name] !== undefined && percent === undefined;
  if (annotations[MIRROR_PERCENT.name] !== undefined && annotations[MIRROR_TARGET.name] === undefined)
    diags.push(
      diagnostic(
        'CW_E_ANNOTATION_INVALID',
        owner.diagRef,
        `annotation ${MIRROR_PERCENT.name}: set without ${MIRROR_TARGET.name}; ignored`,
      ),
    );
  if (target === undefined || percent === 0 || badPercent) return undefined;
  return { target, percent: percent ?? 100 };
}

export function readResilience(owner: IngressEntries, diags: Diagnostic[]): ResilienceAnnotations {
  const retry = readRetry(owner, diags);
  const compression = read(COMPRESSION, owner, diags, "using the gateway group's setting");
  const mirror = readMirror(owner, diags);
  return {
    ...(retry ? { retry } : {}),
    ...(compression !== undefined ? { compression } : {}),
    ...(mirror ? { mirror } : {}),
  };
}
