/** Issue 18: the folder-listing cache (src/context/cache.ts listDirCached). Count-based, never
 * timed: the search for build files lists the repository once for the run that follows it, a
 * listing made without a stat is never trusted by a later generation, and a folder changed
 * between two analyses (generations) is listed again. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeEach, expect, test } from '@jest/globals';
import { clearCaches } from '../src/api.js';
import { findBuilds, optimizeDeclaredFiles } from '../src/builds.js';
import { findBuildFiles } from '../src/context/builds/index.js';
import {
  diskCounters,
  inSession,
  listDirCached,
  listedInGeneration,
  listingRecords,
} from '../src/context/cache.js';
import { DiskContext } from '../src/context/context.js';
import { removeTmpdirs, tmpdir, writeTree } from './helpers.js';

afterAll(removeTmpdirs);
beforeEach(() => clearCaches());

/** A fixed mtime (whole seconds: set and read back exactly). */
const T = 1_700_000_000;

/** Folders listed and folders stat'ed by the cache while `fn` runs. */
async function counted(fn: () => Promise<unknown>): Promise<{ listed: string[]; checks: number }> {
  const listed: string[] = [];
  const checks = diskCounters.dirChecks;
  diskCounters.listLog = listed;
  try {
    await fn();
  } finally {
    diskCounters.listLog = null;
  }
  return { listed, checks: diskCounters.dirChecks - checks };
}

/** The paths of a walk of `dir` through the cache (as a build-context walk sees it). */
const walk = (dir: string) => new DiskContext(dir).walk().map((e) => e.path);

/** A repository (an empty `.git` stops the search above it) with one declared build. */
function repo(): string {
  const dir = fs.realpathSync(tmpdir('dfo-listing-'));
  fs.mkdirSync(path.join(dir, '.git'));
  writeTree(dir, {
    'compose.yaml': 'services:\n  web:\n    build: ./web\n',
    'web/Dockerfile':
      'FROM node:20\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\nCOPY . .\nCMD ["node", "i.js"]\n',
    'web/package.json': '{}\n',
    'web/i.js': '\n',
    'web/src/a.js': '\n',
    'web/.env': 'TOKEN=x\n',
  });
  for (const d of ['', 'web', 'web/src']) fs.utimesSync(path.join(dir, d), T, T);
  return dir;
}

test('a folder first listed during a run over many files is listed again by the next generation, even with its mtime unchanged', async () => {
  const dir = fs.realpathSync(tmpdir('dfo-listing-many-'));
  writeTree(dir, { 'a.txt': 'a\n' });
  fs.utimesSync(dir, T, T);
  const first = await counted(() =>
    inSession(async () => expect(walk(dir)).toEqual(['a.txt']), { many: true }),
  );
  // Listed without a stat: its mtime is unknown.
  expect(first).toEqual({ listed: [dir], checks: 0 });
  // Changed, with the mtime it had when listed (a change within one mtime tick).
  fs.writeFileSync(path.join(dir, 'b.txt'), 'b\n');
  fs.utimesSync(dir, T, T);
  const next = await counted(() =>
    inSession(async () => expect(walk(dir)).toEqual(['a.txt', 'b.txt'])),
  );
  expect(next).toEqual({ listed: [dir], checks: 1 });
  // Now with its mtime recorded (taken before listing): a stat, no listing.
  const third = await counted(() =>
    inSession(async () => expect(walk(dir)).toEqual(['a.txt', 'b.txt'])),
  );
  expect(third).toEqual({ listed: [], checks: 1 });
});

test('single calls (each analysis of the language server) record the mtime first: an unchanged folder is checked with a stat, a changed one listed again', async () => {
  const dir = fs.realpathSync(tmpdir('dfo-listing-single-'));
  writeTree(dir, { 'a.txt': 'a\n', 'sub/b.txt': 'b\n' });
  for (const d of [dir, path.join(dir, 'sub')]) fs.utimesSync(d, T, T);
  const first = await counted(() => inSession(async () => walk(dir)));
  expect(first).toEqual({ listed: [dir, path.join(dir, 'sub')], checks: 2 });
  const second = await counted(() => inSession(async () => walk(dir)));
  expect(second).toEqual({ listed: [], checks: 2 });
  // Changed between two analyses: listed again.
  fs.writeFileSync(path.join(dir, 'sub', 'c.txt'), 'c\n');
  fs.utimesSync(path.join(dir, 'sub'), T + 10, T + 10);
  let seen: string[] = [];
  const third = await counted(() => inSession(async () => void (seen = walk(dir))));
  expect(third).toEqual({ listed: [path.join(dir, 'sub')], checks: 2 });
  expect(seen).toEqual(['a.txt', 'sub', 'sub/b.txt', 'sub/c.txt']);
});

