/**
 * Jest for mutation testing (ADR 0064): the tests written for the core modules Stryker mutates, not the whole-run
 * suites. A mutant only an end-to-end run would notice counts as survived, so each module's score says what its own
 * tests pin down, and a static mutant (code run while a module loads) costs seconds rather than whole runs.
 * @type {import('jest').Config}
 */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  roots: ['<rootDir>/test'],
  testMatch: [
    '<rootDir>/test/orchestrations/*.test.ts',
    '<rootDir>/test/durableHost/{durableHost,durableClient,store,storeFailure}.test.ts',
    '<rootDir>/test/platform/{runStore,artifactStore}.test.ts',
    '<rootDir>/test/platform/{artifacts,auth,sandbox,deployment}/*.test.ts',
    '<rootDir>/test/agents/azureOpenAi/{transport,provider}.test.ts',
    '<rootDir>/test/runs/runOptions.test.ts',
  ],
};
