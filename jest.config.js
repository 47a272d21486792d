/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/ledger', '<rootDir>/card-driver', '<rootDir>/workflows', '<rootDir>/portal', '<rootDir>/cli', '<rootDir>/docker'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.tsx?$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  globalSetup: '<rootDir>/test-support/global-setup.js',
  setupFiles: ['<rootDir>/test-support/setup-env.js'],
  testTimeout: 30000,
  // Service-backed suites share one PostgreSQL and one Temporal; two workers fit 2 cores.
  maxWorkers: 2,
};
