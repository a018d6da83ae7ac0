/**
 * The source access annotations of gateway mode (issue 13, item 2), for the catalog in `annotations.ts`.
 * They are defined next to their reader in `policies/source-access-annotations.ts` (the reader is
 * imported by `route-policy.ts`, so `policies/` may not import this folder back).
 */
export * from './policies/source-access-annotations.js';
