/**
 * The traffic splitting annotations (canary Ingresses, weighted backends) for the catalog; the specs
 * live with their readers in `policies/canary-annotations.ts` (the policies folder imports nothing
 * from this one).
 */
import type { AnnotationSpec } from '../ingress/ingress-annotations.js';
import {
  CANARY,
  CANARY_BY_COOKIE,
  CANARY_BY_HEADER,
  CANARY_BY_HEADER_PATTERN,
  CANARY_BY_HEADER_VALUE,
  CANARY_WEIGHT,
  CANARY_WEIGHT_TOTAL,
  WEIGHTED_BACKENDS,
} from './policies/canary-annotations.js';

export * from './policies/canary-annotations.js';

export const CANARY_ANNOTATIONS: readonly AnnotationSpec<unknown>[] = [
  CANARY,
  CANARY_BY_HEADER,
  CANARY_BY_HEADER_VALUE,
  CANARY_BY_HEADER_PATTERN,
  CANARY_BY_COOKIE,
  CANARY_WEIGHT,
  CANARY_WEIGHT_TOTAL,
  WEIGHTED_BACKENDS,
];
