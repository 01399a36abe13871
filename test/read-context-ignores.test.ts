/** io/read.ts `readContextIgnoreFiles`: the ignore files looked for are those path.relative and
 * path.join name, also on its fast path (a clean root and a Dockerfile below it). */
import * as path from 'node:path';
import { expect, test } from '@jest/globals';
import { readContextIgnoreFiles } from '../src/io/read.js';

/** The candidates as the paths module names them (the code before the fast path). */
function reference(root: string, dockerfile: string | null): string[] {
  const out: string[] = [];
  if (dockerfile) {
    const rel = path.relative(root, dockerfile);
    if (rel && !rel.startsWith('..') && !path.isAbsolute(rel))
      out.push(path.join(root, `${rel}.dockerignore`));
  }
  out.push(path.join(root, '.dockerignore'));
  return out;
}

const asked = (root: string, dockerfile: string | null): string[] => {
  const seen: string[] = [];
  readContextIgnoreFiles(
    root,
    dockerfile,
    (abs) => abs,
    (abs) => (seen.push(abs), null),
  );
  return seen;
};

test.each([
  ['/w/ctx', '/w/ctx/Dockerfile'],
  ['/w/ctx', '/w/ctx/sub/app.Dockerfile'],
  ['/w/ctx', '/w/ctx'],
  ['/w/ctx', '/w/other/Dockerfile'],
  ['/w/ctx', '/w/ctxmore/Dockerfile'],
  ['/w/ctx', '/w/ctx/..hidden/Dockerfile'],
  ['/w/ctx', '/w/ctx/../Dockerfile'],
  ['/w/ctx', '/w/ctx/./a//Dockerfile'],
  ['/w/ctx/', '/w/ctx/Dockerfile'],
  ['/w/./ctx', '/w/ctx/Dockerfile'],
  ['/', '/Dockerfile'],
  ['/w/.ctx', '/w/.ctx/Dockerfile'],
  ['/w/ctx', null],
])('context %s, Dockerfile %s: the same candidates as path names', (root, dockerfile) => {
  expect(asked(root, dockerfile)).toEqual(reference(root, dockerfile));
});
