/**
 * Issue 18: a path that the listing of its folder, made in the session under way, lacks is
 * absent without a look at the disk (context/cache.ts listedAbsent, pathExists,
 * isDirectoryPath; the API's ignore files, the declared Dockerfiles and contexts, `.git`, `.env`
 * of compose). Only a listing of this session counts, and only a name checked exactly: a listed
 * name that differs only by case is not taken as absence unless the folder is known to tell
 * cases apart.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeEach, expect, test } from '@jest/globals';
import { clearCaches, optimizeFile } from '../src/api.js';
import { buildsFor, findBuilds, optimizeDeclaredFiles } from '../src/builds.js';
import { buildCounters } from '../src/context/builds/index.js';
import {
  diskCounters,
  generationTable,
  inSession,
  isDirectoryPath,
  listDirCached,
  listedAbsent,
  pathExists,
} from '../src/context/cache.js';
import { removeTmpdirs, tmpdir, writeTree } from './helpers.js';

afterAll(removeTmpdirs);
beforeEach(() => clearCaches());

const DOCKERFILE = 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD ["node", "i.js"]\n';

/** A repository with one declared build whose context holds a secret (`.env`): the run
 * proposes a `.dockerignore`. */
function repo(): string {
  const dir = fs.realpathSync(tmpdir('dfo-absent-'));
  fs.mkdirSync(path.join(dir, '.git'));
  writeTree(dir, {
    'compose.yaml': 'services:\n  web:\n    build: ./web\n',
    'web/Dockerfile': DOCKERFILE,
    'web/package.json': '{}\n',
    'web/i.js': '\n',
    'web/.env': 'TOKEN=x\n',
  });
  return dir;
}

const ignoreChange = (files: { path: string; before: string | null }[]) =>
  files.find((f) => f.path === 'web/.dockerignore');

test('an ignore file the session listing lacks is absent without a look: the session sees the disk as listed', async () => {
  const dir = repo();
  const builds = await findBuilds(['.'], dir);
  // Written after the search listed web/: the run that follows (the same snapshot) does not
  // look for it on disk, so it proposes a new file.
  fs.writeFileSync(path.join(dir, 'web', '.dockerignore'), 'node_modules\n');
  const [r] = await optimizeDeclaredFiles(['web/Dockerfile'], { cwd: dir, builds });
  expect(ignoreChange(r!.files)?.before).toBeNull();
  // A new search and run look again: the file is there.
  const again = await findBuilds(['.'], dir);
  const [r2] = await optimizeDeclaredFiles(['web/Dockerfile'], { cwd: dir, builds: again });
  expect(ignoreChange(r2!.files)?.before).toBe('node_modules\n');
});

test('a declared run answers the ignore files its listings lack from folder and name: not recorded in the table of ignore files read (a present one is)', async () => {
  const dir = repo();
  writeTree(dir, {
    'compose.yaml':
      'services:\n  web:\n    build: ./web\n  api:\n    build: ./api\n' +
      '  job:\n    build:\n      context: ./api\n      dockerfile: job/Dockerfile\n',
    'api/Dockerfile': DOCKERFILE,
    'api/.dockerignore': 'node_modules\n',
    'api/job/Dockerfile': DOCKERFILE,
    'api/job/Dockerfile.dockerignore': '.env\n',
  });
  await inSession(async () => {
    const builds = await findBuilds(['.'], dir);
    const [web, api, job] = await optimizeDeclaredFiles(
      ['web/Dockerfile', 'api/Dockerfile', 'api/job/Dockerfile'],
      { cwd: dir, builds },
    );
    expect(ignoreChange(web!.files)?.before).toBeNull();
    expect(api!.files.some((f) => f.path === 'api/.dockerignore' && f.before === null)).toBe(false);
    // (absent ones answered before the table: the fast path of api.ts readIgnoreFileOnce; the
    // new web/.dockerignore is looked up by path for the change that writes it)
    const table = generationTable<string, unknown>('ignore files');
    for (const f of ['web/Dockerfile.dockerignore', 'api/Dockerfile.dockerignore'])
      expect(table.has(path.join(dir, f))).toBe(false);
    expect(table.get(path.join(dir, 'api', '.dockerignore'))).toMatchObject({
      text: 'node_modules\n',
    });
    // (a Dockerfile below its context's top: its own folder's listing has its ignore file)
    expect(table.get(path.join(dir, 'api/job/Dockerfile.dockerignore'))).toMatchObject({
      text: '.env\n',
    });
    expect(job!.files.some((f) => f.before === null)).toBe(false);
  });
});

