/** Issue 18: the cost follows the work. Count-based (never timed): optimizing N Dockerfiles that
 * share one build context reads each context file at most once, lists each folder once and
 * parses each Dockerfile once for what it copies; the process-wide cache of optimizeFile()
 * notices a changed size or mtime. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeEach, expect, test } from '@jest/globals';
import { clearCaches, optimizeFile, optimizeFiles, withOptimizeSession } from '../src/api.js';
import { optimizeDeclaredFiles } from '../src/builds.js';
import { DiskContext } from '../src/context/context.js';
import { parseCounters, keepParsedModels, parseDockerfile } from '../src/model/dockerfile.js';
import { diskCounters } from '../src/context/cache.js';
import type { DockerfileModel, Transform } from '../src/model/types.js';
import { keywordCase } from './support/test-transforms.js';
import { removeTmpdirs, tmpdir, writeTree } from './helpers.js';

afterAll(removeTmpdirs);
beforeEach(() => clearCaches());

const N = 25;

/** A context with N Dockerfiles (distinct texts) and the files they copy. */
function sharedContext(): { dir: string; files: string[]; contextFiles: number } {
  const dir = tmpdir('dfo-linear-');
  const tree: Record<string, string> = {
    'package.json': '{"name":"x"}\n',
    'package-lock.json': '{}\n',
    'index.js': 'console.log(1)\n',
    'src/a.js': '\n',
    'src/b.js': '\n',
    '.env': 'TOKEN=abc\n',
    'debug.log': 'x\n',
  };
  const files: string[] = [];
  for (let i = 0; i < N; i++) {
    const name = `Dockerfile.${i}`;
    tree[name] =
      `FROM node:${18 + (i % 3)}\nWORKDIR /app\nCOPY package.json package-lock.json ./\n` +
      `RUN npm ci\nCOPY . .\nENV N=${i}\nCMD ["node", "index.js"]\n`;
    files.push(path.join(dir, name));
  }
  writeTree(dir, tree);
  return { dir, files, contextFiles: Object.keys(tree).length };
}

function countReads(): {
  log: string[];
  stop: () => void;
  listings: () => number;
  derived: () => number;
} {
  const log: string[] = [];
  const l0 = diskCounters.listings;
  const d0 = diskCounters.derived;
  diskCounters.readLog = log;
  return {
    log,
    stop: () => {
      diskCounters.readLog = null;
    },
    listings: () => diskCounters.listings - l0,
    derived: () => diskCounters.derived - d0,
  };
}

function maxPerPath(log: string[]): number {
  const n = new Map<string, number>();
  for (const p of log) n.set(p, (n.get(p) ?? 0) + 1);
  return Math.max(0, ...n.values());
}

test('optimizeFiles: N Dockerfiles in one context read each file once and parse each once', async () => {
  const { files, contextFiles } = sharedContext();
  const c = countReads();
  const results = await optimizeFiles(files, { only: ['dockerignore'] });
  c.stop();
  expect(results).toHaveLength(N);
  expect(results.some((r) => r.changed)).toBe(true);
  expect(maxPerPath(c.log)).toBe(1);
  expect(c.log.length).toBeLessThanOrEqual(contextFiles);
  expect(c.listings()).toBeLessThanOrEqual(2); // the root and src/
  // What each Dockerfile copies is computed once per text: N, not N * (N - 1).
  expect(c.derived()).toBe(N);
});

test('optimizeFile once per file in one process: same counts through the process-wide cache', async () => {
  const { files, contextFiles } = sharedContext();
  const c = countReads();
  for (const f of files) await optimizeFile(f, { only: ['dockerignore'] });
  c.stop();
  expect(maxPerPath(c.log)).toBe(1);
  expect(c.log.length).toBeLessThanOrEqual(contextFiles);
  expect(c.listings()).toBeLessThanOrEqual(2);
  expect(c.derived()).toBe(N);
});

test('optimizeFile once per file, Dockerfiles with nothing to ignore: the others are not even checked', async () => {
  // The docker-library layout: N Dockerfiles in one folder, each copying a script by name.
  const dir = tmpdir('dfo-linear-lib-');
  const tree: Record<string, string> = { 'docker-entrypoint.sh': '#!/bin/sh\nexec "$@"\n' };
  const files: string[] = [];
  for (let i = 0; i < N; i++) {
    tree[`Dockerfile.${i}`] =
      `FROM debian:bookworm-slim\nENV V=${i}\nCOPY docker-entrypoint.sh /usr/local/bin/\n` +
      'ENTRYPOINT ["docker-entrypoint.sh"]\n';
    files.push(path.join(dir, `Dockerfile.${i}`));
  }
  writeTree(dir, tree);
  const checked: string[] = [];
  diskCounters.checkLog = checked;
  try {
    for (const f of files) await optimizeFile(f, { only: ['dockerignore'] });
  } finally {
    diskCounters.checkLog = null;
  }
  // Each call looks at its own Dockerfile at most: N checks in all, not N * (N - 1).
  const others = checked.filter((p) => path.basename(p).startsWith('Dockerfile.'));
  expect(others.length).toBeLessThanOrEqual(N);
});

