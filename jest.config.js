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
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '<rootDir>/test/docker/'],
  // fixtures and examples hold package.json files of their own (same names: haste collisions)
  modulePathIgnorePatterns: ['<rootDir>/fixtures/', '<rootDir>/examples/', '<rootDir>/dist/'],
  testSequencer: '<rootDir>/test/sequencer.cjs',
  cacheDirectory: '<rootDir>/.jest-cache',
};
