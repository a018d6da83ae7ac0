/**
 * The access log family of the gateway annotation catalog: the spec lives in
 * policies/access-log-annotations.ts, next to its reader (a folder below src/translate must not import
 * this folder back).
 */
export * from './policies/access-log-annotations.js';
