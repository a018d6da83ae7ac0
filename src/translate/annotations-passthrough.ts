/**
 * The TLS passthrough annotation for the catalog; the spec lives with its reader in
 * `policies/passthrough-annotations.ts` (the policies folder imports nothing from this one).
 */
import type { AnnotationSpec } from '../ingress/ingress-annotations.js';
import { SSL_PASSTHROUGH } from './policies/passthrough-annotations.js';

export * from './policies/passthrough-annotations.js';

export const PASSTHROUGH_ANNOTATIONS: readonly AnnotationSpec<unknown>[] = [SSL_PASSTHROUGH];
