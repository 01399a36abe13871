/** toolkit/copy.ts `sentEntries` and `matchSource`: what a COPY can take is what the builder is
 * sent; folders the ignore file excludes as a whole are not entered. */
import { expect, test } from '@jest/globals';
import { MemoryContext } from '../src/context/context.js';
import { matchSource, sentEntries } from '../src/toolkit/copy.js';

const files = {
  'app/main.py': '',
  'app/debug.log': '',
  'node_modules/a/index.js': '',
  'build/out.bin': '',
  'build/keep.txt': '',
  '.git/HEAD': '',
};

test('no ignore file: the whole walk', () => {
  const ctx = new MemoryContext(files);
  expect(sentEntries(ctx)).toEqual(ctx.walk());
});

test('a folder excluded as a whole is listed but not entered; one a `!` pattern reaches is', () => {
  const ctx = new MemoryContext({
    ...files,
    '.dockerignore': '# deps\nnode_modules\n.git\n*.log\n**/*.log\nbuild\n!build/keep.txt\n',
  });
  const paths = sentEntries(ctx).map((e) => e.path);
  expect(paths).toEqual(
    expect.arrayContaining(['node_modules', '.git', 'build', 'build/keep.txt', 'app/debug.log']),
  );
  expect(paths).not.toContain('node_modules/a');
  expect(paths).not.toContain('.git/HEAD');
  // A whole-context source takes what is sent (callers still check each file, e.g. debug.log).
  expect(matchSource(ctx, '.')).toEqual([
    '.dockerignore',
    'app/debug.log',
    'app/main.py',
    'build/keep.txt',
    'build/out.bin',
  ]);
  expect(matchSource(ctx, 'node_modules')).toEqual([]);
});

test('the ignore file beside the Dockerfile is the one in force', () => {
  const ctx = new MemoryContext(
    { ...files, 'Dockerfile.dockerignore': 'app\n', Dockerfile: 'FROM x\n' },
    'Dockerfile',
  );
  const paths = sentEntries(ctx).map((e) => e.path);
  expect(paths).not.toContain('app/main.py');
  expect(paths).toContain('node_modules/a/index.js');
});
