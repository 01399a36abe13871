/**
 * isRemote (src/context/builds/common.ts) held to its definition: the four forms of a context
 * that is not a local folder, as regexps, or `-`. Its quick answer for a path that does not start
 * with an ASCII letter must never differ.
 */
import { expect, test } from '@jest/globals';
import { isRemote } from '../src/context/builds/common.js';
import { mulberry32 } from './support/random.js';

const definition = (p: string): boolean =>
  /^[a-z][a-z0-9+.-]*:\/\//i.test(p) ||
  /^git@/.test(p) ||
  /^github\.com\//.test(p) ||
  /^(docker-image|oci-layout|target):/.test(p) ||
  p === '-';

test('isRemote: hand-picked contexts', () => {
  const cases: [string, boolean][] = [
    ['.', false],
    ['./app', false],
    ['../x', false],
    ['/abs/path', false],
    ['$HOME/x', false],
    ['-', true],
    ['--', false],
    ['', false],
    ['app', false],
    ['https://github.com/a/b.git', true],
    ['HTTPS://example.com/x.tar.gz', true],
    ['git@github.com:a/b.git', true],
    ['Git@github.com:a/b.git', false],
    ['github.com/a/b', true],
    ['GitHub.com/a/b', false],
    ['docker-image://alpine', true],
    ['oci-layout://x', true],
    ['target:base', true],
    ['Target:base', false],
    ['@scope/x', false],
    ['[x]', false],
    ['`x`', false],
    ['{x}', false],
    ['\u00c1://x', false],
  ];
  for (const [p, remote] of cases) {
    expect([p, isRemote(p)]).toEqual([p, remote]);
    expect([p, definition(p)]).toEqual([p, remote]);
  }
});

test('isRemote: generated strings agree with the definition', () => {
  const r = mulberry32(7);
  const heads = [
    '',
    '.',
    '/',
    '-',
    '@',
    '[',
    '`',
    '{',
    'a',
    'Z',
    'g',
    'G',
    'd',
    't',
    'o',
    '~',
    '$',
    '\u00e9',
  ];
  const parts = [
    'git@',
    'github.com/',
    'docker-image:',
    'oci-layout:',
    'target:',
    'x',
    '://',
    ':',
    '+',
    '.',
    '-',
    '/',
    'A',
    '1',
  ];
  let remote = 0;
  for (let k = 0; k < 20000; k++) {
    let p = heads[Math.floor(r() * heads.length)]!;
    const n = Math.floor(r() * 4);
    for (let i = 0; i < n; i++) p += parts[Math.floor(r() * parts.length)]!;
    if (r() < 0.05) p = String.fromCharCode(Math.floor(r() * 256)) + p;
    const want = definition(p);
    if (want) remote++;
    if (isRemote(p) !== want) throw new Error(`isRemote(${JSON.stringify(p)}) !== ${want}`);
  }
  expect(remote).toBeGreaterThan(1000);
});
