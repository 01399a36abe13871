/** Issue 18: the per-Dockerfile plumbing of the API (src/api.ts) without its old costs: option
 * and result copies made by withProps (not `{ ...o, key }`, slow on Node 20), paths already
 * absolute and normalised taken as they are (resolveIn), and the ignore files a run finds absent
 * told to its context from the read itself. Each must give what the slow way gives. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeEach, expect, jest, test } from '@jest/globals';
import { clearCaches, optimizeFile, resolveIn, withProps } from '../src/api.js';
import { DiskContext } from '../src/context/context.js';
import { removeTmpdirs, tmpdir, writeTree } from './helpers.js';

afterAll(removeTmpdirs);
beforeEach(() => clearCaches());

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
