/**
 * The rate limit annotations of gateway mode (issue 13, item 3), for the catalog in `annotations.ts`.
 * They are defined next to their reader in `policies/rate-limit-annotations.ts` (the reader is imported
 * by `route-policy.ts`, so `policies/` may not import this folder back).
 */
export * from './policies/rate-limit-annotations.js';
