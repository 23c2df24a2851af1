/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The crash and security suites run on their own (`npm run test:chaos`, `npm run test:security`): full runs.
  testPathIgnorePatterns: ['/node_modules/', '/test/chaos/', '/test/security/', '/test/azure/'],
  // Type checking is done once by `npm run build`; tests are only transpiled.
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  // The embedded host provides the Functions worker's core API module (see local/durableHost/functionsCore.ts).
  moduleNameMapper: { '^@azure/functions-core$': '<rootDir>/local/durableHost/functionsCoreModule.ts' },
  setupFiles: ['<rootDir>/test/support/environment.ts'],
  testTimeout: 60000,
  maxWorkers: 2,
};
