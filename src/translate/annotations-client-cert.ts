/**
 * The client-certificate family of the gateway annotation catalog (`causeway.dev/auth-tls-*`): the specs
 * live in policies/client-cert-annotations.ts, next to their reader (a folder below src/translate must
 * not import it back), and are re-exported here for the catalog.
 */
import type { AnnotationSpec } from '../ingress/ingress-annotations.js';
import {
  AUTH_TLS_PASS_CERTIFICATE,
  AUTH_TLS_SECRET,
  AUTH_TLS_VERIFY_CLIENT,
  AUTH_TLS_VERIFY_DEPTH,
} from './policies/client-cert-annotations.js';

export * from './policies/client-cert-annotations.js';

export const CLIENT_CERT_ANNOTATIONS: readonly AnnotationSpec<unknown>[] = [
  AUTH_TLS_SECRET,
  AUTH_TLS_VERIFY_CLIENT,
  AUTH_TLS_VERIFY_DEPTH,
  AUTH_TLS_PASS_CERTIFICATE,
];
