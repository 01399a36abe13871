/** Issue 18: displayPath (src/api.ts) takes the tail of a path below a normalised cwd without
 * path.relative; every other case goes through path.relative as before. The answers must be the
 * same as path.relative's (a `/`-separated path, the base name for the cwd itself). */
import * as path from 'node:path';
import { expect, test } from '@jest/globals';
import { displayPath } from '../src/api.js';

const reference = (abs: string, cwd: string) => {
  const rel = path.relative(cwd, abs);
  return (rel === '' ? path.basename(abs) : rel).split(path.sep).join('/');
};

test('displayPath gives what path.relative gives, for paths below, beside, above and equal to cwd, clean or not', () => {
  const cwds = ['/repo', '/repo/', '/repo/./x', '/repo/x/..', '/', '/a/b', 'rel/dir', '/repo//x'];
  const tails = [
    '',
    '/Dockerfile',
    '/web/Dockerfile',
    '/web/../Dockerfile',
    '/./web/Dockerfile',
    '//web/Dockerfile',
    '/web/',
    '/..',
    '/.dockerignore',
    '/web/..hidden',
    '/web/.../x',
    'x/Dockerfile',
    '-other/Dockerfile',
  ];
  for (const cwd of cwds)
    for (const base of ['/repo', '/repo/x', '/a/b', '/a', cwd])
      for (const tail of tails) {
        const abs = base + tail;
        if (!path.isAbsolute(abs)) continue;
        expect([abs, cwd, displayPath(abs, cwd)]).toEqual([abs, cwd, reference(abs, cwd)]);
      }
});
