/**
 * The resilience family of the gateway annotation catalog (retries, compression, mirroring): the specs
 * live in policies/resilience-annotations.ts, next to their reader (a folder below src/translate must
 * not import it back), and are re-exported here for the catalog and the config file.
 */
export * from './policies/resilience-annotations.js';
