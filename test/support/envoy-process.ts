/**
 * Real Envoy processes for end-to-end tests: `startEnvoy`, `validateEnvoyConfig` and friends. The code
 * lives in src/tools/envoy-process.ts because the demo (`npm run demo`) runs a gateway with it too.
 */
export * from '../../src/tools/envoy-process.js';
