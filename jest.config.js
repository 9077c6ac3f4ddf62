/** Tests run TypeScript through @swc/jest: TypeScript 7 has no JS compiler API, so ts-jest cannot. */
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }];

/**
 * kubernetes-models 5 (offline Kubernetes schema validation in test/k8s) is ESM-only and exports
 * only an `import` condition, which jest's CommonJS resolver does not follow. These mappings point
 * its subpath imports at the files, and swc turns those ESM files into CommonJS like our own code.
 */
const kubernetesModels = {
  '^kubernetes-models/(.*)$': '<rootDir>/node_modules/kubernetes-models/$1.js',
  '^@kubernetes-models/(base|validate)$': '<rootDir>/node_modules/@kubernetes-models/$1/dist/index.js',
  '^@kubernetes-models/validate/runtime/(.*)$': '<rootDir>/node_modules/@kubernetes-models/validate/dist/runtime/$1.js',
  '^@kubernetes-models/apimachinery/(.*)$': '<rootDir>/node_modules/@kubernetes-models/apimachinery/$1.js',
};

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.tsx?$': swc,
    '/node_modules/(kubernetes-models|@kubernetes-models|is-cidr|cidr-regex|ip-regex)/.+\\.js$': swc,
  },
  moduleNameMapper: kubernetesModels,
  transformIgnorePatterns: ['/node_modules/(?!(kubernetes-models|@kubernetes-models|is-cidr|cidr-regex|ip-regex)/)'],
  setupFilesAfterEnv: ['aws-cdk-lib/testhelpers/jest-autoclean', '<rootDir>/test/setup.ts'],
  snapshotSerializers: ['<rootDir>/test/serializers/asset-hash.ts'],
  // Synthesizing CDK apps is CPU-bound: two workers fit a 2-core machine.
  maxWorkers: 2,
  testTimeout: 120000,
};
