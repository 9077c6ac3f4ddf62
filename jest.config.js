/**
 * Tests run in plain Node through jest-light-runner: each worker loads aws-cdk-lib, constructs and
 * the platform's code once and keeps them for every test file it runs, where jest's own runner
 * re-loaded them in a fresh module registry per file (that was most of `npm test`'s time). There
 * is no jest transform: tsx's hooks (test/register-ts.mjs) load TypeScript, and TypeScript 7 has
 * no JS compiler API for ts-jest anyway. What this gives up, on purpose: `jest.mock` of modules
 * (pass a function instead, e.g. `cachedBundle`'s `bundler`) and per-file isolation of globals,
 * so a test file restores what it changes (process.env, timers, spies).
 */
module.exports = {
  runner: 'jest-light-runner',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testSequencer: '<rootDir>/test/sequencer.cjs',
  setupFiles: ['<rootDir>/test/register-ts.mjs', '<rootDir>/test/k8s/built-in-models.mjs'],
  setupFilesAfterEnv: ['aws-cdk-lib/testhelpers/jest-autoclean', '<rootDir>/test/setup.ts'],
  snapshotSerializers: ['<rootDir>/test/serializers/asset-hash.ts'],
  // Synthesizing CDK apps is CPU-bound: two workers fit a 2-core machine.
  maxWorkers: 2,
  testTimeout: 120000,
};
