/** Issue 18: what the dockerignore analysis derives from a walk of a context (the name scans,
 * the candidates and their decisions) is computed once for all the Dockerfiles of the context,
 * reused only when the context view answers every question the computation asked the same way,
 * and what the RUN steps run is read only when there is a `.git` to propose. Count-based. */
import * as path from 'node:path';
import { afterAll, beforeEach, expect, test } from '@jest/globals';
import { clearCaches, optimize, optimizeFiles } from '../../../src/api.js';
import { diskCounters } from '../../../src/context/cache.js';
import { MemoryContext } from '../../../src/context/context.js';
import { memoCounters } from '../../../transforms/dockerignore/memo.js';
import { Entries, type RunSteps } from '../../../transforms/dockerignore/model.js';
import { secretCandidates } from '../../../transforms/dockerignore/secrets.js';
import { removeTmpdirs, tmpdir, writeTree } from '../../helpers.js';

afterAll(removeTmpdirs);
beforeEach(() => clearCaches());

const N = 12;

function counts(): () => { scans: number; computed: number; reused: number } {
  const s0 = { ...memoCounters };
  return () => ({
    scans: memoCounters.scans - s0.scans,
    computed: memoCounters.computed - s0.computed,
    reused: memoCounters.reused - s0.reused,
  });
}

test.each([
  // (an installed node_modules, which the ignore file hides: the clutter candidates are
  // computed, and none is proposed)
  ['with a folder a clutter group looks for', true],
  // (nothing any group but editor and local Docker files looks for: the clutter candidates are
  // not computed at all, see mayProposeClutter)
  ['with nothing a clutter group but editor and Docker files looks for', false],
])(
  'N Dockerfiles of one context: the name scans and the candidates are computed once, then reused (%s)',
  async (_what, deps) => {
    const dir = tmpdir('dfo-di-share-');
    const tree: Record<string, string> = {
      '.dockerignore': deps ? '.env\n*.log\nnode_modules\n' : '.env\n*.log\n',
      '.env': 'TOKEN=abc\n',
      '.env.example': 'TOKEN=\n',
      'debug.log': 'x\n',
      'package.json': '{"name":"x"}\n',
      'index.js': 'console.log(1)\n',
      'src/a.js': '\n',
    };
    if (deps) tree['node_modules/x/index.js'] = '\n';
    const files: string[] = [];
    for (let i = 0; i < N; i++) {
      tree[`Dockerfile.${i}`] =
        `FROM node:${18 + (i % 3)}\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\n` +
        `COPY . .\nENV N=${i}\nCMD ["node", "index.js"]\n`;
      files.push(path.join(dir, `Dockerfile.${i}`));
    }
    writeTree(dir, tree);
    const c = counts();
    const results = await optimizeFiles(files, { only: ['dockerignore'] });
    // Nothing to add (the ignore file has the secret and the log; editor and Docker files alone
    // change nothing): every Dockerfile sees the same walk.
    expect(results.every((r) => !r.changed)).toBe(true);
    const n = c();
    // One scan for secrets, one for clutter when a group other than editor and Docker files may
    // find something (else no clutter scan: mayProposeClutter looks without it), and one
    // computation of each candidate list made, reused by the N - 1 others.
    const computations = deps ? 2 : 1;
    expect(n.scans).toBe(deps ? 2 : 1);
    expect(n.computed).toBe(computations);
    expect(n.reused).toBe(computations * (N - 1));
  },
);

const GITHUB_TOKEN = `ghp_${'a1B2c3D4e5'.repeat(4)}`;

