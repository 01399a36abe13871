/**
 * Runs the slow test files first, one on each worker (a clean CI clone has no timing cache,
 * and jest's default order by file size would start the pre-commit test last, after the fixtures).
 */
const Sequencer = require('@jest/test-sequencer').default;

const FIRST = [
  'fixtures.test.ts',
  'precommit.test.ts',
  'examples-cache.test.ts',
  'examples-apt.test.ts',
];
const rank = (p) => {
  const i = FIRST.findIndex((name) => p.endsWith(`/${name}`));
  return i < 0 ? FIRST.length : i;
};

class SlowFirst extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    return [...sorted].sort((a, b) => rank(a.path) - rank(b.path));
  }
}

module.exports = SlowFirst;
