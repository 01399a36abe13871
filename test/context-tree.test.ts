/**
 * Issue 18: the walks of a context in a session come from one tree (context.ts TreeDir): each
 * folder's entries are made once from its listing and shared by every walk (keyed, full, with a
 * limit); path kinds and missing texts are answered from the listings of the generation; pending
 * files are merged into a walk once for every view. Count-based, never timed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeEach, describe, expect, test } from '@jest/globals';
import { clearCaches } from '../src/api.js';
import { diskCounters, inSession, readsOf } from '../src/context/cache.js';
import {
  cleanRelative,
  DiskContext,
  MemoryContext,
  OverlayContext,
  sortByPath,
} from '../src/context/context.js';
import type { ContextEntry } from '../src/model/types.js';
import { removeTmpdirs, tmpdir, writeTree } from './helpers.js';
import { mulberry32 } from './support/random.js';

afterAll(removeTmpdirs);
beforeEach(() => clearCaches());

const TREE = {
  '.dockerignore': 'node_modules\n',
  'a.txt': 'a\n',
  'src/b.txt': 'b\n',
  'src/deep/c.txt': 'c\n',
  'node_modules/x/index.js': 'x\n',
  'node_modules/y/index.js': 'y\n',
};
/** Every file and folder of TREE. */
const ALL = 11;

const paths = (entries: readonly ContextEntry[]) => entries.map((e) => e.path);
const counted = <T>(fn: () => T): { value: T; made: number; walks: number } => {
  const made = diskCounters.walkEntries;
  const walks = diskCounters.walks;
  const value = fn();
  return { value, made: diskCounters.walkEntries - made, walks: diskCounters.walks - walks };
};

