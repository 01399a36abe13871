/** context/clean-path.ts: where the helpers answer, the same as node:path (describeContext,
 * ignoreFileFor and readContextIgnoreFiles take their answers instead of path.relative/join). */
import * as path from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import { cleanTail, isCleanRoot } from '../src/context/clean-path.js';
import { describeContext, ignoreFileFor } from '../src/context/builds/index.js';
import { DiskContext } from '../src/context/context.js';
import { removeTmpdirs, tmpdir, writeTree } from './helpers.js';

afterAll(removeTmpdirs);

const roots = [
  '/w/ctx',
  '/w/ctx/',
  '/w/./ctx',
  '/w//ctx',
  '/w/../ctx',
  '/',
  '/w/.ctx',
  '/w/..ctx',
  'w/ctx',
  '',
];
const paths = [
  '/w/ctx/Dockerfile',
  '/w/ctx/sub/a.Dockerfile',
  '/w/ctx',
  '/w/ctxmore/Dockerfile',
  '/w/other/Dockerfile',
  '/w/ctx/..hidden/x',
  '/w/ctx/../x',
  '/w/ctx/./x',
  '/w/ctx//x',
  '/w/ctx/x/',
  '/w/ctx/x\\y',
];

test('isCleanRoot: exactly the roots path.join appends a clean name to with one slash', () => {
  for (const r of roots)
    if (isCleanRoot(r)) {
      expect(path.resolve(r)).toBe(r);
      expect(path.join(r, 'a/b')).toBe(`${r}/a/b`);
    }
  expect(roots.filter(isCleanRoot)).toEqual(['/w/ctx', '/w/.ctx', '/w/..ctx']);
});

test('cleanTail answers as path.relative where it answers, and for clean paths below', () => {
  for (const r of roots.filter(isCleanRoot))
    for (const p of paths) {
      const tail = cleanTail(r, p);
      if (tail !== null) expect(tail).toBe(path.relative(r, p));
    }
  expect(cleanTail('/w/ctx', '/w/ctx/sub/a.Dockerfile')).toBe('sub/a.Dockerfile');
  expect(cleanTail('/w/ctx', '/w/ctx/..hidden/x')).toBe('..hidden/x');
  expect(cleanTail('/w/ctx', '/w/ctxmore/Dockerfile')).toBeNull();
  expect(cleanTail('/w/ctx', '/w/ctx/../x')).toBeNull();
});

test('describeContext and ignoreFileFor name paths as path.relative does', () => {
  const b = (file: string) => ({ source: { file, name: 'web' } }) as never;
  expect(describeContext({ dir: '/w/ctx/app', builds: [b('/w/ctx/compose.yaml')] }, '/w/ctx')).toBe(
    'context app from compose.yaml web',
  );
  expect(describeContext({ dir: '/w/ctx', builds: [b('/w/x/compose.yaml')] }, '/w/ctx')).toBe(
    'context . from ../x/compose.yaml web',
  );
  expect(describeContext({ dir: '/w/ctx/a', builds: [b('/w/ctx/c.yaml')] }, '/w/./ctx')).toBe(
    'context a from c.yaml web',
  );
  const inside = ignoreFileFor('/nonexistent-dfo/ctx/sub/Dockerfile', '/nonexistent-dfo/ctx');
  expect(inside).toEqual({ path: '.dockerignore', inContext: true, exists: false });
  const outside = ignoreFileFor('/nonexistent-dfo/Dockerfile', '/nonexistent-dfo/ctx/');
  expect(outside).toEqual({ path: '.dockerignore', inContext: true, exists: false });
});

test("DiskContext's root and dockerfilePath: path.resolve/path.relative's answers, clean or not", () => {
  // (the way the constructor worked them out before its fast path for clean paths)
  const viaPath = (root: string, dockerfile: string) => {
    const abs = path.resolve(root);
    const rel = path.relative(abs, path.resolve(dockerfile));
    return {
      root: abs,
      dockerfilePath:
        rel.startsWith('..') || path.isAbsolute(rel) ? null : rel.split(path.sep).join('/'),
    };
  };
  let fast = 0;
  for (const r of roots.filter((x) => x !== ''))
    for (const p of [...paths, ...roots.filter((x) => x !== '').map((x) => `${x}/Dockerfile`)]) {
      const ctx = new DiskContext(r, p);
      expect([r, p, ctx.root, ctx.dockerfilePath]).toEqual([r, p, ...Object.values(viaPath(r, p))]);
      if (isCleanRoot(r) && cleanTail(r, p) !== null) fast++;
    }
  expect(fast).toBeGreaterThan(5);
  expect(new DiskContext('/w/ctx', '/w/ctx/..hidden/x').dockerfilePath).toBeNull();
  expect(new DiskContext('/w/ctx').dockerfilePath).toBeNull();
});

test('ignoreFileFor answers the same for a clean path as for its unclean spellings', () => {
  const dir = tmpdir('dfo-ignore-for-');
  writeTree(dir, {
    'ctx/Dockerfile': 'FROM x\n',
    'ctx/Dockerfile.dockerignore': 'a\n',
    'ctx/sub/Dockerfile': 'FROM x\n',
    'ctx/.dockerignore': 'b\n',
    'other/Dockerfile': 'FROM x\n',
  });
  const spell = (p: string) => [
    p,
    `${p}/`.replace(/\/+$/, '/'),
    p.replace('/ctx', '/./ctx'),
    p.replace('/ctx', '//ctx'),
  ];
  for (const [df, ctx] of [
    [`${dir}/ctx/Dockerfile`, `${dir}/ctx`],
    [`${dir}/ctx/sub/Dockerfile`, `${dir}/ctx`],
    [`${dir}/other/Dockerfile`, `${dir}/ctx`],
  ] as const) {
    const want = ignoreFileFor(df, ctx);
    for (const c of spell(ctx))
      for (const d of [df, df.replace('/ctx/', '/ctx/./')])
        expect([d, c, ignoreFileFor(d, c)]).toEqual([d, c, want]);
  }
  expect(ignoreFileFor(`${dir}/ctx/Dockerfile`, `${dir}/ctx`)).toEqual({
    path: 'Dockerfile.dockerignore',
    inContext: true,
    exists: true,
  });
  expect(ignoreFileFor(`${dir}/ctx/sub/Dockerfile`, `${dir}/ctx`)).toEqual({
    path: '.dockerignore',
    inContext: true,
    exists: true,
  });
});