test('a shared value is recomputed for a view of the walk that answers differently', () => {
  const none: RunSteps = { runText: '', runs: [] };
  const usage = () => none;
  const git = { tracked: ['.env', 'app.js'] };
  const secret = new MemoryContext({ '.env': `GH=${GITHUB_TOKEN}\n`, 'app.js': '\n' }, null, {
    git,
  });
  const plain = new MemoryContext({ '.env': 'PORT=3000\n', 'app.js': '\n' }, null, { git });
  // One walk, two views that read `.env` differently (a view may see pending files).
  const entries = new Entries(secret.walk(), () => false);
  const c = counts();
  const a = secretCandidates(entries, secret, usage);
  const b = secretCandidates(entries, plain, usage);
  expect(a.map((x) => x.review?.kind)).toEqual(['committed-secret']);
  expect(b).toEqual([]);
  expect(c()).toEqual({ scans: 1, computed: 2, reused: 0 });
  // The same answers again: reused, the same value.
  expect(secretCandidates(entries, secret, usage)).toBe(a);
  expect(secretCandidates(entries, plain, usage)).toBe(b);
  expect(c()).toEqual({ scans: 1, computed: 2, reused: 2 });
});

test('what the RUN steps run is read only when there is a .git entry to propose', async () => {
  const dir = tmpdir('dfo-di-gitreader-');
  const df =
    'FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN ./build.sh && make\nCMD ["python", "app.py"]\n';
  writeTree(dir, {
    Dockerfile: df,
    'build.sh': '#!/bin/sh\nVERSION=$(git describe --tags)\n',
    Makefile: 'all:\n\ttrue\n',
    'pyproject.toml': '[project]\nname = "x"\n',
    'app.py': '\n',
    '.env': 'TOKEN=abc\n',
  });
  const file = path.join(dir, 'Dockerfile');
  const run = async () => {
    clearCaches();
    const log: string[] = [];
    diskCounters.readLog = log;
    try {
      const r = await optimize(df, { only: ['dockerignore'], path: file, context: dir });
      return { r, read: log.map((p) => path.relative(dir, p)) };
    } finally {
      diskCounters.readLog = null;
    }
  };
  const without = await run();
  expect(without.r.fixes.map((f) => f.ruleId)).toContain('dockerignore/secrets');
  expect(without.read).not.toEqual(
    expect.arrayContaining([expect.stringMatching(/^(build\.sh|Makefile|pyproject\.toml)$/)]),
  );
  // With a .git folder the script is read, and .git is left in the context for it.
  writeTree(dir, { '.git/HEAD': 'ref: refs/heads/main\n' });
  const withGit = await run();
  expect(withGit.read).toContain('build.sh');
  expect(withGit.r.skipped.map((s) => s.reason)).toContain(
    '.git is left in the context: build.sh, which the RUN at line 4 runs, calls git',
  );
});

test('every folder name a clutter rule looks up is indexed (build outputs of every tool)', async () => {
  const df = [
    'FROM mcr.microsoft.com/dotnet/sdk:8.0',
    'WORKDIR /src',
    'COPY . .',
    'RUN npm ci && npm run build && next build && cargo build && ./gradlew build',
    'RUN python -m build && dotnet publish App/App.csproj',
    '',
  ].join('\n');
  const context: Record<string, string> = {
    'package.json': '{}\n',
    'Cargo.toml': '\n',
    'build.gradle': '\n',
    'App/App.csproj': '<Project/>\n',
  };
  for (const d of ['dist', 'build', '.next', 'target', '.gradle', 'App/bin', 'App/obj'])
    context[`${d}/out.txt`] = 'x\n';
  const r = await optimize(df, { only: ['dockerignore'], context });
  const added = r.fixes.flatMap((f) => (f.data?.added as string[] | undefined) ?? []);
  expect(added).toEqual(
    expect.arrayContaining(['dist', 'build', '.next', 'target', '.gradle', '**/bin', '**/obj']),
  );
});

