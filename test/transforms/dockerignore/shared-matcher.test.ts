import { describe, expect, test } from '@jest/globals';
import { bulkMatcher, sharedBulkMatcher } from '../../../transforms/dockerignore/ignore-file.js';
import { mulberry32 } from '../../support/random.js';

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

describe('bulkMatcher', () => {
  test('a verdict does not depend on the paths asked before it (the folder kept from the last one)', () => {
    const r = mulberry32(0xb01c);
    const names = ['a', 'b', 'ab', 'node_modules', 'x.log', 'keep.log', 'c'];
    const paths: string[] = [];
    for (let i = 0; i < 400; i++) {
      const depth = Math.floor(r() * 4);
      const segs: string[] = [];
      for (let j = 0; j <= depth; j++) segs.push(names[Math.floor(r() * names.length)]);
      paths.push(segs.join('/'));
    }
    for (const patterns of [
      ['a', '**/node_modules'],
      ['a', '!a/keep.log', '*.log'],
      ['a/b', 'ab**/c', '**/*.log', '!**/keep.log'],
      ['*', '!a'],
    ]) {
      const bulk = bulkMatcher(patterns);
      for (const p of paths)
        expect([p, bulk(p, false)]).toEqual([p, bulkMatcher(patterns)(p, false)]);
      // And in the walk's order: a folder's files one after the other.
      const sorted = [...paths].sort();
      const walk = bulkMatcher(patterns);
      for (const p of sorted)
        expect([p, walk(p, false)]).toEqual([p, bulkMatcher(patterns)(p, false)]);
    }
  });
});
