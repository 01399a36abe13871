/** Issue 18: what the dockerignore analysis derives from the ignore file's patterns (a `!` line,
 * the walk's folder verdict, the walk's key) is made once per frozen pattern list (loadIgnore's)
 * and equals what the patterns give when worked out again. */
import { expect, test } from '@jest/globals';
import { MemoryContext } from '../../../src/context/context.js';
import { loadIgnore } from '../../../src/context/ignore.js';
import { patternFacts } from '../../../transforms/dockerignore/analysis.js';
import { keptFolderMatcher } from '../../../transforms/dockerignore/ignore-file.js';
import { mulberry32 } from '../../support/random.js';

const PARTS = ['a', 'b', 'node_modules', '*', '**', '*.log', 'x?', '.git', 'dist'];
const FOLDERS = ['a', 'b', 'a/b', 'node_modules', 'x1', 'a/node_modules', 'dist', 'b/dist/a'];

test('the facts of 500 random pattern lists equal the patterns worked out again', () => {
  const r = mulberry32(0xfac75);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
  for (let i = 0; i < 500; i++) {
    const patterns: string[] = [];
    for (let k = Math.floor(r() * 4); k > 0; k--) {
      const parts: string[] = [];
      for (let d = 1 + Math.floor(r() * 2); d > 0; d--) parts.push(pick(PARTS));
      patterns.push((r() < 0.15 ? '!' : '') + parts.join('/'));
    }
    const frozen = Object.freeze([...patterns]);
    const facts = patternFacts(frozen);
    const hasNeg = patterns.some((p) => p.startsWith('!'));
    expect([patterns, facts.hasNeg, facts.walkKey]).toEqual([
      patterns,
      hasNeg,
      `dockerignore\0${patterns.join('\n')}`,
    ]);
    if (hasNeg || patterns.length === 0) expect(facts.dirIgnored).toBeNull();
    else {
      const kept = keptFolderMatcher(patterns);
      expect([patterns, FOLDERS.map((f) => facts.dirIgnored!(f))]).toEqual([
        patterns,
        FOLDERS.map((f) => kept(f)),
      ]);
    }
    // Once per frozen list; an equal list is another list.
    expect(patternFacts(frozen)).toBe(facts);
    if (patterns.length) expect(patternFacts(Object.freeze([...patterns]))).not.toBe(facts);
  }
});

test('a list that is not frozen is worked out on each call (it may change)', () => {
  const patterns = ['node_modules'];
  const a = patternFacts(patterns);
  patterns.push('!keep');
  const b = patternFacts(patterns);
  expect([a.hasNeg, b.hasNeg]).toEqual([false, true]);
  expect(b.walkKey).toBe('dockerignore\0node_modules\n!keep');
});

test("loadIgnore's lists are frozen and shared by the Dockerfiles of a context: one facts object", () => {
  const bc = new MemoryContext({
    '.dockerignore': 'node_modules\n*.log\n',
    Dockerfile: 'FROM x\n',
  });
  const a = loadIgnore(bc).patterns;
  const b = loadIgnore(bc).patterns;
  expect(b).toBe(a);
  expect(Object.isFrozen(a)).toBe(true);
  expect(patternFacts(b)).toBe(patternFacts(a));
});
