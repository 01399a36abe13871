/** isDockerfileName's one-character shortcut answers as its regexps do. */
import { expect, test } from '@jest/globals';
import { isDockerfileName } from '../../../transforms/dockerignore/usage.js';
import { Entries, NAMED } from '../../../transforms/dockerignore/model.js';
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

test("Entries.names: each file's name (cut from its path when the entry has none), null for a folder, in walk order", () => {
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
    all.map((e) => (e.isDirectory ? null : e.path.slice(e.path.lastIndexOf('/') + 1))),
  );
});

test('Entries.named: every NAMED name is found (its length passes the length bits), no other name, at any length', () => {
  const all: { path: string; size: number; isDirectory: boolean }[] = [];
  for (const n of NAMED) {
    all.push({ path: `d/${n}`, size: 0, isDirectory: true });
    if (n.startsWith('.') || n.startsWith('T'))
      all.push({ path: `f/${n}`, size: 0, isDirectory: false });
  }
  // names of every length up to 70 that NAMED does not hold (past 31 the length bits wrap)
  for (let k = 1; k <= 70; k++)
    all.push({ path: `d/${'q'.repeat(k)}`, size: 0, isDirectory: true });
  const entries = new Entries(all, () => false);
  for (const n of NAMED) {
    expect([n, entries.named(n, true)]).toEqual([n, [`d/${n}`]]);
    if (n.startsWith('.') || n.startsWith('T')) expect(entries.named(n, false)).toEqual([`f/${n}`]);
  }
  // a walk holding no NAMED name (no index made) answers empty lists
  const none = new Entries([{ path: 'src/app.py', size: 1, isDirectory: false }], () => false);
  for (const n of NAMED) expect(none.named(n, true)).toEqual([]);
});