test('editor and local Docker files alone: the other Dockerfiles of the context are not read', async () => {
  const dir = tmpdir('dfo-di-dockeronly-');
  const tree: Record<string, string> = { 'app.py': '\n', 'requirements.txt': 'flask\n' };
  for (let i = 0; i < 4; i++)
    tree[`Dockerfile.${i}`] =
      `FROM python:3.12\nWORKDIR /app\nCOPY . .\nENV N=${i}\nCMD ["python", "app.py"]\n`;
  writeTree(dir, tree);
  const file = path.join(dir, 'Dockerfile.0');
  const log: string[] = [];
  diskCounters.readLog = log;
  try {
    const r = await optimize(tree['Dockerfile.0']!, {
      only: ['dockerignore'],
      path: file,
      context: dir,
    });
    // Dockerfile* and .dockerignore are the only candidates: never a change on their own.
    expect(r.changed).toBe(false);
  } finally {
    diskCounters.readLog = null;
  }
  expect(log.map((p) => path.basename(p)).filter((n) => n.startsWith('Dockerfile.'))).toEqual([]);
});

test("the walk's paths by kind and its junk roots are made only when a question needs them", async () => {
  const k0 = { ...memoCounters };
  const made = () => ({
    kinds: memoCounters.kinds - k0.kinds,
    junkRoots: memoCounters.junkRoots - k0.junkRoots,
  });
  // Named sources that exist, nothing to propose: neither is made.
  const quiet = await optimize('FROM node:20\nCOPY package.json app.js ./\nRUN npm ci\n', {
    only: ['dockerignore'],
    context: { 'package.json': '{}\n', 'app.js': '\n', 'node_modules/x/i.js': '\n' },
  });
  expect(quiet.fixes).toEqual([]);
  expect(made()).toEqual({ kinds: 0, junkRoots: 0 });
  // A fix (its size note measures what the walk did not enter): both are made, once.
  const fix = await optimize('FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n', {
    only: ['dockerignore'],
    context: { 'package.json': '{}\n', '.env': 'TOKEN=abc\n', 'node_modules/x/i.js': '\n' },
  });
  expect(fix.fixes.map((f) => f.ruleId)).toContain('dockerignore/secrets');
  expect(fix.fixes.find((f) => f.ruleId === 'dockerignore/secrets')!.note).toBe(
    'context: 3 files, 14 B -> 1 files, 3 B',
  );
  // (no ignore file: no path's kind is asked)
  expect(made()).toEqual({ kinds: 0, junkRoots: 1 });
  // With an ignore file, what a COPY names is matched as a folder or a file: the kinds are made.
  const named = await optimize('FROM node:20\nCOPY src ./src\nCOPY . .\nRUN npm ci\n', {
    only: ['dockerignore'],
    context: { '.dockerignore': '*.log\n', 'src/a.js': '\n', '.env': 'TOKEN=abc\n' },
  });
  expect(named.fixes.map((f) => f.ruleId)).toContain('dockerignore/secrets');
  expect(made()).toEqual({ kinds: 1, junkRoots: 2 });
});

test('a named source missing from the context is looked for in the walk without a map of its paths', async () => {
  const k0 = memoCounters.kinds;
  const r = await optimize('FROM node:20\nCOPY missing.txt ./\nCOPY . .\nRUN npm ci\n', {
    only: ['dockerignore'],
    context: { 'package.json': '{}\n', '.env': 'TOKEN=abc\n' },
  });
  expect(r.fixes).toEqual([]);
  expect(r.skipped.map((s) => s.reason)).toEqual([
    expect.stringContaining('missing.txt (line 2) is not in this build context'),
  ]);
  expect(memoCounters.kinds - k0).toBe(0);
  // Looked for again and again (a walk shared by many Dockerfiles): the map is made, once.
  const entries = new Entries(
    [
      { path: 'a', size: 0, isDirectory: true },
      { path: 'a/b.txt', size: 1, isDirectory: false },
    ],
    () => false,
  );
  const found = ['a/b.txt', 'x', 'a', 'y', 'a/b.txt', 'z'].map((p) => entries.holds(p));
  expect(found).toEqual([true, false, true, false, true, false]);
  expect(memoCounters.kinds - k0).toBe(1);
});