describe('one tree per context and session', () => {
  test('keyed walks, the full walk and a limited one share the entries, each made once', async () => {
    const dir = tmpdir('dfo-tree-');
    writeTree(dir, TREE);
    await inSession(async () => {
      const ctx = new DiskContext(dir);
      const pruned = counted(() =>
        ctx.walk({ key: 'no-modules', descend: (d) => d.path !== 'node_modules' }),
      );
      // (node_modules listed as a folder, not entered)
      expect(paths(pruned.value)).toEqual([
        '.dockerignore',
        'a.txt',
        'node_modules',
        'src',
        'src/b.txt',
        'src/deep',
        'src/deep/c.txt',
      ]);
      expect(pruned.made).toBe(7);
      const full = counted(() => new DiskContext(dir).walk());
      expect(full.value).toHaveLength(ALL);
      // Only what the first walk did not enter is new.
      expect(full.made).toBe(ALL - 7);
      for (const e of pruned.value) expect(full.value).toContain(e);
      const other = counted(() =>
        new DiskContext(dir).walk({ key: 'no-src', descend: (d) => d.path !== 'src' }),
      );
      expect(other.made).toBe(0);
      expect(other.value.every((e) => full.value.includes(e))).toBe(true);
      const limited = counted(() => ctx.walk({ limit: 3 }));
      expect(limited.made).toBe(0);
      expect(limited.value).toEqual(full.value.slice(0, 3));
    });
  });

  test('a walk that prunes nothing gives the full walk itself (one list for both)', async () => {
    const dir = tmpdir('dfo-tree-complete-');
    writeTree(dir, TREE);
    await inSession(async () => {
      const keyed = new DiskContext(dir).walk({ key: 'everything', descend: () => true });
      expect(keyed).toHaveLength(ALL);
      const { value: full, walks } = counted(() => new DiskContext(dir).walk());
      expect(full).toBe(keyed);
      // (given without walking again)
      expect(walks).toBe(1);
      expect(
        new DiskContext(dir).walk({ key: 'all, limited', descend: () => true, limit: 50 }),
      ).toBe(keyed);
      // A walk that stops at its limit is its own list.
      const stopped = new DiskContext(dir).walk({ key: 'few', descend: () => true, limit: 5 });
      expect(stopped).not.toBe(keyed);
      expect(stopped).toEqual(keyed.slice(0, 5));
    });
  });

  test('a session over a dozen contexts keeps the tree of each (a later walk makes no entry)', async () => {
    const dirs = Array.from({ length: 14 }, (_, i) => {
      const dir = tmpdir(`dfo-tree-many-${i}-`);
      writeTree(dir, TREE);
      return dir;
    });
    await inSession(async () => {
      for (const dir of dirs) new DiskContext(dir).walk({ key: 'first', descend: () => true });
      // Walked again with other options (another walk, the same tree): no entry made.
      const again = counted(() =>
        new DiskContext(dirs[0]!).walk({ key: 'again', descend: (d) => d.path !== 'src' }),
      );
      expect(again.walks).toBe(1);
      expect(again.made).toBe(0);
    });
  });

  test('a new session makes the entries again (the folders may have changed)', async () => {
    const dir = tmpdir('dfo-tree-next-');
    writeTree(dir, TREE);
    const first = await inSession(async () => new DiskContext(dir).walk());
    fs.writeFileSync(path.join(dir, 'src', 'new.txt'), 'n\n');
    const { value: second, made } = await inSession(async () =>
      counted(() => new DiskContext(dir).walk()),
    );
    expect(second).not.toBe(first);
    expect(made).toBe(ALL + 1);
    expect(paths(second)).toContain('src/new.txt');
  });

  test('a folder that cannot be listed is flagged in the walks that enter it only (the shared entry never is)', async () => {
    const dir = tmpdir('dfo-tree-unreadable-');
    writeTree(dir, TREE);
    await inSession(async () => {
      // The root listed (src seen as a folder), then src removed before a walk enters it.
      const top = new DiskContext(dir).walk({ key: 'top', descend: () => false });
      fs.rmSync(path.join(dir, 'src'), { recursive: true });
      const full = new DiskContext(dir).walk();
      const src = full.find((e) => e.path === 'src')!;
      expect(src.unreadable).toBe(true);
      expect(top.find((e) => e.path === 'src')!.unreadable).toBeUndefined();
      const again = new DiskContext(dir).walk({
        key: 'top again',
        descend: (d) => d.path !== 'src',
      });
      expect(again.find((e) => e.path === 'src')!.unreadable).toBeUndefined();
      // Every walk that enters it sees the flag.
      const other = new DiskContext(dir).walk({ key: 'into src', descend: () => true });
      expect(other.find((e) => e.path === 'src')!.unreadable).toBe(true);
    });
  });
});

describe('the entries of a tree', () => {
  // A folder's entry is its tree node (TreeDir), a file's a DiskFileEntry: both must read as
  // plain entries (no method or internal field under an entry field's name, such as
  // `unreadable`), with the paths, sizes and names a MemoryContext of the same files gives.
  test('read as the entries of the same files in memory, in every walk of the session', async () => {
    const dir = tmpdir('dfo-tree-fields-');
    const files = { ...TREE, 'src/deep/deeper/d.txt': 'dd\n', 'src/deep/deeper/e.txt': 'e\n' };
    writeTree(dir, files);
    const plain = (e: ContextEntry) => [e.path, e.size, e.isDirectory, e.unreadable] as const;
    const want = new MemoryContext(files).walk().map(plain);
    await inSession(async () => {
      // (a pruned walk first: the folders it does not enter are entered by the full walk)
      new DiskContext(dir).walk({ key: 'top', descend: () => false });
      for (const walk of [new DiskContext(dir).walk(), new DiskContext(dir).walk()]) {
        expect(walk.map(plain)).toEqual(want);
        for (const e of walk) {
          expect([e.path, e.name]).toEqual([e.path, path.posix.basename(e.path)]);
          expect(e.unreadable).toBeUndefined();
        }
      }
      const deep = new DiskContext(dir).walk().find((e) => e.path === 'src/deep/deeper')!;
      expect(deep.isDirectory).toBe(true);
      expect(deep.size).toBe(0);
      expect(deep.name).toBe('deeper');
    });
  });
});