test('findBuilds and the run that follows it list each folder once, with no stat', async () => {
  const dir = repo();
  const web = path.join(dir, 'web');
  let builds: Awaited<ReturnType<typeof findBuilds>> | null = null;
  const search = await counted(async () => void (builds = await findBuilds(['.'], dir)));
  expect(builds!.builds.map((b) => b.context)).toEqual([web]);
  // The repository (not .git) and nothing twice (the root is also the first folder of the
  // search upward).
  expect(search).toEqual({ listed: [dir, web, path.join(web, 'src')], checks: 0 });
  const run = await counted(async () => {
    const [r] = await optimizeDeclaredFiles(['web/Dockerfile'], { cwd: dir, builds: builds! });
    expect(r!.contexts).toEqual([web]);
    // The context was walked: .env is excluded by the proposed .dockerignore.
    expect(r!.files.find((f) => f.path === 'web/.dockerignore')?.after).toMatch(/^\.env$/m);
  });
  expect(run).toEqual({ listed: [], checks: 0 });
});

test('a folder listed by findBuilds is listed again by any later generation, even with its mtime unchanged', async () => {
  const dir = repo();
  const src = path.join(dir, 'web', 'src');
  await findBuilds(['.'], dir);
  // Not the run that follows the search: another session came first.
  await inSession(async () => undefined);
  fs.writeFileSync(path.join(src, 'b.js'), '\n');
  fs.utimesSync(src, T, T);
  let seen: string[] = [];
  const later = await counted(() => inSession(async () => void (seen = walk(src))));
  expect(seen).toEqual(['a.js', 'b.js']);
  expect(later).toEqual({ listed: [src], checks: 1 });
});

test('a search for build files looks at the disk again: a second search sees a folder changed since the first', async () => {
  const dir = repo();
  expect(findBuildFiles(['.'], dir)).toEqual([path.join(dir, 'compose.yaml')]);
  writeTree(dir, { 'web/src/compose.yaml': 'services: {}\n' });
  fs.utimesSync(path.join(dir, 'web', 'src'), T, T);
  expect(findBuildFiles(['.'], dir)).toEqual([
    path.join(dir, 'compose.yaml'),
    path.join(dir, 'web', 'src', 'compose.yaml'),
  ]);
});

test('the language server pattern (findBuilds of one Dockerfile, then its analysis, repeated): the folders above it are listed again once, then only checked', async () => {
  const dir = repo();
  const dockerfile = path.join(dir, 'web', 'Dockerfile');
  const analysis = () =>
    counted(async () => {
      await findBuilds([dockerfile], path.dirname(dockerfile));
      await inSession(async () => walk(path.join(dir, 'web')));
    });
  const first = await analysis();
  expect(first.listed.sort()).toEqual([dir, path.join(dir, 'web'), path.join(dir, 'web', 'src')]);
  // The search listed web/ and the root without a stat: the next analysis lists them again
  // (stat first); web/src was listed by the analysis itself, stat first.
  const second = await analysis();
  expect(second.listed.sort()).toEqual([dir, path.join(dir, 'web')]);
  const third = await analysis();
  expect(third.listed).toEqual([]);
  expect(third.checks).toBe(3);
});

