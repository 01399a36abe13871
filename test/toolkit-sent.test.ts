/** toolkit/copy.ts `sentEntries` and `matchSource`: what a COPY can take is what the builder is
 * sent; folders the ignore file excludes as a whole are not entered. */
import { afterAll, expect, test } from '@jest/globals';
import { diskCounters, inSession } from '../src/context/cache.js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DiskContext, MemoryContext, OverlayContext } from '../src/context/context.js';
import type { BuildContext, ContextEntry, WalkOptions } from '../src/model/types.js';
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

/** What the sent walk holds at or below a literal source (matchSource's answer from the walk). */
const walkTakes = (ctx: BuildContext, clean: string): string[] =>
  sentEntries(ctx)
    .filter((e) => !e.isDirectory && (e.path === clean || e.path.startsWith(`${clean}/`)))
    .map((e) => e.path);

test("matchSource of a literal path that names a file or nothing: the walk's answer, from the listings on its way (no walk)", async () => {
  class CountingContext extends MemoryContext {
    walks = 0;
    override walk(options?: WalkOptions): ContextEntry[] {
      this.walks++;
      return super.walk(options);
    }
  }
  const r = mulberry32(0x11a7);
  const names = ['a', 'b', 'node_modules', 'x.log', 'src', 'c.md'];
  const patterns = [
    'a',
    'b/c.md',
    '*.log',
    '**/src',
    'src/*',
    'node_modules',
    '!a/x.log',
    '!src/b',
    '*/a',
    '!**/c.md',
  ];
  let files = 0;
  for (let i = 0; i < 300; i++) {
    const tree: Record<string, string> = {};
    for (let k = 1 + Math.floor(r() * 8); k > 0; k--) {
      const parts: string[] = [];
      for (let d = 1 + Math.floor(r() * 4); d > 0; d--)
        parts.push(names[Math.floor(r() * names.length)]!);
      tree[parts.join('/')] = '';
    }
    const set = patterns.filter(() => r() < 0.3);
    if (set.length) tree['.dockerignore'] = set.join('\n') + '\n';
    const ctx = new CountingContext(tree);
    const sources = new Set<string>();
    for (const p of Object.keys(tree)) {
      const parts = p.split('/');
      for (let k = 1; k <= parts.length; k++) sources.add(parts.slice(0, k).join('/'));
      sources.add(`${p}/a`);
      sources.add(`${parts[0]}/zz`);
    }
    for (const s of sources) {
      const expected = walkTakes(ctx, s);
      const walks = ctx.walks;
      expect([set, s, matchSource(ctx, s)]).toEqual([set, s, expected]);
      // (a file or nothing: no walk; a folder takes the walk)
      if (!ctx.isDirectory(s)) (files++, expect(ctx.walks).toBe(walks));
    }
  }
  expect(files).toBeGreaterThan(1000);
  // A pending file of an overlay is in the walk wherever it is (a folder the disk does not hold).
  const overlay = new OverlayContext(new MemoryContext({ 'a/b.txt': '' }));
  overlay.overlay.set('new/x.txt', 'x');
  expect(matchSource(overlay, 'new/x.txt')).toEqual(walkTakes(overlay, 'new/x.txt'));
  expect(matchSource(overlay, 'new/x.txt')).toEqual(['new/x.txt']);
});

test("matchSource of a literal path on disk: the walk's answer through symbolic links (never followed) and ignored folders", async () => {
  const tree = {
    'app/main.py': '',
    'app/sub/deep.txt': '',
    'node_modules/a/package.json': '',
    'keep/node_modules/b/package.json': '',
    'README.md': '',
    '.dockerignore': 'node_modules\n**/node_modules\n!keep/node_modules/b\n',
  };
  const dir = tmpdir('dfo-literal-');
  writeTree(dir, tree);
  fs.symlinkSync(path.join(dir, 'app'), path.join(dir, 'link'));
  fs.symlinkSync(path.join(dir, 'README.md'), path.join(dir, 'readme'));
  const sources = [
    'app/main.py',
    'app/sub/deep.txt',
    'app/nope',
    'link',
    'link/main.py',
    'link/sub/deep.txt',
    'readme',
    'readme/x',
    'node_modules/a/package.json',
    'node_modules',
    'keep/node_modules/b/package.json',
    'keep/node_modules/b',
    'README.md',
    'readme.md',
    'App/main.py',
    'app',
  ];
  await inSession(async () => {
    const ctx = new DiskContext(dir);
    for (const s of sources) expect([s, matchSource(ctx, s)]).toEqual([s, walkTakes(ctx, s)]);
    expect(matchSource(ctx, 'link')).toEqual(['link']);
    expect(matchSource(ctx, 'link/main.py')).toEqual([]);
    expect(matchSource(ctx, 'node_modules/a/package.json')).toEqual([]);
    expect(matchSource(ctx, 'keep/node_modules/b/package.json')).toEqual([
      'keep/node_modules/b/package.json',
    ]);
  });
});
