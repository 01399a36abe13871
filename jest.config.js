/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } },
    ],
  },
  // The CLI's bundle, rebuilt when older than dist/ (test/bundle-setup.mjs).
  globalSetup: '<rootDir>/test/bundle-setup.mjs',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '<rootDir>/test/docker/', '<rootDir>/editors/'],
  // fixtures and examples hold package.json files of their own (same names: haste collisions)
  modulePathIgnorePatterns: ['<rootDir>/fixtures/', '<rootDir>/examples/', '<rootDir>/dist/', '<rootDir>/editors/', '<rootDir>/test/docker/equivalence/'],
  // Two workers even on 2 cores (jest's default is cores - 1): the pre-commit test mostly waits
  // on npm, so it runs beside the fixtures (cold run on 2 cores: 107 s -> 77 s).
  maxWorkers: 2,
  testSequencer: '<rootDir>/test/sequencer.cjs',
  cacheDirectory: '<rootDir>/.jest-cache',
};
