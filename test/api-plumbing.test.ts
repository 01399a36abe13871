/** Issue 18: the per-Dockerfile plumbing of the API (src/api.ts) without its old costs: option
 * and result copies made by withProps (not `{ ...o, key }`, slow on Node 20), paths already
 * absolute and normalised taken as they are (resolveIn), and the ignore files a run finds absent
 * told to its context from the read itself. Each must give what the slow way gives. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeEach, expect, jest, test } from '@jest/globals';
import { clearCaches, optimize, optimizeFile, resolveIn, withProps } from '../src/api.js';
import { DiskContext } from '../src/context/context.js';
import type { Transform } from '../src/model/types.js';
import { removeTmpdirs, tmpdir, writeTree } from './helpers.js';

afterAll(removeTmpdirs);
beforeEach(() => clearCaches());

/** A transform that only reads the context (`read`), with no findings. */
function readerTransform(read: (c: Parameters<Transform['check']>[1]) => void): Transform {
  return {
    meta: {
      id: 'reader',
      title: 'reader',
      hadolint: [],
      applicability: 'safe',
      docs: { why: '', fixSafety: '' },
    },
    check: (_m, c) => {
      read(c);
      return [];
    },
  };
}

test('withProps gives the object a spread gives: same keys in the same order, same values, base untouched', () => {
  const pending = new Map([['a', 'b']]);
  const bases: Record<string, unknown>[] = [
    {},
    { cwd: '/w', path: 'Dockerfile', skip: undefined, pending },
    { context: null, only: ['x'], unsafe: true },
  ];
  const extras: Record<string, unknown>[] = [
    {},
    { path: '/abs/Dockerfile', context: '/abs', cwd: '/w' },
    { pending: undefined, ignoreBeside: undefined },
    { skip: ['dockerignore'] },
  ];
  for (const base of bases)
    for (const extra of extras) {
      const before = JSON.stringify(Object.entries(base));
      const fast = withProps(base, extra);
      const spread = { ...base, ...extra };
      expect(Object.entries(fast)).toEqual(Object.entries(spread));
      expect(Object.keys(fast)).toEqual(Object.keys(spread));
      expect(fast).not.toBe(base);
      expect(JSON.stringify(Object.entries(base))).toBe(before);
      if ('pending' in fast && fast.pending !== undefined) expect(fast.pending).toBe(pending);
    }
});

test('resolveIn gives what path.resolve gives, for clean absolute paths and every other kind', () => {
  const cwds = ['/repo', '/repo/sub', process.cwd()];
  const paths = [
    '/repo/web/Dockerfile',
    '/repo/web/',
    '/repo//web',
    '/repo/./web',
    '/repo/web/..',
    '/',
    '/a',
    'web/Dockerfile',
    './Dockerfile',
    '../x',
    '.',
    '/repo/.hidden/..x',
  ];
  for (const cwd of cwds)
    for (const p of paths) expect(resolveIn(cwd, p)).toBe(path.resolve(cwd, p));
});

test('the ignore files a run finds absent are told to its context (no lookup of them again)', async () => {
  const dir = fs.realpathSync(tmpdir('dfo-plumbing-'));
  writeTree(dir, {
    'web/Dockerfile': 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n',
    'web/package.json': '{}\n',
    'other/Dockerfile': 'FROM alpine\nCOPY . .\n',
    'other/.dockerignore': 'x\n',
  });
  const told = jest.spyOn(DiskContext.prototype, 'knownAbsent');
  try {
    await optimizeFile(path.join(dir, 'web', 'Dockerfile'));
    expect(told.mock.calls.map((c) => c[0]).sort()).toEqual([
      '.dockerignore',
      'Dockerfile.dockerignore',
    ]);
    told.mockClear();
    // The root one exists: only the one beside the Dockerfile is absent.
    await optimizeFile(path.join(dir, 'other', 'Dockerfile'));
    expect(told.mock.calls.map((c) => c[0])).toEqual(['Dockerfile.dockerignore']);
  } finally {
    told.mockRestore();
  }
});