describe('the chunks of a tree', () => {
  // A tree keeps the entries of its folders in chunks (ContextTree.chunks): each folder's
  // together in one chunk, a new chunk when the last has no room, a folder past the most places
  // of a chunk (4,096) in a chunk of its own. Walks entering folders in any order read each
  // folder's entries from its place.
  test('walks read every folder from its place, over many chunks and a folder past a chunk', async () => {
    const dir = tmpdir('dfo-tree-chunks-');
    const files: Record<string, string> = {};
    for (let i = 0; i < 4100; i++) files[`big/f${i}.txt`] = '';
    for (let d = 0; d < 40; d++)
      for (let i = 0; i <= d % 9; i++) files[`small/d${d}/sub${i % 3}/g${i}.txt`] = 'x';
    files['z.txt'] = 'z';
    writeTree(dir, files);
    const plain = (e: ContextEntry) => [e.path, e.isDirectory, e.size, e.name] as const;
    const want = new MemoryContext(files)
      .walk()
      .map((e) => [e.path, e.isDirectory, e.size, path.posix.basename(e.path)]);
    await inSession(async () => {
      // (folders entered in another order first: some small ones, the others and the big one
      // among them next)
      const first = counted(() =>
        new DiskContext(dir).walk({
          key: 'no-big-no-odd',
          descend: (d) => d.path !== 'big' && !/d\d*[13579]$/.test(d.path),
        }),
      );
      const full = counted(() => new DiskContext(dir).walk());
      expect(full.made).toBeGreaterThan(4100);
      expect(first.made + full.made).toBe(want.length);
      expect(full.value.map(plain)).toEqual(want);
    });
  });

  test('an empty folder, at the top and below', async () => {
    const dir = tmpdir('dfo-tree-empty-');
    await inSession(async () => {
      expect(new DiskContext(dir).walk()).toEqual([]);
      fs.mkdirSync(path.join(dir, 'empty'));
    });
    await inSession(async () => {
      expect(paths(new DiskContext(dir).walk())).toEqual(['empty']);
    });
  });
});

describe('the paths of folder entries', () => {
  // A folder's path is the end of its listing's absolute path when that listing was made
  // already (here by a walk of the folder above the context): it must read as the path made
  // from the names.
  test('are the same when the listings come from a walk of the folder above', async () => {
    const dir = tmpdir('dfo-tree-subpaths-');
    const files = {
      'app/a.txt': 'a',
      'app/src/deep/er/b.txt': 'b',
      'app/src/deep/er/even-longer-name/c.txt': 'c',
      'app/x/y/d.txt': 'd',
    };
    writeTree(dir, files);
    const inApp = Object.fromEntries(
      Object.entries(files).map(([p, c]) => [p.slice('app/'.length), c]),
    );
    const want = new MemoryContext(inApp).walk().map((e) => [e.path, e.isDirectory, e.name]);
    const entries = (e: ContextEntry) => [e.path, e.isDirectory, e.name];
    await inSession(async () => {
      new DiskContext(dir).walk();
      expect(new DiskContext(path.join(dir, 'app')).walk().map(entries)).toEqual(
        want.map(([p, d]) => [p, d, path.posix.basename(p as string)]),
      );
    });
  });
});

describe('the paths of file entries', () => {
  test('are made when first read, once, and then kept (most are never read)', async () => {
    const dir = tmpdir('dfo-tree-paths-');
    writeTree(dir, TREE);
    await inSession(async () => {
      const made = diskCounters.walkPaths;
      const walk = new DiskContext(dir).walk();
      const files = walk.filter((e) => !e.isDirectory);
      // (names, sizes and folders read without a path)
      expect(files.map((e) => e.name)).toEqual([
        '.dockerignore',
        'a.txt',
        'index.js',
        'index.js',
        'b.txt',
        'c.txt',
      ]);
      expect(files.map((e) => e.size)).toEqual([13, 2, 2, 2, 2, 2]);
      expect(files.map((e) => e.folder)).toEqual([
        '',
        '',
        'node_modules/x',
        'node_modules/y',
        'src',
        'src/deep',
      ]);
      expect(diskCounters.walkPaths - made).toBe(0);
      const want = Object.keys(TREE);
      expect(files.map((e) => e.path).sort()).toEqual(want.sort());
      expect(diskCounters.walkPaths - made).toBe(files.length);
      // Read again, by this walk and another of the session: the paths kept.
      expect(
        new DiskContext(dir)
          .walk()
          .filter((e) => !e.isDirectory)
          .map((e) => e.path)
          .sort(),
      ).toEqual(want);
      expect(diskCounters.walkPaths - made).toBe(files.length);
    });
  });
});

