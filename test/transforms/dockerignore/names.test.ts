/** isDockerfileName's one-character shortcut answers as its regexps do. */
import { expect, test } from '@jest/globals';
import { isDockerfileName } from '../../../transforms/dockerignore/usage.js';
import { Entries } from '../../../transforms/dockerignore/model.js';
import { mulberry32 } from '../../support/random.js';

const byRegexps = (name: string): boolean =>
  (/^(Dockerfile|Containerfile)(\..+)?$/.test(name) ||
    /\.(Dockerfile|Containerfile)$/i.test(name)) &&
  !name.endsWith('.dockerignore');

test('the same answers as the regexps alone, on crafted and random names', () => {
  const crafted = [
    'Dockerfile',
    'Containerfile',
    'Dockerfile.dev',
    'app.Dockerfile',
    'x.dockerfile',
  ];
  crafted.push(
    'X.CONTAINERFILE',
    'Dockerfile.dockerignore',
    'dockerfile',
    'Dockerfile.',
    '',
    'e',
    'E',
  );
  crafted.push('api.dockerFILE', 'Makefile', 'README.md', 'Containerfile.prod', '.Dockerfile');
  for (const n of crafted) expect([n, isDockerfileName(n)]).toEqual([n, byRegexps(n)]);
  const r = mulberry32(0xdf11e);
  const parts = ['Dockerfile', 'Containerfile', 'dockerfile', 'CONTAINERFILE', '.', 'x', 'e', 'E'];
  parts.push('D', 'C', '.dockerignore', 'prod', '-', 'file');
  for (let i = 0; i < 3000; i++) {
    let n = '';
    for (let k = Math.floor(r() * 4); k >= 0; k--) n += parts[Math.floor(r() * parts.length)];
    expect([n, isDockerfileName(n)]).toEqual([n, byRegexps(n)]);
  }
});

test("Entries.names: each file's name (cut from its path when the entry has none), files in walk order", () => {
  const all = ['a', 'a/b.txt', 'a/c', 'a/c/Dockerfile', 'x.log', 'a/c/.env', 'b'].map((p) => ({
    path: p,
    size: 0,
    isDirectory: !p.includes('.') && !p.endsWith('Dockerfile'),
  }));
  const entries = new Entries(all, () => false);
  expect(entries.files.map((e) => e.path)).toEqual([
    'a/b.txt',
    'a/c/Dockerfile',
    'x.log',
    'a/c/.env',
  ]);
  expect(entries.names).toEqual(
    entries.files.map((e) => e.path.slice(e.path.lastIndexOf('/') + 1)),
  );
});
