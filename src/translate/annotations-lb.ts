/**
 * The load-balancing and session-affinity annotations of a Service, for the catalog (annotations.ts).
 * They are defined in policies/lb-annotations.ts, beside their reader, so that the policies folder does
 * not import this one (the folder layering test forbids the cycle).
 */
export * from './policies/lb-annotations.js';
