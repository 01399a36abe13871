/** Git tracked-ness of the build context views (src/context/git.ts). */
import { afterAll, beforeEach, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { clearContextCaches, diskCounters } from '../src/context/cache.js';
import { DiskContext, MemoryContext, NoContext, OverlayContext } from '../src/context/context.js';
import { IndexPaths, parseIndex, readIndexPaths } from '../src/context/git-index.js';
import { GitIndex, PathList } from '../src/context/git.js';
import { mulberry32 } from './support/random.js';
import { gitInit, removeTmpdirs, tmpdir, writeTree } from './helpers.js';

afterAll(removeTmpdirs);
beforeEach(() => clearContextCaches());

describe('DiskContext.gitStatus', () => {
  test('tracked, untracked and ignored files and folders of a repository', () => {
    const dir = tmpdir('dfo-git-');
    writeTree(dir, {
      '.gitignore': '.env\ndist/\n',
      'app/main.py': 'print(1)\n',
      'app/local.txt': 'x\n',
      '.env': 'SECRET=1\n',
      'dist/app.js': 'x\n',
      'certs/ca.pem': 'x\n',
    });
    gitInit(dir, ['.gitignore', 'app/main.py', 'certs/ca.pem']);
    const ctx = new DiskContext(dir);
    expect(ctx.gitStatus('app/main.py')).toBe('tracked');
    expect(ctx.gitStatus('./app/main.py')).toBe('tracked');
    expect(ctx.gitStatus('app')).toBe('tracked');
    expect(ctx.gitStatus('certs/ca.pem')).toBe('tracked');
    expect(ctx.gitStatus('app/local.txt')).toBe('untracked');
    expect(ctx.gitStatus('.env')).toBe('ignored');
    expect(ctx.gitStatus('dist')).toBe('ignored');
    expect(ctx.gitStatus('dist/app.js')).toBe('ignored');
    // A context in a sub-folder of the repository sees paths relative to itself.
    const sub = new DiskContext(path.join(dir, 'app'));
    expect(sub.gitStatus('main.py')).toBe('tracked');
    expect(sub.gitStatus('local.txt')).toBe('untracked');
    // The overlay of pending edits asks its base.
    expect(new OverlayContext(ctx).gitStatus('.env')).toBe('ignored');
  });

  test('gitTracked answers from the index alone: no git process for it', () => {
    const dir = tmpdir('dfo-git-');
    writeTree(dir, {
      '.gitignore': '.env\n',
      'app/main.py': 'x\n',
      'app/local.txt': 'x\n',
      '.env': 'SECRET=1\n',
    });
    gitInit(dir, ['.gitignore', 'app/main.py']);
    clearContextCaches();
    const runs = diskCounters.gitRuns;
    const ctx = new DiskContext(dir);
    expect(ctx.gitTracked('app/main.py')).toBe(true);
    expect(ctx.gitTracked('app')).toBe(true);
    expect(ctx.gitTracked('app/local.txt')).toBe(false);
    expect(ctx.gitTracked('.env')).toBe(false);
    expect(new OverlayContext(ctx).gitTracked('.env')).toBe(false);
    expect(diskCounters.gitRuns - runs).toBe(0);
    // gitStatus tells ignored from untracked: that takes git's list of ignored files.
    expect(ctx.gitStatus('.env')).toBe('ignored');
    expect(diskCounters.gitRuns - runs).toBe(1);
  });

  test('null outside a repository', () => {
    const dir = tmpdir('dfo-nogit-');
    fs.writeFileSync(path.join(dir, 'a.txt'), 'a\n');
    expect(new DiskContext(dir).gitStatus('a.txt')).toBeNull();
    expect(new DiskContext(dir).gitTracked('a.txt')).toBeNull();
    expect(new NoContext().gitStatus()).toBeNull();
    expect(new NoContext().gitTracked()).toBeNull();
  });
});

describe('the index read directly (git-index.ts)', () => {
  const git = (dir: string, ...args: string[]) => {
    const r = spawnSync('git', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const lsFiles = (dir: string) => git(dir, 'ls-files', '-z').split('\0').filter(Boolean);

  test('versions 2, 3 (intent-to-add) and 4 (prefix-compressed) list what git ls-files lists', () => {
    const dir = tmpdir('dfo-index-');
    const tree: Record<string, string> = { 'a b.txt': 'x', 'é/ü.txt': 'x', later: 'x' };
    for (let i = 0; i < 40; i++) tree[`src/module-${i % 7}/deep/file-${i}.js`] = `${i}\n`;
    writeTree(dir, tree);
    gitInit(
      dir,
      Object.keys(tree).filter((p) => p !== 'later'),
    );
    expect(readIndexPaths(dir)).toEqual(lsFiles(dir));
    git(dir, 'add', '-N', 'later'); // an extended-flags entry: version 3
    expect(readIndexPaths(dir)).toEqual(lsFiles(dir));
    expect(lsFiles(dir)).toContain('later');
    git(dir, 'update-index', '--index-version', '4');
    expect(fs.readFileSync(path.join(dir, '.git/index')).readUInt32BE(4)).toBe(4);
    expect(readIndexPaths(dir)).toEqual(lsFiles(dir));
    expect(readIndexPaths(dir)!.length).toBe(43);
  });

  test('a split index, a .git file or no index: left to git (same answers)', () => {
    const dir = tmpdir('dfo-index-');
    writeTree(dir, { 'a.txt': 'x', 'b/c.txt': 'x' });
    gitInit(dir, ['a.txt', 'b/c.txt']);
    git(dir, 'update-index', '--split-index');
    expect(readIndexPaths(dir)).toBeNull();
    const runs = diskCounters.gitRuns;
    expect(new DiskContext(dir).gitTracked('b/c.txt')).toBe(true);
    expect(diskCounters.gitRuns - runs).toBe(1);

    const none = tmpdir('dfo-index-');
    writeTree(none, { 'a.txt': 'x' });
    git(none, 'init', '-q');
    expect(readIndexPaths(none)).toBeNull(); // no index yet: git says nothing is tracked
    expect(new DiskContext(none).gitTracked('a.txt')).toBe(false);

    const linked = tmpdir('dfo-index-');
    fs.writeFileSync(path.join(linked, '.git'), `gitdir: ${path.join(dir, '.git')}\n`);
    expect(readIndexPaths(linked)).toBeNull();
  });
});

describe('MemoryContext git option', () => {
  test('answers from the given lists, null without them', () => {
    const files = { 'a.pem': 'x', 'b/.env': 'x', 'c.txt': 'x' };
    const ctx = new MemoryContext(files, null, { git: { tracked: ['a.pem'], ignored: ['b'] } });
    expect(ctx.gitStatus('a.pem')).toBe('tracked');
    expect(ctx.gitStatus('b/.env')).toBe('ignored');
    expect(ctx.gitStatus('c.txt')).toBe('untracked');
    expect(new MemoryContext(files).gitStatus('a.pem')).toBeNull();
  });
});

test('GitIndex: a folder is tracked when it holds a tracked file at any depth', () => {
  const ix = new GitIndex(['a/b/c.txt', 'a/b/d/e.txt', 'a/f.txt', 'g/h/i/j.txt', 'k.txt'], []);
  for (const p of ['a', 'a/b', 'a/b/d', 'g', 'g/h', 'g/h/i', 'a/b/d/e.txt', 'k.txt'])
    expect([p, ix.isTracked(p)]).toEqual([p, true]);
  for (const p of ['b', 'a/b/c', 'a/b/d/e', 'g/h/i/j', 'a/f', 'g/x', 'k'])
    expect([p, ix.isTracked(p)]).toEqual([p, false]);
});

test('GitIndex: an index in order (looked up by search) and the same paths out of order (sets) agree', () => {
  const paths = [
    '.env',
    'a-b/x.txt',
    'a.txt',
    'a/b/c.txt',
    'a/b/c.txt',
    'a/b0/d.txt',
    'a/b/d/e.txt',
    'ab/f.txt',
    'g/h/i/j.txt',
    'k.txt',
    'z\u00e9/\u{1f600}.txt',
  ];
  const sorted = [...paths].sort();
  const shuffled = [...sorted].reverse();
  const asks = new Set(['', 'a/', 'a//b', 'zz', '/a']);
  for (const p of paths) {
    const parts = p.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const q = parts.slice(0, i).join('/');
      for (const v of [q, `${q}/`, `${q}x`, q.slice(0, -1), `${q}-`, `${q}.`]) asks.add(v);
    }
  }
  const a = new GitIndex(sorted, []);
  const b = new GitIndex(shuffled, []);
  const answers = (ix: GitIndex) => [...asks].map((q) => [q, ix.isTracked(q)]);
  expect(answers(a)).toEqual(answers(b));
  expect(a.isTracked('a/b')).toBe(true);
  expect(a.isTracked('a-b')).toBe(true);
  expect(a.isTracked('a/b/d')).toBe(true);
  expect(a.isTracked('a/b/c')).toBe(false);
});

/** Every question worth asking of an index of `paths`: each path and each folder above it, and
 * near misses of each (a trailing slash or character, one less, a sibling that sorts between). */
function asksOf(paths: readonly string[]): string[] {
  const asks = new Set(['', '/', 'a//b', 'zz', '/a', '\u{10ffff}']);
  for (const p of paths) {
    const parts = p.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const q = parts.slice(0, i).join('/');
      for (const v of [q, `${q}/`, `${q}x`, q.slice(0, -1), `${q}-`, `${q}.`, `${q}\u00ff`])
        asks.add(v);
    }
  }
  return [...asks];
}

/** What a sorted list answered before PathList: a string per path, searched by `<`. */
function plainTracked(sorted: readonly string[], p: string): boolean {
  const lower = (q: string) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! < q) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  if (p === '') return true;
  if (sorted[lower(p)] === p) return true;
  return sorted[lower(`${p}/`)]?.startsWith(`${p}/`) ?? false;
}

