/** Jest runs the TypeScript sources directly (ts-jest, ESM, transpile only; `npm run typecheck` type-checks). */
// The AWS SDK warns once per process that its 2027 releases need Node >= 22 (we run Node 20). Set here,
// in the process that forks the workers, so every worker, test file and spawned CLI inherits it.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
const tsJest = ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: false }];
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': tsJest },
  testEnvironment: 'node',
};
export default {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/xds/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      // 60 s per test (a project's `testTimeout` is ignored by Jest, a setup file's jest.setTimeout is not).
      setupFilesAfterEnv: ['<rootDir>/test/support/e2e-timeout.ts'],
    },
  ],
};