test('findBuilds tells build files by the kind the listing gives: links are not followed (except .devcontainer and .github), a FIFO is never opened', async () => {
  const dir = fs.realpathSync(tmpdir('dfo-listing-kinds-'));
  fs.mkdirSync(path.join(dir, '.git'));
  writeTree(dir, {
    'real/compose.yaml': 'services:\n  a:\n    build: .\n',
    'real/Dockerfile': 'FROM scratch\n',
    'dc/devcontainer.json': '{"build": {"dockerfile": "../real/Dockerfile", "context": "../real"}}',
    'gh/workflows/x.yml': 'jobs:\n  j:\n    steps:\n      - run: docker build real\n',
  });
  fs.symlinkSync('real', path.join(dir, 'linked'));
  fs.mkdirSync(path.join(dir, 'l'));
  fs.symlinkSync('../real/compose.yaml', path.join(dir, 'l', 'compose.yaml'));
  fs.mkdirSync(path.join(dir, 'd'));
  fs.symlinkSync('../dc', path.join(dir, 'd', '.devcontainer'));
  fs.mkdirSync(path.join(dir, 'g'));
  fs.symlinkSync('../gh', path.join(dir, 'g', '.github'));
  fs.mkdirSync(path.join(dir, 'f'));
  let fifo = true;
  try {
    execFileSync('mkfifo', [path.join(dir, 'f', 'compose.yaml')]);
  } catch {
    fifo = false; // no mkfifo here: the rest still holds
  }
  const files = findBuildFiles(['.'], dir).map((f) => path.relative(dir, f));
  expect(files).toEqual([
    'd/.devcontainer/devcontainer.json',
    'g/.github/workflows/x.yml',
    'real/compose.yaml',
  ]);
  if (fifo) expect(fs.lstatSync(path.join(dir, 'f', 'compose.yaml')).isFIFO()).toBe(true);
});

test('a listing tells the kind and size of each entry, for kinds packed in an integer (up to 15 entries) and in a string (more, past the first kind buffer of 256)', () => {
  // Entries are files, folders, symbolic links (to a file of 3 bytes) and, where mkfifo exists,
  // FIFOs, in a pseudo-random order (no period a wrong shift or mask could keep); each file's
  // size is its index + 1.
  const dir = fs.realpathSync(tmpdir('dfo-listing-packed-'));
  fs.writeFileSync(path.join(dir, 'target'), 'abc');
  let fifo = true;
  const kinds = ['file', 'dir', 'link', 'fifo'] as const;
  for (const n of [1, 4, 14, 15, 16, 17, 300, 3]) {
    const sub = path.join(dir, `n${n}-${fs.readdirSync(dir).length}`);
    fs.mkdirSync(sub);
    const want: (typeof kinds)[number][] = [];
    let seed = n;
    for (let i = 0; i < n; i++) {
      const name = path.join(sub, `e${String(i).padStart(4, '0')}`);
      seed = (seed * 1103515245 + 12345) % 2147483648;
      let kind = kinds[(seed >>> 16) % (fifo ? 4 : 3)]!;
      if (kind === 'fifo') {
        try {
          execFileSync('mkfifo', [name]);
        } catch {
          fifo = false; // no mkfifo here: a file instead
          kind = 'file';
        }
      }
      if (kind === 'file') fs.writeFileSync(name, 'x'.repeat(i + 1));
      else if (kind === 'dir') fs.mkdirSync(name);
      else if (kind === 'link') fs.symlinkSync('../target', name);
      want.push(kind);
    }
    const listed = listDirCached(sub)!;
    expect(listed.length).toBe(n);
    const got = want.map((_, i) =>
      listed.isFile(i)
        ? 'file'
        : listed.isDirectory(i)
          ? 'dir'
          : listed.isSymlink(i)
            ? 'link'
            : 'fifo',
    );
    expect(got).toEqual(want);
    want.forEach((kind, i) => {
      if (kind !== 'fifo')
        expect([i, listed.sizeAt(i)]).toEqual([
          i,
          kind === 'file' ? i + 1 : kind === 'dir' ? 0 : '../target'.length,
        ]);
    });
  }
});