/** A path part from few letters (many shared prefixes), with '-', '.', '0' (they sort around
 * '/'), non-ASCII and astral characters (surrogates sort by code unit). */
function randomName(rand: () => number): string {
  const alphabet = ['a', 'b', 'ab', '-', '.', '0', 'z', '\u00e9', '\u{1f600}', '\uffff', 'A'];
  let n = '';
  for (let k = 1 + Math.floor(rand() * 3); k > 0; k--)
    n += alphabet[Math.floor(rand() * alphabet.length)];
  return n;
}

test('GitIndex: the packed sorted paths (PathList) answer as a string per path and as sets do, on random indexes', () => {
  const rand = mulberry32(18);
  const name = () => randomName(rand);
  for (let round = 0; round < 60; round++) {
    const paths: string[] = [];
    for (let k = Math.floor(rand() * 40); k > 0; k--) {
      const parts: string[] = [];
      for (let d = 1 + Math.floor(rand() * 4); d > 0; d--) parts.push(name());
      paths.push(parts.join('/'));
      if (rand() < 0.1) paths.push(parts.join('/')); // a path in conflict: once per stage
    }
    const sorted = [...paths].sort();
    const list = new PathList(sorted);
    expect(list.length).toBe(sorted.length);
    expect(sorted.map((_, i) => list.at(i))).toEqual(sorted);
    const packed = new GitIndex(sorted, []);
    const sets = new GitIndex([...sorted].reverse(), []);
    // (mismatches gathered: an expect per question would take minutes)
    const wrong: unknown[] = [];
    for (const q of asksOf(sorted)) {
      const want = plainTracked(sorted, q);
      if (packed.isTracked(q) !== want || sets.isTracked(q) !== want) wrong.push(['tracked', q]);
      for (let i = 0; i < sorted.length; i++) {
        const p = sorted[i]!;
        if (Math.sign(list.compare(i, q)) !== (p < q ? -1 : p === q ? 0 : 1))
          wrong.push(['compare', p, q]);
        if (list.startsWith(i, q) !== p.startsWith(q)) wrong.push(['startsWith', p, q]);
      }
    }
    expect(wrong).toEqual([]);
  }
});

