/** toolkit/copy.ts `sentEntries` and `matchSource`: what a COPY can take is what the builder is
 * sent; folders the ignore file excludes as a whole are not entered. */
import { afterAll, expect, test } from '@jest/globals';
import { diskCounters, inSession } from '../src/context/cache.js';
import { DiskContext, MemoryContext } from '../src/context/context.js';
import { loadIgnore } from '../src/context/ignore.js';
import { matchSource, sentEntries } from '../src/toolkit/copy.js';
import { compileIgnore } from '../src/context/ignore-match.js';
import { mulberry32 } from './support/random.js';
import { removeTmpdirs, tmpdir, writeTree } from './helpers.js';

afterAll(removeTmpdirs);

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

test('an ignore file given by the caller is used as loaded; the walk options are made once per pattern list', () => {
  const ctx = new MemoryContext({
    ...files,
    '.dockerignore': 'node_modules\nbuild\n!build/keep.txt\n',
  });
  const seen: unknown[] = [];
  const walk = ctx.walk.bind(ctx);
  ctx.walk = (options) => (seen.push(options), walk(options));
  const ignore = loadIgnore(ctx);
  const given = sentEntries(ctx, ignore);
  expect(given).toEqual(sentEntries(ctx));
  expect(given.map((e) => e.path)).not.toContain('node_modules/a');
  expect(given.map((e) => e.path)).toContain('build/keep.txt');
  // (the same options object each time: the negations and the key are not made again)
  expect(seen).toHaveLength(2);
  expect(seen[0]).toBe(seen[1]);
  // Another text, other patterns: other options.
  const other = new MemoryContext({ ...files, '.dockerignore': 'app\n' });
  const otherWalk = other.walk.bind(other);
  other.walk = (options) => (seen.push(options), otherWalk(options));
  expect(sentEntries(other).map((e) => e.path)).not.toContain('app/main.py');
  expect(seen[2]).not.toBe(seen[0]);
});

test('without a `!` pattern, a folder is tested on its own path (inKeptFolder): the same walk as the whole verdict gives', () => {
  const r = mulberry32(0x5e47);
  const names = ['a', 'b', 'node_modules', 'dist', '.git', 'x.log', 'src', 'c.md'];
  const patterns = ['a', 'b/c', '*.log', '**/dist', 'src/*', 'node_modules', '.git', '*/a', 'c*'];
  for (let i = 0; i < 300; i++) {
    const files: Record<string, string> = {};
    for (let k = 1 + Math.floor(r() * 8); k > 0; k--) {
      const parts: string[] = [];
      for (let d = 1 + Math.floor(r() * 4); d > 0; d--)
        parts.push(names[Math.floor(r() * names.length)]!);
      files[parts.join('/')] = '';
    }
    const set = patterns.filter(() => r() < 0.3);
    files['.dockerignore'] = set.join('\n') + '\n';
    const ctx = new MemoryContext(files);
    const whole = compileIgnore(set);
    // (a walk entering only the folders the whole verdict keeps)
    const expected = ctx.walk({ descend: (d) => !whole(d.path) }).map((e) => e.path);
    expect([set, sentEntries(ctx).map((e) => e.path)]).toEqual([set, expected]);
  }
  // The whole verdict is not asked of any folder: the one on its own path is.
  const ctx = new MemoryContext({ 'a/b/c.txt': '', 'a/d/e.txt': '', 'x/y.txt': '' });
  const asked: string[] = [];
  const own = (p: string) => (asked.push(p), p === 'a/d');
  const ignores = Object.assign(
    (p: string): boolean => {
      throw new Error(`whole verdict asked for ${p}`);
    },
    { inKeptFolder: own },
  );
  const ignore = { path: '.dockerignore', text: 'a/d\n', patterns: ['a/d'], ignores };
  expect(sentEntries(ctx, ignore).map((e) => e.path)).toEqual([
    'a',
    'a/b',
    'a/b/c.txt',
    'a/d',
    'x',
    'x/y.txt',
  ]);
  expect(asked).toEqual(['a', 'a/b', 'a/d', 'x']);
});

test('matchSource over a disk walk: what a memory context of the same files takes, reading the paths of the files taken only', async () => {
  const tree = {
    ...files,
    'app/sub/deep.txt': '',
    'app.txt': '',
    'apps/x.txt': '',
    'a/app/y.txt': '',
    'README.md': '',
  };
  const dir = tmpdir('dfo-match-');
  writeTree(dir, tree);
  const sources = ['app', 'app/', './app/sub', 'app.txt', 'app/main.py', 'a', 'a/app', 'apps', 'x'];
  const memory = new MemoryContext(tree);
  await inSession(async () => {
    const ctx = new DiskContext(dir);
    sentEntries(ctx);
    for (const s of sources) {
      const made = diskCounters.walkPaths;
      const got = matchSource(ctx, s)!;
      expect([s, got]).toEqual([s, matchSource(memory, s)]);
      // (a path made for each file taken, none for the others: first reads only)
      expect(diskCounters.walkPaths - made).toBeLessThanOrEqual(got.length);
    }
    expect(diskCounters.walkPaths).toBeGreaterThan(0);
  });
});