test('the process-wide cache is invalidated by a changed size or mtime', async () => {
  const { dir, files } = sharedContext();
  await optimizeFile(files[0]!, { only: ['dockerignore'] });
  const other = path.join(dir, 'Dockerfile.1');
  const c = countReads();
  await optimizeFile(files[0]!, { only: ['dockerignore'] });
  expect(c.log).not.toContain(other);
  // Same size, new mtime: read again.
  const text = fs.readFileSync(other, 'utf8');
  fs.writeFileSync(other, text.replace('node:19', 'node:21'));
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(other, later, later);
  await optimizeFile(files[0]!, { only: ['dockerignore'] });
  expect(c.log.filter((p) => p === other)).toHaveLength(1);
  // New size: read again, and what it copies is recomputed (it now copies a new file).
  fs.writeFileSync(other, text.replace('COPY . .', 'COPY .env ./\nCOPY . .'));
  const r = await optimizeFile(files[0]!, { only: ['dockerignore'] });
  c.stop();
  expect(c.log.filter((p) => p === other)).toHaveLength(2);
  // .env is now needed by another Dockerfile of the context: never excluded.
  expect(r.files.map((f) => f.after).join('')).not.toMatch(/^\.env$/m);
  clearCaches();
  const c2 = countReads();
  await optimizeFile(files[0]!, { only: ['dockerignore'] });
  c2.stop();
  expect(c2.log).toContain(other);
});

test('optimizeDeclaredFiles: each Dockerfile text is parsed once (the run without a context, the ignore plan and the run over the declared context share the parse)', async () => {
  const { dir, files } = sharedContext();
  const services = files
    .map(
      (f, i) => `  s${i}:\n    build:\n      context: .\n      dockerfile: ${path.basename(f)}\n`,
    )
    .join('');
  fs.writeFileSync(path.join(dir, 'compose.yaml'), `services:\n${services}`);
  const p0 = parseCounters.parses;
  const results = await optimizeDeclaredFiles(files, { cwd: dir, only: ['dockerignore'] });
  expect(results.every((r) => r.contexts.length === 1)).toBe(true);
  expect(results.some((r) => r.changed)).toBe(true);
  expect(parseCounters.parses - p0).toBe(N);
});

test('optimizeFiles: the dockerignore analysis walks a shared context once per ignore-file text, not once per Dockerfile', async () => {
  const { files } = sharedContext();
  const w0 = diskCounters.walks;
  const results = await optimizeFiles(files, { only: ['dockerignore'] });
  expect(results.some((r) => r.changed)).toBe(true);
  // Once with no ignore file, once with the one the first Dockerfile's fix proposes (pending
  // for the others): 2 walks for N Dockerfiles.
  expect(diskCounters.walks - w0).toBeLessThanOrEqual(2);
});

test('the full context walk is done once per session for every view of a folder, not once per Dockerfile', async () => {
  const { dir } = sharedContext();
  const w0 = diskCounters.walks;
  await withOptimizeSession(async () => {
    const first = new DiskContext(dir, path.join(dir, 'Dockerfile.0')).walk();
    for (let i = 1; i < N; i++)
      expect(new DiskContext(dir, path.join(dir, `Dockerfile.${i}`)).walk()).toBe(first);
  });
  expect(diskCounters.walks - w0).toBe(1);
  // A new session walks again (the folder may have changed).
  await withOptimizeSession(async () => void new DiskContext(dir).walk());
  expect(diskCounters.walks - w0).toBe(2);
});

test('optimizeFiles: the multistage search for .NET projects walks a shared context once per session', async () => {
  const dir = tmpdir('dfo-linear-dotnet-');
  const tree: Record<string, string> = {
    'Api/Api.csproj': '<Project Sdk="Microsoft.NET.Sdk.Web"></Project>\n',
    'Api/Program.cs': '\n',
  };
  const files: string[] = [];
  for (let i = 0; i < N; i++) {
    tree[`Dockerfile.${i}`] =
      'FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY . .\n' +
      `RUN dotnet publish Api/Api.csproj -c Release -o /app/publish\nENV N=${i}\n` +
      'WORKDIR /app/publish\nENTRYPOINT ["dotnet", "Api.dll"]\n';
    files.push(path.join(dir, `Dockerfile.${i}`));
  }
  writeTree(dir, tree);
  const w0 = diskCounters.walks;
  const results = await optimizeFiles(files, { only: ['multistage'], unsafe: true });
  expect(results.filter((r) => r.changed)).toHaveLength(N);
  expect(diskCounters.walks - w0).toBeLessThanOrEqual(2);
});

