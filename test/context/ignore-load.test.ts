/** loadIgnore keeps what it parses from an ignore file's text (patterns and matcher) once per
 * text: the same text gives the same shared values, another text or a cleared cache new ones,
 * with the verdicts of a fresh parse. */
import { expect, test } from '@jest/globals';
import { clearCaches } from '../../src/api.js';
import { MemoryContext } from '../../src/context/context.js';
import { loadIgnore, matcher, parsePatterns } from '../../src/context/ignore.js';
import { sharedBulkMatcher } from '../../transforms/dockerignore/ignore-file.js';

test('the same ignore text: the same patterns and matcher; another text: its own', () => {
  clearCaches();
  const text = '# c\nnode_modules\n*.log\n!keep.log\n';
  const a = loadIgnore(new MemoryContext({ '.dockerignore': text }, null));
  const b = loadIgnore(new MemoryContext({ '.dockerignore': text, 'x.js': '\n' }, null));
  expect(b.patterns).toBe(a.patterns);
  expect(b.ignores).toBe(a.ignores);
  expect(a.patterns).toEqual(parsePatterns(text));
  const fresh = matcher([...parsePatterns(text)]);
  for (const p of ['node_modules', 'a/node_modules/x', 'x.log', 'keep.log', 'src/a.js'])
    expect([p, a.ignores(p)]).toEqual([p, fresh(p)]);
  // The shared bulk matcher of the analysis: the same one for the same list.
  expect(sharedBulkMatcher(b.patterns)).toBe(sharedBulkMatcher(a.patterns));
  const other = loadIgnore(new MemoryContext({ '.dockerignore': `${text}dist\n` }, null));
  expect(other.patterns).not.toBe(a.patterns);
  expect(other.patterns).toEqual([...a.patterns, 'dist']);
  expect(other.ignores('dist')).toBe(true);
  expect(a.ignores('dist')).toBe(false);
  clearCaches();
  const c = loadIgnore(new MemoryContext({ '.dockerignore': text }, null));
  expect(c.patterns).not.toBe(a.patterns);
  expect(c.patterns).toEqual(a.patterns);
});