test('a listing is sorted as `<` sorts, also where the order libuv lists in (by UTF-8 bytes) differs: names past U+FFFF against U+E000-U+FFFF; kinds and sizes follow their names', () => {
  const dir = fs.realpathSync(tmpdir('dfo-listing-order-'));
  // By bytes: a, b, \uFF21 (EF BC A1), \u{1F600} (F0 9F 98 80), \u{1F600}x; by UTF-16 code
  // units: \u{1F600} (D83D ...) comes before \uFF21.
  const names = ['a', 'b', '\uFF21', '\u{1F600}', '\u{1F600}x'];
  for (const [i, name] of names.entries())
    if (i === 3) fs.mkdirSync(path.join(dir, name));
    else fs.writeFileSync(path.join(dir, name), 'x'.repeat(i + 1));
  const listed = listDirCached(dir)!;
  const want = [...names].sort();
  expect(want).not.toEqual(names);
  expect(listed.names).toEqual(want);
  for (const [i, name] of names.entries()) {
    const at = listed.indexOf(name);
    expect(at).toBe(want.indexOf(name));
    expect([name, listed.isDirectory(at), listed.sizeAt(at)]).toEqual([
      name,
      i === 3,
      i === 3 ? 0 : i + 1,
    ]);
  }
  // A plain folder, listed already sorted, stays as it is.
  const plain = fs.realpathSync(tmpdir('dfo-listing-order-plain-'));
  for (const name of ['b', 'A', 'a', '_', 'B.txt']) fs.writeFileSync(path.join(plain, name), name);
  expect(listDirCached(plain)!.names).toEqual(['A', 'B.txt', '_', 'a', 'b']);
});

test("Listing.folderListing: a folder's listing from its parent's, the cache's own for the generation (checked again by the next one, dropped by clearCaches)", async () => {
  const dir = fs.realpathSync(tmpdir('dfo-listing-kids-'));
  writeTree(dir, { 'a.txt': 'a\n', 'sub/b.txt': 'b\n', 'locked/c.txt': 'c\n' });
  for (const d of [dir, path.join(dir, 'sub')]) fs.utimesSync(d, T, T);
  const sub = path.join(dir, 'sub');
  const kidOf = () => {
    const top = listDirCached(dir)!;
    const i = top.indexOf('sub');
    return { kid: top.folderListing(i), cached: listDirCached(top.pathOf(i)) };
  };
  let first: ReturnType<typeof kidOf> | null = null;
  const one = await counted(() => inSession(async () => void (first = kidOf())));
  expect(first!.kid).toBe(first!.cached);
  expect(first!.kid!.names).toEqual(['b.txt']);
  expect(one.listed).toEqual([dir, sub]);
  // The same generation: the one given before, no listing, no stat.
  const again = await counted(() =>
    inSession(async () => {
      const a = kidOf();
      const b = kidOf();
      expect(b.kid).toBe(a.kid);
      expect(b.kid).toBe(b.cached);
    }),
  );
  expect(again.listed).toEqual([]);
  // A later generation checks it again: changed (new mtime), listed again.
  fs.writeFileSync(path.join(sub, 'd.txt'), 'd\n');
  fs.utimesSync(sub, T + 10, T + 10);
  let later: ReturnType<typeof kidOf> | null = null;
  const next = await counted(() => inSession(async () => void (later = kidOf())));
  expect(next.listed).toEqual([sub]);
  expect(later!.kid).not.toBe(first!.kid);
  expect(later!.kid).toBe(later!.cached);
  expect(later!.kid!.names).toEqual(['b.txt', 'd.txt']);
  // After clearCaches: a new listing, the cache's.
  clearCaches();
  let cleared: ReturnType<typeof kidOf> | null = null;
  await inSession(async () => void (cleared = kidOf()));
  expect(cleared!.kid).not.toBe(later!.kid);
  expect(cleared!.kid).toBe(cleared!.cached);
  // A folder that cannot be listed: null, as the cache says.
  if (process.getuid?.() !== 0) {
    fs.chmodSync(path.join(dir, 'locked'), 0o000);
    try {
      await inSession(async () => {
        const top = listDirCached(dir)!;
        expect(top.folderListing(top.indexOf('locked'))).toBeNull();
      });
    } finally {
      fs.chmodSync(path.join(dir, 'locked'), 0o755);
    }
  }
});

