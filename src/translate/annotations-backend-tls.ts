/**
 * The backend protocol annotations (backend-protocol, backend-tls-*) for the catalog; the specs live
 * with their reader in `policies/backend-tls-annotations.ts` (the policies folder imports nothing from
 * this one).
 */
import type { AnnotationSpec } from '../ingress/ingress-annotations.js';
import {
  BACKEND_PROTOCOL,
  BACKEND_TLS_CA_SECRET,
  BACKEND_TLS_SNI,
  BACKEND_TLS_VERIFY,
} from './policies/backend-tls-annotations.js';

export * from './policies/backend-tls-annotations.js';

export const BACKEND_TLS_ANNOTATIONS: readonly AnnotationSpec<unknown>[] = [
  BACKEND_PROTOCOL,
  BACKEND_TLS_CA_SECRET,
  BACKEND_TLS_SNI,
  BACKEND_TLS_VERIFY,
];