describe('texts read through the DiskContexts of a root', () => {
  test('are kept by the path asked and its clean form, for every view of the root, in the generation', async () => {
    const dir = tmpdir('dfo-tree-texts-');
    writeTree(dir, TREE);
    await inSession(async () => {
      const [one, two] = [new DiskContext(dir), new DiskContext(dir)];
      const reads = diskCounters.reads;
      expect(one.readFile('./src/b.txt')).toBe('b\n');
      const shared = readsOf(path.resolve(dir));
      expect([shared.get('./src/b.txt'), shared.get('src/b.txt')]).toEqual(['b\n', 'b\n']);
      for (const p of ['src/b.txt', 'src/deep/../b.txt', './src/b.txt'])
        expect([p, two.readFile(p)]).toEqual([p, 'b\n']);
      expect(shared.get('src/deep/../b.txt')).toBe('b\n');
      expect(two.readFile('./missing.txt')).toBeNull();
      expect(shared.get('missing.txt')).toBeNull();
      expect(diskCounters.reads - reads).toBe(1);
    });
    // (a new generation asks again)
    fs.writeFileSync(path.join(dir, 'src/b.txt'), 'B\n');
    await inSession(async () => {
      expect(new DiskContext(dir).readFile('src/b.txt')).toBe('B\n');
    });
  });
});

describe('path kinds and texts from the listings of the generation', () => {
  const lstats = <T>(fn: () => T): number => {
    const before = diskCounters.lstats;
    fn();
    return diskCounters.lstats - before;
  };

  test('after a walk, listed and missing paths take no lstat (one probe per folder at most)', async () => {
    const dir = tmpdir('dfo-tree-kinds-');
    writeTree(dir, TREE);
    await inSession(async () => {
      const ctx = new DiskContext(dir);
      ctx.walk();
      const checks = (diskCounters.checkLog = [] as string[]);
      try {
        const n = lstats(() => {
          expect(ctx.exists('a.txt')).toBe(true);
          expect(ctx.isDirectory('a.txt')).toBe(false);
          expect(ctx.isDirectory('src/deep')).toBe(true);
          expect(ctx.exists('src/deep/c.txt')).toBe(true);
          expect(ctx.exists('missing.txt')).toBe(false);
          expect(ctx.exists('src/missing.txt')).toBe(false);
          expect(ctx.exists('src/other/file')).toBe(false);
          // (below a file: nothing)
          expect(ctx.exists('a.txt/x')).toBe(false);
          expect(ctx.readFile('src/missing.txt')).toBeNull();
          expect(ctx.readFile('src')).toBeNull();
        });
        // The case probes of the root and of src (a name in the other case is not there).
        expect(n).toBeLessThanOrEqual(2);
        // No text looked up for a path the listing shows missing or a folder.
        expect(checks).toEqual([]);
        expect(ctx.readFile('src/b.txt')).toBe('b\n');
        expect(checks).toEqual([path.join(dir, 'src', 'b.txt')]);
      } finally {
        diskCounters.checkLog = null;
      }
    });
  });

  test('a name the listing lacks is looked up when it is not ASCII', async () => {
    const dir = tmpdir('dfo-tree-kinds-utf-');
    writeTree(dir, { 'café.txt': 'x\n' });
    await inSession(async () => {
      const ctx = new DiskContext(dir);
      ctx.walk();
      expect(lstats(() => expect(ctx.exists('café.txt')).toBe(true))).toBe(0);
      // (another spelling of the name may be the same file on some file systems)
      expect(lstats(() => expect(ctx.exists('cafe\u0301.txt')).toBe(false))).toBe(1);
    });
  });

  test('the listings of an earlier generation are not used', async () => {
    const dir = tmpdir('dfo-tree-kinds-next-');
    writeTree(dir, TREE);
    await inSession(async () => void new DiskContext(dir).walk());
    fs.writeFileSync(path.join(dir, 'late.txt'), 'l\n');
    await inSession(async () => {
      expect(new DiskContext(dir).exists('late.txt')).toBe(true);
      expect(new DiskContext(dir).readFile('late.txt')).toBe('l\n');
    });
  });

  test('a symbolic link on the way is followed by lstat, not answered from the listing', async () => {
    const dir = tmpdir('dfo-tree-kinds-link-');
    writeTree(dir, { 'real/f.txt': 'f\n' });
    fs.symlinkSync('real', path.join(dir, 'link'));
    await inSession(async () => {
      const ctx = new DiskContext(dir);
      ctx.walk();
      expect(ctx.exists('link/f.txt')).toBe(true);
      expect(ctx.isDirectory('link')).toBe(false);
      expect(ctx.readFile('link/f.txt')).toBe('f\n');
    });
  });

  test('list() is the listing of the session (no new listing)', async () => {
    const dir = tmpdir('dfo-tree-list-');
    writeTree(dir, TREE);
    await inSession(async () => {
      const ctx = new DiskContext(dir);
      ctx.walk();
      const before = diskCounters.listings;
      expect(ctx.list('src')).toEqual(['b.txt', 'deep']);
      expect(ctx.list('')).toEqual(['.dockerignore', 'a.txt', 'node_modules', 'src']);
      expect(ctx.list('missing')).toEqual([]);
      // (a missing folder: a stat, no listing)
      expect(diskCounters.listings - before).toBe(0);
    });
  });
});

