/**
 * What is read from disk once per generation (context/cache.ts: a session is one generation, a
 * lone call one of its own): path kinds (DiskContext.exists/isDirectory), the Dockerfile and the
 * ignore files the API reads. Counts, and the disk seen again in the next generation.
 */
import { afterAll, beforeEach, describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  applyResult,
  clearCaches,
  optimize,
  optimizeFile,
  optimizeFiles,
  withOptimizeSession,
} from '../src/api.js';
import { diskCounters, inSession } from '../src/context/cache.js';
import { DiskContext } from '../src/context/context.js';
import { WriteError } from '../src/io/write.js';
import { removeTmpdirs, tmpdir, writeTree } from './helpers.js';

afterAll(removeTmpdirs);
beforeEach(() => clearCaches());

const lstats = async (fn: () => Promise<unknown>): Promise<number> => {
  const before = diskCounters.lstats;
  await fn();
  return diskCounters.lstats - before;
};

describe('DiskContext.exists and isDirectory', () => {
  test('each path is looked up once per generation, for every DiskContext of the root', async () => {
    const dir = tmpdir('dfo-kinds-');
    writeTree(dir, { 'a.txt': 'a\n', 'src/b.txt': 'b\n' });
    const n = await lstats(() =>
      inSession(async () => {
        for (let i = 0; i < 5; i++) {
          const ctx = new DiskContext(dir, path.join(dir, `Dockerfile.${i}`));
          expect(ctx.exists('a.txt')).toBe(true);
          expect(ctx.isDirectory('a.txt')).toBe(false);
          expect(ctx.isDirectory('src')).toBe(true);
          expect(ctx.exists('missing')).toBe(false);
          expect(ctx.isDirectory('missing')).toBe(false);
          expect(ctx.exists('../outside')).toBe(false);
        }
      }),
    );
    // a.txt, src, missing (an escaping path is never looked up)
    expect(n).toBe(3);
  });

  test('the next generation looks again', async () => {
    const dir = tmpdir('dfo-kinds-next-');
    writeTree(dir, { 'a.txt': 'a\n' });
    await inSession(async () => {
      expect(new DiskContext(dir).exists('b.txt')).toBe(false);
    });
    fs.writeFileSync(path.join(dir, 'b.txt'), 'b\n');
    fs.rmSync(path.join(dir, 'a.txt'));
    fs.mkdirSync(path.join(dir, 'a.txt'));
    await inSession(async () => {
      const ctx = new DiskContext(dir);
      expect(ctx.exists('b.txt')).toBe(true);
      expect(ctx.isDirectory('a.txt')).toBe(true);
    });
  });

  test('a symbolic link is not a folder (lstat), a dangling one exists', async () => {
    const dir = tmpdir('dfo-kinds-link-');
    writeTree(dir, { 'real/x': 'x\n' });
    fs.symlinkSync(path.join(dir, 'real'), path.join(dir, 'link'));
    fs.symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'dangling'));
    const ctx = new DiskContext(dir);
    expect(ctx.isDirectory('real')).toBe(true);
    expect(ctx.isDirectory('link')).toBe(false);
    expect(ctx.exists('link')).toBe(true);
    expect(ctx.exists('dangling')).toBe(true);
    expect(ctx.exists('real/x/y')).toBe(false);
  });

  test('N Dockerfiles of one context, every transform: the lookups do not grow with N', async () => {
    const dir = tmpdir('dfo-kinds-n-');
    const tree: Record<string, string> = {
      'package.json': '{"name":"x"}\n',
      'package-lock.json': '{}\n',
      'requirements.txt': 'flask\n',
      'src/app.py': '\n',
      'entrypoint.sh': '#!/bin/sh\nexec "$@"\n',
    };
    const body = (i: number) =>
      `FROM python:3.12\nENV N=${i}\nWORKDIR /app\nRUN apt-get update && apt-get install -y curl\n` +
      'COPY src ./src\nCOPY . .\nRUN pip install -r requirements.txt\nRUN npm install\n' +
      'COPY entrypoint.sh /usr/local/bin/\nENTRYPOINT ["entrypoint.sh"]\nCMD ["python", "src/app.py"]\n';
    for (let i = 0; i < 12; i++) tree[`Dockerfile.${i}`] = body(i);
    writeTree(dir, tree);
    const files = (n: number) => [...Array(n).keys()].map((i) => path.join(dir, `Dockerfile.${i}`));
    const one = await lstats(() => optimizeFiles(files(1), { cwd: dir }));
    clearCaches();
    const twelve = await lstats(() => optimizeFiles(files(12), { cwd: dir }));
    expect(one).toBeGreaterThan(0);
    // (about 25 paths for one; without the memo, 12 Dockerfiles looked up over 1,600)
    expect(twelve).toBeLessThanOrEqual(one + 11);
  });
});

