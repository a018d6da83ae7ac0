/**
 * The header and CORS annotations of gateway mode (issue 12, item 3), for the catalog in
 * `annotations.ts`. They are defined next to their reader in `policies/headers-annotations.ts` (the
 * reader is imported by `route-policy.ts`, so `policies/` may not import this folder back).
 */
export * from './policies/headers-annotations.js';