describe('OverlayContext', () => {
  test('the pending files of a context are merged into a walk once for every view', async () => {
    const dir = tmpdir('dfo-tree-overlay-');
    writeTree(dir, TREE);
    await inSession(async () => {
      const views = [0, 1, 2].map(() => {
        const v = new OverlayContext(new DiskContext(dir));
        v.overlay.set('new.txt', 'n\n');
        return v;
      });
      const first = views[0]!.walk();
      expect(paths(first)).toContain('new.txt');
      for (const v of views) expect(v.walk()).toBe(first);
      // Pending files that are all in the walk: the walk as it is.
      const edited = new OverlayContext(new DiskContext(dir));
      edited.overlay.set('a.txt', 'changed\n');
      expect(edited.walk()).toBe(new DiskContext(dir).walk());
      // A pending file in the walk, and one not: the walk's entry of the first read with the
      // pending size (its fields copied: a walk entry keeps its path on its prototype).
      const both = new OverlayContext(new DiskContext(dir));
      both.overlay.set('a.txt', 'changed\n');
      both.overlay.set('new.txt', 'n\n');
      const merged = both
        .walk()
        .filter((e) => !e.isDirectory && !e.path.startsWith('node_modules'));
      expect(merged.map((e) => [e.path, e.size, e.isDirectory])).toEqual([
        ['.dockerignore', 13, false],
        ['a.txt', 8, false],
        ['new.txt', 2, false],
        ['src/b.txt', 2, false],
        ['src/deep/c.txt', 2, false],
      ]);
    });
  });

  test('the merged walk is in path order where the walk is not (a folder, then `name.ext` beside it)', async () => {
    const dir = tmpdir('dfo-tree-overlay-order-');
    const files: Record<string, string> = {
      'app/x.py': 'x\n',
      'app/sub/y.py': 'y\n',
      'app.py': 'p\n',
      'app-old/z': 'z\n',
      'b.txt': 'b\n',
      'c/d/e.txt': 'e\n',
      'c.d': 'cd\n',
    };
    writeTree(dir, files);
    const byPath = (a: ContextEntry, b: ContextEntry) =>
      a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
    await inSession(async () => {
      const base = new DiskContext(dir).walk();
      // (the walk itself is not in path order)
      expect(paths(base)).not.toEqual(paths([...base].sort(byPath)));
      for (const pending of [
        { 'app.py': 'changed\n', 'app/new.txt': 'n\n' },
        { 'aaa.txt': 'a\n', 'c/d/e.txt': 'E\n', 'zz/last': 'l\n' },
        Object.fromEntries([...Array(12).keys()].map((k) => [`app/p${k}`, `${k}\n`])),
      ]) {
        const v = new OverlayContext(new DiskContext(dir));
        for (const [p, c] of Object.entries(pending)) v.overlay.set(p, c);
        const want = [
          ...base.map((e) =>
            e.path in pending
              ? {
                  isDirectory: e.isDirectory,
                  path: e.path,
                  size: Buffer.byteLength(pending[e.path as keyof typeof pending]!),
                }
              : e,
          ),
          ...Object.entries(pending)
            .filter(([p]) => !base.some((e) => e.path === p))
            .map(([p, c]) => ({ path: p, size: Buffer.byteLength(c), isDirectory: false })),
        ].sort(byPath);
        expect(v.walk().map((e) => [e.path, e.size, e.isDirectory])).toEqual(
          want.map((e) => [e.path, e.size, e.isDirectory]),
        );
      }
    });
  });

  test('sortByPath: the order of a sort by path, with few moves or many (past its budget)', () => {
    const entry = (p: string): ContextEntry => ({ path: p, size: 0, isDirectory: false });
    const byPath = (a: ContextEntry, b: ContextEntry) =>
      a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
    const rand = mulberry32(7);
    const names = [...Array(300).keys()].map((k) => `d${k % 7}/${k}.x`);
    const sorted = names.map(entry).sort(byPath);
    // a few moved far, the reverse order, random orders
    const few = sorted.slice();
    few.push(few.shift()!);
    few.unshift(few.pop()!, few.pop()!);
    const lists = [few, sorted.slice().reverse(), sorted.slice()];
    for (let k = 0; k < 5; k++) lists.push(sorted.slice().sort(() => rand() - 0.5));
    for (const list of lists) expect(paths(sortByPath(list.slice()))).toEqual(paths(sorted));
    expect(sortByPath([])).toEqual([]);
  });

  test('list() with no pending file in the folder is the base list', () => {
    const dir = tmpdir('dfo-tree-overlay-list-');
    writeTree(dir, TREE);
    const v = new OverlayContext(new DiskContext(dir));
    v.overlay.set('src/new.txt', 'n\n');
    expect(v.list('')).toEqual(['.dockerignore', 'a.txt', 'node_modules', 'src']);
    expect(v.list('src')).toEqual(['b.txt', 'deep', 'new.txt']);
  });
});

test('cleanRelative gives a clean path back as it is, and cleans the others as before', () => {
  // The split-and-join reading, for every path (the fast path must agree with it).
  const reference = (p: string): string | null => {
    const parts: string[] = [];
    for (const seg of p.replace(/\\/g, '/').split('/')) {
      if (seg === '' || seg === '.') continue;
      if (seg === '..') {
        if (parts.length === 0) return null;
        parts.pop();
      } else parts.push(seg);
    }
    return parts.join('/');
  };
  const pieces = ['a', 'b.c', '.', '..', '', '...', '.x', 'x.', '\\', '/', 'ü'];
  const got: [string, string | null][] = [];
  const want: [string, string | null][] = [];
  const visit = (p: string, depth: number) => {
    got.push([p, cleanRelative(p)]);
    want.push([p, reference(p)]);
    if (depth < 4) for (const s of pieces) visit(p + (depth % 2 ? '/' : '') + s, depth + 1);
  };
  visit('', 0);
  expect(got.length).toBeGreaterThan(1000);
  expect(got).toEqual(want);
  const clean = 'src/app/main.py';
  expect(cleanRelative(clean)).toBe(clean);
});
