import { describe, expect, test } from '@jest/globals';
import {
  bulkMatcher,
  countRemaining,
  lacking,
  remaining,
  sharedBulkMatcher,
} from '../../../transforms/dockerignore/ignore-file.js';
import { matcher } from '../../../src/context/ignore.js';
import type { ContextEntry } from '../../../src/model/types.js';
import type { Measured } from '../../../transforms/dockerignore/model.js';
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

describe('bulkMatcher against the plain verdict', () => {
  test('the same verdict as matcher(patterns) for files, on random sets with and without `!` rules, in walk order and out of it', () => {
    const r = mulberry32(0xb0c5);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const names = ['a', 'b', 'ab', 'src', 'node_modules', 'x.log', '.env', 'constructor', 'c.md'];
    const pool = ['a', 'a/b', '**/node_modules', '*.log', '**/*.log', 'src/*', 'b/**', '.env*'];
    pool.push('ab**/c', '*/b', '**/a/**', 'constructor', '!a/x.log', '!**/c.md', 'src', '*.md');
    const paths: string[] = [];
    for (let i = 0; i < 300; i++) {
      const segs: string[] = [];
      for (let j = Math.floor(r() * 4); j >= 0; j--) segs.push(pick(names));
      paths.push(segs.join('/'));
    }
    const wrong: unknown[] = [];
    for (let t = 0; t < 200; t++) {
      const patterns: string[] = [];
      for (let k = 1 + Math.floor(r() * 5); k > 0; k--) patterns.push(pick(pool));
      const plain = matcher(patterns);
      for (const order of [paths, [...paths].sort()]) {
        const bulk = bulkMatcher(patterns);
        for (const p of order) if (bulk(p, false) !== plain(p)) wrong.push([patterns, p]);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('remaining (counts after the added patterns, kept per measure)', () => {
  test('cached counts are the uncached ones, on random trees and pattern lists', () => {
    const r = mulberry32(0xc07);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const names = ['a', 'b', 'src', 'node_modules', 'x.log', 'keep.log', '.env', '.env.example'];
    const pool = ['a', '**/node_modules', '*.log', '!keep.log', '!**/keep.log', '.env*', 'src/*'];
    pool.push('!.env.example', 'b/**', '!a/b', '**/*.log', 'node_modules');
    for (let t = 0; t < 30; t++) {
      const files = new Map<string, number>();
      for (let i = 0; i < 60; i++) {
        const segs: string[] = [];
        for (let j = Math.floor(r() * 4); j >= 0; j--) segs.push(pick(names));
        files.set(segs.join('/'), Math.floor(r() * 5000));
      }
      const entries = [...files].map(([path, size]) => ({ path, size, isDirectory: false }));
      const measured: Measured = {
        files: entries,
        files0: entries.length,
        bytes0: entries.reduce((n, e) => n + e.size, 0),
        partial: false,
      };
      const lists: string[][] = [];
      for (let k = 0; k < 8; k++) {
        const list: string[] = [];
        for (let n = Math.floor(r() * 5); n > 0; n--) list.push(pick(pool));
        lists.push(list);
      }
      // Each list twice (the second answer from the cache), in a shuffled order.
      const asked = [...lists, ...lists].sort(() => r() - 0.5);
      for (const list of asked)
        expect([list, remaining(measured, list)]).toEqual([list, countRemaining(measured, list)]);
      // The same list again: the same counts object (kept), another measure: counted anew.
      expect(remaining(measured, lists[0]!)).toBe(remaining(measured, lists[0]!));
      const other: Measured = { ...measured, files: entries.slice(1) };
      expect(remaining(other, lists[0]!)).toEqual(countRemaining(other, lists[0]!));
    }
  });
});

describe('lacking: what the measuring walk adds to the analysis walk', () => {
  const entry = (p: string, isDirectory = false): ContextEntry => ({
    path: p,
    size: 1,
    isDirectory,
  });
  /** The map-based reference: every entry of the measuring walk whose path the analysis walk
   * does not hold, in order. */
  const reference = (entries: ContextEntry[], extra: ContextEntry[]) => {
    const paths = new Set(entries.map((e) => e.path));
    return extra.filter((e) => !paths.has(e.path)).map((e) => e.path);
  };

  test('the entries strictly below a root, but pending files both walks hold', () => {
    // The analysis walk stops at the roots `.git` and `web/node_modules`; the pending
    // `.git/info/x` is in both lists (OverlayContext adds it to every walk).
    const entries = [
      entry('.git', true),
      entry('.git/info/x'),
      entry('a.txt'),
      entry('web', true),
      entry('web/node_modules', true),
      entry('web/x.js'),
    ];
    const extra = [
      entry('.git', true),
      entry('.git/HEAD'),
      entry('.git/info', true),
      entry('.git/info/x'),
      entry('a.txt'),
      entry('web', true),
      entry('web/node_modules', true),
      entry('web/node_modules/m', true),
      entry('web/node_modules/m/i.js'),
      entry('web/x.js'),
    ];
    const roots = ['.git', 'web/node_modules'];
    const got = lacking(entries, extra, roots).map((e) => e.path);
    expect(got).toEqual(reference(entries, extra));
    expect(got).toEqual([
      '.git/HEAD',
      '.git/info',
      'web/node_modules/m',
      'web/node_modules/m/i.js',
    ]);
  });

  test('an analysis walk cut at its limit: by the paths it holds', () => {
    const entries = Array.from({ length: 200_000 }, (_, i) => entry(`f${i}`));
    const extra = [entry('f1'), entry('zz'), entry('.git', true), entry('.git/HEAD')];
    expect(lacking(entries, extra, ['.git']).map((e) => e.path)).toEqual([
      'zz',
      '.git',
      '.git/HEAD',
    ]);
  });
});
