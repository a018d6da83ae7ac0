/**
 * The external auth family of the gateway annotation catalog (`causeway.dev/auth-url` and friends): the
 * specs live in policies/ext-auth-annotations.ts, next to their reader, and are re-exported here.
 */
export * from './policies/ext-auth-annotations.js';