test('pending edits are seen by the context they lie in, and only there (placed by prefix or by path.relative)', async () => {
  const dir = fs.realpathSync(tmpdir('dfo-plumbing-pending-'));
  writeTree(dir, { 'ctx/Dockerfile': 'FROM alpine\n', 'ctx/a.txt': 'disk\n', 'ctxb/a.txt': 'b\n' });
  const ctx = path.join(dir, 'ctx');
  const seen: Record<string, string | null> = {};
  const names = ['a.txt', 'sub/new.txt', '..odd', 'x'];
  const reader = readerTransform((c) => {
    for (const n of names) seen[n] = c.buildContext.readFile(n);
  });
  const pending = new Map([
    [path.join(ctx, 'a.txt'), 'pending\n'],
    [path.join(ctx, 'sub', 'new.txt'), 'new\n'],
    // beside the context (a name it starts with), above it, and not normalised: not below
    [path.join(dir, 'ctxb', 'x'), 'no\n'],
    [path.join(dir, 'x'), 'no\n'],
    [`${ctx}/../x`, 'no\n'],
    // below, but a name path.relative's `..` check leaves out: left out as before
    [path.join(ctx, '..odd'), 'odd\n'],
  ]);
  await optimize('FROM alpine\n', {
    path: path.join(ctx, 'Dockerfile'),
    context: ctx,
    transforms: [reader],
    pending,
  });
  expect(seen).toEqual({ 'a.txt': 'pending\n', 'sub/new.txt': 'new\n', '..odd': null, x: null });
});

test('the ignore files read for a run and the pending edits seed its context as one map would: a pending text of an ignore file replaces the one on disk, in its place', async () => {
  const dir = fs.realpathSync(tmpdir('dfo-plumbing-seed-'));
  writeTree(dir, {
    'ctx/web/Dockerfile': 'FROM alpine\n',
    'ctx/web/Dockerfile.dockerignore': 'beside\n',
    'ctx/.dockerignore': 'root\n',
    'ctx/a.txt': 'disk\n',
  });
  const ctx = path.join(dir, 'ctx');
  const dockerfile = path.join(ctx, 'web', 'Dockerfile');
  let seen: [string, string | null][] = [];
  let order: string[] = [];
  const names = ['web/Dockerfile.dockerignore', '.dockerignore', 'a.txt', 'new.txt'];
  const reader = readerTransform((c) => {
    seen = names.map((n) => [n, c.buildContext.readFile(n)]);
    // (the engine's overlay is over the seeded one: its base's overlay holds the seed)
    const seeded = (c.buildContext as unknown as { base: { overlay?: Map<string, string> } }).base;
    order = [...(seeded.overlay?.keys() ?? [])];
  });

  const run = (pending?: Map<string, string>) =>
    optimize('FROM alpine\n', { path: dockerfile, context: ctx, transforms: [reader], pending });
  await run();
  expect(seen).toEqual([
    ['web/Dockerfile.dockerignore', 'beside\n'],
    ['.dockerignore', 'root\n'],
    ['a.txt', 'disk\n'],
    ['new.txt', null],
  ]);
  expect(order).toEqual(['web/Dockerfile.dockerignore', '.dockerignore']);
  await run(
    new Map([
      [path.join(ctx, 'new.txt'), 'new\n'],
      [path.join(ctx, '.dockerignore'), 'pending root\n'],
      [path.join(ctx, 'a.txt'), 'pending\n'],
    ]),
  );
  expect(seen).toEqual([
    ['web/Dockerfile.dockerignore', 'beside\n'],
    ['.dockerignore', 'pending root\n'],
    ['a.txt', 'pending\n'],
    ['new.txt', 'new\n'],
  ]);
  // The ignore files first (the pending root one in the read one's place), then the others.
  expect(order).toEqual(['web/Dockerfile.dockerignore', '.dockerignore', 'new.txt', 'a.txt']);
  // No ignore file and nothing pending: the context itself, no overlay.
  fs.rmSync(path.join(ctx, 'web', 'Dockerfile.dockerignore'));
  fs.rmSync(path.join(ctx, '.dockerignore'));
  clearCaches();
  await run();
  expect(order).toEqual([]);
  expect(seen.map(([, t]) => t)).toEqual([null, null, 'disk\n', null]);
});
