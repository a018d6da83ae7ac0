/**
 * The path annotations of gateway mode (issue 12, item 2) in the catalog. They are defined next to
 * their reader (src/translate/policies/paths-annotations.ts) because the readers under
 * src/translate/policies may not import src/translate (a folder cycle: route-policy.ts imports them).
 */
export * from './policies/paths-annotations.js';