test('a listing of an earlier session is never used: outside a session, and in a new one until listed again', async () => {
  const dir = fs.realpathSync(tmpdir('dfo-absent-old-'));
  writeTree(dir, { Dockerfile: DOCKERFILE });
  const ignore = path.join(dir, '.dockerignore');
  await inSession(async () => {
    listDirCached(dir);
    expect(listedAbsent(ignore)).toBe(true);
    expect(pathExists(ignore)).toBe(false);
  });
  fs.writeFileSync(ignore, 'x\n');
  // Outside a session: the disk.
  expect(listedAbsent(ignore)).toBe(false);
  expect(pathExists(ignore)).toBe(true);
  // A new session: not listed in it yet, so the disk; once listed, the new listing.
  await inSession(async () => {
    expect(listedAbsent(ignore)).toBe(false);
    expect(pathExists(ignore)).toBe(true);
    listDirCached(dir);
    expect(listedAbsent(ignore)).toBe(false);
    expect(pathExists(ignore)).toBe(true);
  });
  // Nor does the generation a search for build files leaves open count outside a session.
  fs.rmSync(ignore);
  await findBuilds(['.'], dir);
  fs.writeFileSync(ignore, 'y\n');
  expect(listedAbsent(ignore)).toBe(false);
  expect(pathExists(ignore)).toBe(true);
});

test('names are checked exactly: a listed name that differs only by case is absence only in a folder that tells cases apart', async () => {
  const dir = fs.realpathSync(tmpdir('dfo-absent-case-'));
  writeTree(dir, { '.DockerIgnore': 'x\n', Sample: 's\n' });
  const ignore = path.join(dir, '.dockerignore');
  await inSession(async () => {
    listDirCached(dir);
    // Listed exactly: present.
    expect(listedAbsent(path.join(dir, '.DockerIgnore'))).toBe(false);
    expect(pathExists(path.join(dir, '.DockerIgnore'))).toBe(true);
    // A case twin is listed: the folder is probed (one lstat), and tells cases apart here.
    const lstats = diskCounters.lstats;
    expect(listedAbsent(ignore)).toBe(true);
    expect(diskCounters.lstats).toBe(lstats + 1);
    // No twin: absent without a probe (whatever the file system's case rule).
    expect(listedAbsent(path.join(dir, 'Dockerfile.dockerignore'))).toBe(true);
    expect(diskCounters.lstats).toBe(lstats + 1);
    // A name with a non-ASCII letter: the disk decides.
    expect(listedAbsent(path.join(dir, 'dockerïgnore'))).toBe(false);
  });
  // A folder that ignores case (simulated: the other spelling of the probed name exists on disk
  // but not in the listing): the twin may be the file asked for, so the disk decides.
  const other = fs.realpathSync(tmpdir('dfo-absent-nocase-'));
  writeTree(other, { '.DockerIgnore': 'x\n', Sample: 's\n' });
  await inSession(async () => {
    listDirCached(other);
    const probed = path.join(other, '.dOCKERiGNORE');
    fs.writeFileSync(probed, 'x\n');
    expect(listedAbsent(path.join(other, '.dockerignore'))).toBe(false);
    expect(listedAbsent(path.join(other, 'Dockerfile.dockerignore'))).toBe(true);
  });
});

test('pathExists and isDirectoryPath answer as the disk does: files, folders, links, missing paths', async () => {
  const dir = fs.realpathSync(tmpdir('dfo-absent-kinds-'));
  writeTree(dir, { 'f.txt': 'f\n', 'sub/g.txt': 'g\n' });
  fs.symlinkSync(path.join(dir, 'sub'), path.join(dir, 'to-sub'));
  fs.symlinkSync(path.join(dir, 'f.txt'), path.join(dir, 'to-file'));
  fs.symlinkSync(path.join(dir, 'gone'), path.join(dir, 'dangling'));
  const names = ['f.txt', 'sub', 'to-sub', 'to-file', 'dangling', 'missing', 'sub/g.txt'];
  const disk = (n: string) => {
    const p = path.join(dir, n);
    return [fs.existsSync(p), fs.existsSync(p) && fs.statSync(p).isDirectory()];
  };
  const expected = names.map(disk);
  const asked = (n: string) => [pathExists(path.join(dir, n)), isDirectoryPath(path.join(dir, n))];
  expect(names.map(asked)).toEqual(expected);
  await inSession(async () => {
    listDirCached(dir);
    listDirCached(path.join(dir, 'sub'));
    expect(names.map(asked)).toEqual(expected);
    expect(listedAbsent(path.join(dir, 'dangling'))).toBe(false);
    expect(listedAbsent(path.join(dir, 'missing'))).toBe(true);
  });
});

