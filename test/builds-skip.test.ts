/** Compose files that cannot declare a build are not parsed (compose.ts mayDeclareBuilds): the
 * builds and skipped declarations are those of a full parse; only such a file's own warnings
 * (not valid YAML, not a map) are no longer given. */
import { afterAll, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findBuilds } from '../src/context/builds/index.js';
import { mayDeclareBuilds } from '../src/context/builds/compose.js';
import { removeTmpdirs, tmpdir, writeTree } from './helpers.js';

afterAll(removeTmpdirs);

function repo(files: Record<string, string>): string {
  const dir = fs.realpathSync(tmpdir('dfo-builds-skip-'));
  fs.mkdirSync(path.join(dir, '.git'));
  writeTree(dir, files);
  return dir;
}

const lines = async (dir: string) => {
  const set = await findBuilds(['.'], dir, {});
  const rel = (p: string) => path.relative(dir, p) || '.';
  return {
    builds: set.builds.map((b) => `${rel(b.dockerfile)} ${rel(b.context)} ${b.source.name}`),
    warnings: set.warnings.map((w) => `${rel(w.file)}:${w.line} ${w.message}`),
  };
};

test('the text test: any build, extends or include, and any backslash (a double-quoted escape), keeps the file', () => {
  expect(mayDeclareBuilds('services:\n  db:\n    image: postgres\n')).toBe(false);
  for (const t of [
    'services:\n  web:\n    build: .\n',
    'services:\n  web:\n    extends: base\n',
    'include:\n  - other.yaml\n',
    'services:\n  web:\n    "\\x62uild": .\n',
    'services:\n  web:\n    "bui\\\n      ld": .\n',
  ])
    expect(mayDeclareBuilds(t)).toBe(true);
});

test('keys spelled with double-quoted escapes are still read', async () => {
  const dir = repo({
    'compose.yaml': 'services:\n  web:\n    "\\x62uild": .\n',
    Dockerfile: 'FROM scratch\n',
  });
  expect((await lines(dir)).builds).toEqual(['Dockerfile . service web']);
});

test('a main file without builds under an override with builds, and an override without builds: the builds of a full parse', async () => {
  const dir = repo({
    'compose.yaml': 'services:\n  web:\n    image: web\n  db:\n    image: postgres\n',
    'compose.override.yaml': 'services:\n  web:\n    build:\n      context: .\n      target: dev\n',
    'compose.prod.yaml': 'services:\n  web:\n    environment: [A=1]\n',
    Dockerfile: 'FROM scratch AS dev\n',
  });
  expect(await lines(dir)).toEqual({
    builds: ['Dockerfile . service web'],
    warnings: [],
  });
});

test('the one change: a file that cannot declare a build is not checked for YAML errors', async () => {
  const broken = repo({ 'compose.yaml': 'services:\n  db:\n    ports: ["80:80"\n' });
  expect((await lines(broken)).warnings).toEqual([]);
  // With a build it is parsed, and its error is a warning as before.
  const withBuild = repo({
    'compose.yaml': 'services:\n  web:\n    build: .\n    ports: ["80:80"\n',
  });
  expect((await lines(withBuild)).warnings).toEqual([
    expect.stringMatching(/^compose\.yaml:\d+ not valid YAML/),
  ]);
});
