/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Suites of whole factory runs run on their own: `*.run.test.ts` (`npm run test:runs`), the crash, security, model
  // and Azure-shaped suites (`npm run test:chaos`, `test:security`, `test:model`, `test:azure`); so do the generated
  // services on PostgreSQL (`npm run test:postgres`), a database and a test run per service.
  testPathIgnorePatterns: [
    '/node_modules/',
    '\\.run\\.test\\.ts$',
    '/test/chaos/',
    '/test/security/',
    '/test/azure/',
    '/test/postgres/',
    '/test/model/',
  ],
  // Type checking is done once by `npm run build`; tests are only transpiled.
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  // The embedded host provides the Functions worker's core API module (see local/durableHost/functionsCore.ts).
  moduleNameMapper: { '^@azure/functions-core$': '<rootDir>/local/durableHost/functionsCoreModule.ts' },
  setupFiles: ['<rootDir>/test/support/environment.ts'],
  // One temporary folder per run, removed at its end (see test/support/tempRoot.ts).
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
  testTimeout: 60000,
  maxWorkers: 2,
};
