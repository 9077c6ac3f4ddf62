/** Tests run TypeScript through @swc/jest: TypeScript 7 has no JS compiler API, so ts-jest cannot. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.tsx?$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }],
  },
  setupFilesAfterEnv: ['aws-cdk-lib/testhelpers/jest-autoclean', '<rootDir>/test/setup.ts'],
  snapshotSerializers: ['<rootDir>/test/serializers/asset-hash.ts'],
  // Synthesizing CDK apps is CPU-bound: two workers fit a 2-core machine.
  maxWorkers: 2,
  testTimeout: 120000,
};