test("GitIndex: the packed sorted paths answer as a string per path on this project's own index", () => {
  const top = path.resolve(import.meta.dirname ?? __dirname, '..');
  const r = spawnSync('git', ['-C', top, 'ls-files', '-z'], { encoding: 'utf8' });
  if (r.status !== 0) return; // not a git checkout here
  const sorted = r.stdout.split('\0').filter(Boolean);
  expect(sorted.length).toBeGreaterThan(100);
  const packed = new GitIndex(sorted, []);
  for (const q of asksOf(sorted))
    expect([q, packed.isTracked(q)]).toEqual([q, plainTracked(sorted, q)]);
});

/** An index file of version 2 (or 3) holding `names` (byte strings) in the order given: what
 * IndexPaths.of and parseIndex read of it (entry headers zero but the flags, no extensions). */
function indexBytes(names: readonly Buffer[], version = 2): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(12);
  head.write('DIRC', 0, 'latin1');
  head.writeUInt32BE(version, 4);
  head.writeUInt32BE(names.length, 8);
  parts.push(head);
  for (const name of names) {
    const size = Math.floor((62 + name.length + 8) / 8) * 8;
    const e = Buffer.alloc(size);
    e.writeUInt32BE(0o100644, 24);
    e.writeUInt16BE(Math.min(name.length, 0xfff), 60);
    name.copy(e, 62);
    parts.push(e);
  }
  parts.push(Buffer.alloc(20));
  return Buffer.concat(parts);
}