test('a build context folder listed in the session is taken as one without a stat; one not listed is still checked', async () => {
  const dir = fs.realpathSync(tmpdir('dfo-absent-context-'));
  writeTree(dir, { Dockerfile: DOCKERFILE, 'ctx/a.txt': 'a\n', 'file.txt': 'f\n' });
  const file = path.join(dir, 'Dockerfile');
  await inSession(async () => {
    listDirCached(path.join(dir, 'ctx'));
    // Removed after its listing: the session's snapshot still has it (no stat asked).
    fs.rmSync(path.join(dir, 'ctx'), { recursive: true });
    await expect(optimizeFile(file, { context: path.join(dir, 'ctx') })).resolves.toBeDefined();
  });
  await expect(optimizeFile(file, { context: path.join(dir, 'ctx') })).rejects.toThrow(
    'no such directory',
  );
  await expect(optimizeFile(file, { context: path.join(dir, 'file.txt') })).rejects.toThrow(
    'not a directory',
  );
});

test('buildsFor: in a session, Dockerfiles declared below one link-free folder are matched by path, with no comparison to each build; a link on the way compares them', async () => {
  const dir = fs.realpathSync(tmpdir('dfo-absent-bypath-'));
  fs.mkdirSync(path.join(dir, '.git'));
  const tree: Record<string, string> = { 'i.js': '\n' };
  let compose = 'services:\n';
  for (let i = 0; i < 12; i++) {
    tree[`s${i}/Dockerfile`] = DOCKERFILE;
    compose += `  a${i}:\n    build: ./s${i}\n  b${i}:\n    build: ./s${i % 3}\n`;
  }
  tree['compose.yaml'] = compose;
  writeTree(dir, tree);
  const set = await findBuilds(['.'], dir);
  expect(set.builds).toHaveLength(24);
  const byName = (f: string) => buildsFor(set, f).map((b) => b.source.name);
  const before = buildCounters.compared;
  await inSession(async () => {
    for (let i = 0; i < 12; i++) {
      const want = [
        `service a${i}`,
        ...(i < 3 ? [0, 1, 2, 3].map((k) => `service b${i + 3 * k}`) : []),
      ];
      expect(byName(path.join(dir, `s${i}`, 'Dockerfile')).sort()).toEqual(want.sort());
    }
  });
  expect(buildCounters.compared).toBe(before);
  // A link on the way: the builds are compared one by one (real paths), with the same answers.
  fs.symlinkSync('s1', path.join(dir, 'link'));
  const linked = await findBuilds(['.'], dir);
  await inSession(async () => {
    listDirCached(path.join(dir, 'link'));
    expect(
      buildsFor(linked, path.join(dir, 'link', 'Dockerfile'))
        .map((b) => b.source.name)
        .sort(),
    ).toEqual(['service a1', 'service b1', 'service b4', 'service b7', 'service b10'].sort());
  });
  expect(buildCounters.compared).toBeGreaterThan(before);
  // A Dockerfile no build declares.
  expect(byName(path.join(dir, 'none', 'Dockerfile'))).toEqual([]);
});

test('a declared Dockerfile is matched to the file asked for through symbolic links, and two files below one link-free folder are told apart without realpath', async () => {
  const dir = fs.realpathSync(tmpdir('dfo-absent-links-'));
  fs.mkdirSync(path.join(dir, '.git'));
  writeTree(dir, {
    'compose.yaml':
      'services:\n  web:\n    build: ./linked\n  api:\n    build:\n      context: ./real\n      dockerfile: Other.Dockerfile\n',
    'real/Dockerfile': DOCKERFILE,
    'real/Other.Dockerfile': DOCKERFILE,
    'real/i.js': '\n',
  });
  fs.symlinkSync('real', path.join(dir, 'linked'));
  const builds = await findBuilds(['.'], dir);
  const results = await optimizeDeclaredFiles(['real/Dockerfile', 'real/Other.Dockerfile'], {
    cwd: dir,
    builds,
  });
  expect(results.map((r) => r.contexts)).toEqual([
    [path.join(dir, 'linked')],
    [path.join(dir, 'real')],
  ]);
  // In a session that listed the linked folder (a context walked before the next Dockerfile):
  // the link is on the way, so the real paths decide.
  const fresh = await findBuilds(['.'], dir);
  await inSession(async () => {
    listDirCached(path.join(dir, 'linked'));
    expect(
      buildsFor(fresh, path.join(dir, 'real', 'Dockerfile')).map((b) => b.source.name),
    ).toEqual(['service web']);
  });
  // The same outside a session (real paths).
  expect(buildsFor(builds, path.join(dir, 'real', 'Dockerfile')).map((b) => b.source.name)).toEqual(
    ['service web'],
  );
  expect(
    buildsFor(builds, path.join(dir, 'real', 'Other.Dockerfile')).map((b) => b.source.name),
  ).toEqual(['service api']);
});
