/** The real-Docker suite (npm run test:docker): test/docker/*.test.ts, two files at a time (the builds share one engine). */
import base from './jest.config.js';

/** @type {import('jest').Config} */
export default {
  ...base,
  testMatch: ['<rootDir>/test/docker/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  maxWorkers: 2,
  testTimeout: 20 * 60_000,
};