test('folders the ignore file excludes as a whole (node_modules, .git) are not listed by any transform, unless a `!` pattern may reach into them', async () => {
  const dir = tmpdir('dfo-linear-sent-');
  const tree: Record<string, string> = {
    'package.json': '{"name":"x"}\n',
    'package-lock.json': '{}\n',
    'index.js': 'x\n',
    '.dockerignore': 'node_modules\n.git\n',
    Dockerfile:
      'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install && npm run build\nCMD ["node", "index.js"]\n',
  };
  for (let i = 0; i < 40; i++) tree[`node_modules/p${i}/lib/index.js`] = 'x\n';
  for (let i = 0; i < 10; i++) tree[`.git/objects/${i}0/abc`] = 'x\n';
  writeTree(dir, tree);
  const file = path.join(dir, 'Dockerfile');
  const listed = async () => {
    clearCaches();
    const l0 = diskCounters.listings;
    const r = await optimizeFile(file, { unsafe: true });
    return { listings: diskCounters.listings - l0, result: r };
  };
  const pruned = await listed();
  // The fixes still see the project: npm ci (the lockfile is copied) and the reordering.
  expect(pruned.result.fixes.map((f) => f.ruleId)).toEqual(
    expect.arrayContaining(['dependency-cache/npm', 'package-hygiene/npm-ci']),
  );
  expect(pruned.listings).toBeLessThanOrEqual(2);
  // A `!` pattern that may re-include something below node_modules: it is listed.
  fs.writeFileSync(path.join(dir, '.dockerignore'), 'node_modules\n!node_modules/p1\n.git\n');
  const open = await listed();
  // (node_modules, p1 and p1/lib at least; the test is by literal prefix, so p10-p19 too)
  expect(open.listings).toBeGreaterThanOrEqual(pruned.listings + 3);
});

test('parsed models are shared by text within a run over many files, read-only (frozen under test), and not kept outside one', () => {
  const text = 'FROM debian\nRUN apt-get update && apt-get install -y curl\n';
  keepParsedModels(true);
  try {
    const a = parseDockerfile(text);
    expect(parseDockerfile(text)).toBe(a);
    expect(Object.isFrozen(a.instructions[1]!)).toBe(true);
    expect(() => {
      (a.instructions as unknown as unknown[]).push(null);
    }).toThrow(TypeError);
    clearCaches();
    expect(parseDockerfile(text)).not.toBe(a);
  } finally {
    keepParsedModels(false);
  }
  // A single optimize() (each analysis of the language server) keeps no model.
  const b = parseDockerfile(text);
  expect(parseDockerfile(text)).not.toBe(b);
});

test('a context walk sizes its files when asked (symbolic links by lstat)', () => {
  const dir = tmpdir('dfo-sizes-');
  writeTree(dir, { 'a.txt': 'hello\n', 'sub/b.bin': 'x'.repeat(1000) });
  fs.symlinkSync('sub/b.bin', path.join(dir, 'link'));
  const entries = new DiskContext(dir).walk();
  const size = (p: string) => entries.find((e) => e.path === p)?.size;
  expect(size('a.txt')).toBe(6);
  expect(size('sub/b.bin')).toBe(1000);
  expect(size('link')).toBe(fs.lstatSync(path.join(dir, 'link')).size);
  expect(size('sub')).toBe(0);
});

test('optimizeDeclaredFiles keeps the parsed models of the files to come, not of the files done (a file of the same text still to come keeps the texts its twin reached)', async () => {
  const dir = tmpdir('dfo-scope-');
  const A = 'FROM debian\nrun echo a\n';
  const B = 'FROM debian\nrun echo b\n';
  const D = 'FROM debian\nRUN echo d\n';
  writeTree(dir, { 'a/Dockerfile': A, 'b/Dockerfile': B, 'c/Dockerfile': A, 'd/Dockerfile': D });
  const files = ['a', 'b', 'c', 'd'].map((d) => path.join(dir, d, 'Dockerfile'));
  const first = new Map<string, DockerfileModel>();
  let dropped: boolean[] = [];
  const probe: Transform = {
    meta: { ...keywordCase.meta, id: 'test-probe', title: 'test-probe' },
    check(model) {
      if (!first.has(model.text)) first.set(model.text, model);
      // While d runs, a, b and c are done: their models are gone (parsed again here).
      if (model.text === D) dropped = [A, B].map((t) => parseDockerfile(t) !== first.get(t));
      return [];
    },
  };
  const p0 = parseCounters.parses;
  const results = await optimizeDeclaredFiles(files, {
    cwd: dir,
    transforms: [keywordCase, probe],
  });
  expect(results.map((r) => r.changed)).toEqual([true, true, true, false]);
  expect(dropped).toEqual([true, true]);
  // A and its fixed text (once for a and c), B and its fixed text, D; and the probe's 2.
  expect(parseCounters.parses - p0).toBe(5 + 2);
});
