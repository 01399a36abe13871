import { describe, expect, test } from '@jest/globals';
import { bulkMatcher, sharedBulkMatcher } from '../../../transforms/dockerignore/ignore-file.js';

describe('sharedBulkMatcher', () => {
  test('the same patterns reuse the previous matcher (its verdicts), other patterns do not', () => {
    const a = sharedBulkMatcher(['node_modules', '**/*.log', '!keep.log']);
    expect(sharedBulkMatcher(['node_modules', '**/*.log', '!keep.log'])).toBe(a);
    const b = sharedBulkMatcher(['node_modules']);
    expect(b).not.toBe(a);
    // Patterns that only join alike are not the same key.
    expect(sharedBulkMatcher(['a', 'b'])).not.toBe(sharedBulkMatcher(['a\0b']));
  });

  test('verdicts are those of bulkMatcher', () => {
    const patterns = ['node_modules', '**/*.log', '!keep.log', 'build/'];
    const fresh = bulkMatcher(patterns);
    const shared = sharedBulkMatcher(patterns);
    for (const [p, isDir] of [
      ['node_modules', true],
      ['node_modules/x/y.js', false],
      ['src/a.log', false],
      ['keep.log', false],
      ['build', true],
      ['src/main.ts', false],
    ] as const)
      expect([p, shared(p, isDir)]).toEqual([p, fresh(p, isDir)]);
  });
});