describe('IndexPaths: an index looked up in its bytes', () => {
  test('answers as the decoded paths do (GitIndex of strings), on random byte-sorted indexes', () => {
    const rand = mulberry32(7);
    const name = () => randomName(rand);
    const wrong: unknown[] = [];
    for (let round = 0; round < 60; round++) {
      const bufs: Buffer[] = [];
      for (let k = Math.floor(rand() * 40); k > 0; k--) {
        const parts: string[] = [];
        for (let d = 1 + Math.floor(rand() * 4); d > 0; d--) parts.push(name());
        bufs.push(Buffer.from(parts.join('/')));
        if (rand() < 0.1) bufs.push(Buffer.from(parts.join('/'))); // once per stage
      }
      bufs.sort(Buffer.compare); // git's order: bytes
      const buf = indexBytes(bufs);
      const index = IndexPaths.of(buf);
      expect(index).not.toBeNull();
      const paths = parseIndex(buf)!;
      expect(index!.toArray()).toEqual(paths);
      const inPlace = new GitIndex(index!, []);
      const decoded = new GitIndex([...paths].reverse(), []); // the sets
      for (const q of asksOf(paths))
        if (inPlace.isTracked(q) !== decoded.isTracked(q)) wrong.push([q, inPlace.isTracked(q)]);
    }
    expect(wrong).toEqual([]);
  });

  test('an index not in byte order is decoded instead (parseIndex), and the answers stay', () => {
    const names = ['b.txt', 'a/c.txt'].map((n) => Buffer.from(n));
    const buf = indexBytes(names);
    expect(IndexPaths.of(buf)).toBeNull();
    expect(parseIndex(buf)).toEqual(['b.txt', 'a/c.txt']);
    // in order, it is read in place
    expect(IndexPaths.of(indexBytes([...names].reverse()))!.toArray()).toEqual([
      'a/c.txt',
      'b.txt',
    ]);
    // version 4 (prefix-compressed) is decoded too
    expect(IndexPaths.of(indexBytes(names, 4))).toBeNull();
  });

  test('the order check: read in place exactly when every path is not after the next in bytes (random paths sharing prefixes of every length)', () => {
    const rand = mulberry32(0x0bde);
    // (few letters, bytes past 0x7f, lengths around the four-byte steps of the check)
    const alphabet = [0x61, 0x62, 0x2f, 0x7f, 0x80, 0xe9, 0xff];
    const path = (): Buffer => {
      const n = 1 + Math.floor(rand() * 13);
      return Buffer.from(
        Array.from({ length: n }, () => alphabet[Math.floor(rand() * alphabet.length)]!),
      );
    };
    let inOrder = 0;
    let outOfOrder = 0;
    for (let round = 0; round < 3000; round++) {
      const base = path();
      const bufs: Buffer[] = [];
      for (let k = 2 + Math.floor(rand() * 4); k > 0; k--) {
        // a shared prefix of random length, then a random tail
        const cut = Math.floor(rand() * (base.length + 1));
        bufs.push(Buffer.concat([base.subarray(0, cut), rand() < 0.3 ? Buffer.alloc(0) : path()]));
      }
      if (rand() < 0.5) bufs.sort(Buffer.compare);
      const sorted = bufs.every((b, i) => i === 0 || Buffer.compare(bufs[i - 1]!, b) <= 0);
      if (sorted) inOrder++;
      else outOfOrder++;
      const index = IndexPaths.of(indexBytes(bufs));
      expect([bufs.map((b) => b.toString('hex')), index !== null]).toEqual([
        bufs.map((b) => b.toString('hex')),
        sorted,
      ]);
    }
    expect(Math.min(inOrder, outOfOrder)).toBeGreaterThan(500);
  });

  test('a path that is not UTF-8 answers as its decoded text (U+FFFD) does; a long name', () => {
    const latin1 = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2f, 0x78]); // `caf\xe9/x`
    const long = Buffer.from(`d/${'n'.repeat(5000)}`);
    const index = IndexPaths.of(indexBytes([latin1, long]))!;
    expect(index).not.toBeNull();
    const ix = new GitIndex(index, []);
    expect(ix.isTracked('caf\ufffd/x')).toBe(true);
    expect(ix.isTracked('caf\ufffd')).toBe(true);
    expect(ix.isTracked('caf\u00e9')).toBe(false);
    expect(ix.isTracked('d')).toBe(true);
    expect(ix.isTracked(`d/${'n'.repeat(5000)}`)).toBe(true);
    expect(ix.isTracked(`d/${'n'.repeat(4999)}`)).toBe(false);
    expect(ix.isTracked('\ud800')).toBe(false);
  });

  test('a real repository: what git ls-files lists, found in place, no git process', () => {
    const dir = tmpdir('dfo-index-');
    const tree: Record<string, string> = { 'a b.txt': 'x', '\u00e9/\u00fc.txt': 'x', 'a-b/c': 'x' };
    for (let i = 0; i < 40; i++) tree[`src/module-${i % 7}/deep/file-${i}.js`] = `${i}\n`;
    writeTree(dir, tree);
    gitInit(dir, Object.keys(tree));
    const index = IndexPaths.of(fs.readFileSync(path.join(dir, '.git/index')))!;
    expect(index).not.toBeNull();
    expect(index.toArray()).toEqual(readIndexPaths(dir));
    const runs = diskCounters.gitRuns;
    const ctx = new DiskContext(dir);
    expect(ctx.gitTracked('src/module-3')).toBe(true);
    expect(ctx.gitTracked('\u00e9/\u00fc.txt')).toBe(true);
    expect(ctx.gitTracked('a')).toBe(false);
    expect(diskCounters.gitRuns - runs).toBe(0);
  });
});

describe('OverlayContext.walk', () => {
  test('the base walk as it is without pending files; with them, merged once and redone when they change', () => {
    const dir = tmpdir('dfo-overlay-');
    writeTree(dir, { 'a.txt': 'a\n', 'src/b.txt': 'b\n' });
    const base = new DiskContext(dir);
    const view = new OverlayContext(base);
    expect(view.walk()).toBe(base.walk());
    view.overlay.set('.dockerignore', 'x\n');
    const first = view.walk();
    expect(first.map((e) => e.path)).toEqual(['.dockerignore', 'a.txt', 'src', 'src/b.txt']);
    expect(view.walk()).toBe(first);
    view.overlay.set('.dockerignore', 'x\ny\n');
    const second = view.walk();
    expect(second).not.toBe(first);
    expect(second.find((e) => e.path === '.dockerignore')!.size).toBe(4);
    view.overlay.set('new.txt', 'n\n');
    expect(view.walk().map((e) => e.path)).toContain('new.txt');
  });
});