describe('the Dockerfile and ignore files the API reads', () => {
  const DOCKERFILE = 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install\n';

  function project(): { dir: string; file: string } {
    const dir = tmpdir('dfo-reads-');
    writeTree(dir, {
      Dockerfile: DOCKERFILE,
      'package.json': '{"name":"x"}\n',
      '.dockerignore': 'node_modules\n',
    });
    return { dir, file: path.join(dir, 'Dockerfile') };
  }

  test('in one session, a Dockerfile and its context ignore file are read once (one snapshot)', async () => {
    const { dir, file } = project();
    const [a, b, c] = await withOptimizeSession(async () => {
      const a = await optimizeFile(file, { cwd: dir });
      // Changed on disk during the session: the session keeps what it read first...
      fs.appendFileSync(file, 'LABEL later=1\n');
      fs.appendFileSync(path.join(dir, '.dockerignore'), '.git\n');
      const b = await optimizeFile(file, { cwd: dir });
      const c = await optimize(DOCKERFILE, { path: file, cwd: dir, context: dir });
      return [a, b, c];
    });
    const df = (r: typeof a) => r.files.find((f) => f.absolutePath === file)!;
    expect(df(b).before).toBe(DOCKERFILE);
    expect(df(b).snapshot).toBe(df(a).snapshot);
    expect(b.output).toBe(a.output);
    // (the same ignore text for every run: no run sees the appended `.git`)
    for (const r of [a, b, c]) {
      const ignore = r.files.find((f) => f.path.endsWith('.dockerignore'));
      if (ignore) expect(ignore.before).toBe('node_modules\n');
    }
    // ...and the write path still refuses it: the file changed since that read.
    expect(() => applyResult(b, { cwd: dir })).toThrow(WriteError);
    expect(fs.readFileSync(file, 'utf8')).toBe(DOCKERFILE + 'LABEL later=1\n');
  });

  test('the next call (a new generation) reads the file again', async () => {
    const { dir, file } = project();
    const a = await optimizeFile(file, { cwd: dir });
    fs.writeFileSync(file, DOCKERFILE.replace('node:20', 'node:22'));
    const b = await optimizeFile(file, { cwd: dir });
    expect(a.files.find((f) => f.absolutePath === file)!.before).toContain('node:20');
    expect(b.files.find((f) => f.absolutePath === file)!.before).toContain('node:22');
    expect(() => applyResult(b, { cwd: dir })).not.toThrow();
  });

  test('the ignore files found absent are not looked for again by the transforms', async () => {
    const dir = tmpdir('dfo-reads-absent-');
    const tree: Record<string, string> = {
      'package.json': '{"name":"x"}\n',
      '.env': 'TOKEN=abc\n',
      'debug.log': 'x\n',
    };
    for (let i = 0; i < 4; i++) tree[`Dockerfile.${i}`] = DOCKERFILE.replace('20', `2${i}`);
    writeTree(dir, tree);
    const checked: string[] = [];
    diskCounters.checkLog = checked;
    try {
      const files = Object.keys(tree).filter((f) => f.startsWith('Dockerfile'));
      const results = await optimizeFiles(
        files.map((f) => path.join(dir, f)),
        { cwd: dir },
      );
      // (the dockerignore transform proposes a new one: created for the first, pending after)
      expect(results[0]!.files.some((f) => f.path === '.dockerignore')).toBe(true);
    } finally {
      diskCounters.checkLog = null;
    }
    expect(checked.filter((p) => p.endsWith('.dockerignore'))).toEqual([]);
  });

  test('an unreadable ignore file is an error every time it is asked for, never "absent"', async () => {
    const { dir, file } = project();
    fs.writeFileSync(path.join(dir, '.dockerignore'), Buffer.from([0x66, 0x00, 0x6f]));
    await withOptimizeSession(async () => {
      await expect(optimizeFile(file, { cwd: dir })).rejects.toThrow(/\.dockerignore: binary/);
      await expect(optimizeFile(file, { cwd: dir })).rejects.toThrow(/\.dockerignore: binary/);
    });
  });
});
