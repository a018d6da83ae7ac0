/**
 * The tracing annotations of gateway mode (issue 13, item 6) in the catalog. They are defined next to
 * their reader (src/translate/policies/tracing-annotations.ts) because the readers under
 * src/translate/policies may not import src/translate (a folder cycle: route-policy.ts imports them).
 */
export * from './policies/tracing-annotations.js';