test("Listing.listedFolder: a folder's listing if this generation listed it (listedInGeneration of its path), from its parent's", async () => {
  const dir = fs.realpathSync(tmpdir('dfo-listing-listed-'));
  writeTree(dir, { 'sub/b.txt': 'b\n' });
  const sub = path.join(dir, 'sub');
  const ask = () => {
    const top = listDirCached(dir)!;
    const i = top.indexOf('sub');
    const got = top.listedFolder(i);
    expect(got).toBe(listedInGeneration(top.pathOf(i)));
    return got;
  };
  let listed: ReturnType<typeof ask> = null;
  await inSession(async () => {
    expect(ask()).toBeUndefined(); // the parent listed, not the folder
    const made = listDirCached(sub);
    listed = ask();
    expect(listed).toBe(made);
    expect(ask()).toBe(made);
  });
  // Another generation: not listed in it yet, then listed again (checked: the same one).
  await inSession(async () => {
    expect(ask()).toBeUndefined();
    const made = listDirCached(sub);
    expect(ask()).toBe(made);
  });
  clearCaches();
  await inSession(async () => expect(ask()).toBeUndefined());
});

test("a run over many files keeps a folder listed from its parent's by that listing only; a lookup by path finds it through the folders above", async () => {
  const dir = fs.realpathSync(tmpdir('dfo-listing-kept-'));
  writeTree(dir, { 'a/b/c/d.txt': 'd\n', 'a/e.txt': 'e\n', 'f/g.txt': 'g\n' });
  const [a, b, c, f] = ['a', 'a/b', 'a/b/c', 'f'].map((p) => path.join(dir, p));
  await inSession(
    async () => {
      const records = listingRecords();
      const top = listDirCached(dir)!;
      const la = top.folderListing(top.indexOf('a'))!;
      const lb = la.folderListing(la.indexOf('b'))!;
      const lc = lb.folderListing(lb.indexOf('c'))!;
      expect(lc.names).toEqual(['d.txt']);
      // (one record more: the top's; the others are kept by their parents' listings)
      expect(listingRecords() - records).toBe(1);
      const listings = diskCounters.listings;
      expect(listDirCached(b)).toBe(lb);
      expect(listedInGeneration(c)).toBe(lc);
      expect(listedInGeneration(a)).toBe(la);
      expect(listedInGeneration(f)).toBeUndefined();
      expect(listedInGeneration(path.join(c, 'd.txt'))).toBeUndefined();
      // A context below the top: its walk and path kinds from the same listings.
      const ctx = new DiskContext(b);
      expect(ctx.walk().map((e) => e.path)).toEqual(['c', 'c/d.txt']);
      expect([ctx.isDirectory('c'), ctx.exists('c/d.txt'), ctx.exists('c/x')]).toEqual([
        true,
        true,
        false,
      ]);
      expect(diskCounters.listings).toBe(listings);
    },
    { many: true },
  );
  // The next generation lists them again (none was stat'ed).
  const next = await counted(() => inSession(async () => void listDirCached(c)));
  expect(next.listed).toEqual([c]);
});

test("the bench's OS floor replays a declared run's own calls: sizeLog holds each file the size note stat'ed, fileLog each Dockerfile and ignore file read, once each", async () => {
  const dir = repo();
  const web = path.join(dir, 'web');
  fs.writeFileSync(path.join(web, '.dockerignore'), 'node_modules\n');
  const sized: string[] = [];
  const read: string[] = [];
  diskCounters.sizeLog = sized;
  diskCounters.fileLog = read;
  let results;
  try {
    const builds = await findBuilds([dir], dir, {});
    results = await optimizeDeclaredFiles([path.join(web, 'Dockerfile')], { cwd: dir, builds });
  } finally {
    diskCounters.sizeLog = diskCounters.fileLog = null;
  }
  // (a size note was made: the .env secret is proposed, with the context before and after)
  const fix = results[0]!.fixes.find((f) => f.ruleId.startsWith('dockerignore/'));
  expect(fix?.note).toBe('context: 6 files, 114 B -> 3 files, 5 B');
  const files = ['.dockerignore', '.env', 'Dockerfile', 'i.js', 'package.json', 'src/a.js'];
  expect([...sized].sort()).toEqual(files.map((f) => path.join(web, f)));
  expect([...read].sort()).toEqual([path.join(web, '.dockerignore'), path.join(web, 'Dockerfile')]);
});
