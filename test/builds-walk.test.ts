/** Issue 18: the search for build files (context/builds/index.ts findBuildFiles) takes each
 * folder's build files, its .devcontainer and .github, and the folders to go into in one pass over
 * the folder's listing, and does not look at the folder it walked from again on the way up. Held
 * here to a plain reading of the rules (no listing cache, one question at a time) on generated
 * trees: folders skipped, .devcontainer and .github as folders, files and links, build files at
 * every depth, searches from the root, from a folder inside and from a file. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeEach, expect, test } from '@jest/globals';
import { clearCaches } from '../src/api.js';
import { findBuildFiles, onDemand } from '../src/context/builds/index.js';
import {
  isBakeName,
  isComposeName,
  isSkaffoldName,
  isWorkflowPath,
} from '../src/context/builds/names.js';
import { removeTmpdirs, tmpdir } from './helpers.js';

afterAll(removeTmpdirs);
beforeEach(() => clearCaches());

const SKIP = ['node_modules', '.git', '.hg', '.svn', 'vendor', '.venv', 'venv', '__pycache__'];

function isBuildFile(abs: string): boolean {
  const name = path.basename(abs);
  return (
    isComposeName(name) ||
    isBakeName(name) ||
    isSkaffoldName(name) ||
    name === '.devcontainer.json' ||
    (name === 'devcontainer.json' &&
      /[\\/]\.devcontainer([\\/][^\\/]+)?[\\/]devcontainer\.json$/.test(abs)) ||
    isWorkflowPath(abs)
  );
}

const list = (dir: string): fs.Dirent[] | null => {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return null;
  }
};

/** The build files of one folder, its .devcontainer and its .github/workflows. */
function oracleFilesIn(dir: string, out: Set<string>): void {
  const entries = list(dir);
  for (const e of entries ?? [])
    if (e.isFile() && isBuildFile(path.join(dir, e.name))) out.add(path.join(dir, e.name));
  const has = (name: string) => entries === null || entries.some((e) => e.name === name);
  if (has('.devcontainer')) {
    const dc = path.join(dir, '.devcontainer');
    for (const e of list(dc) ?? []) {
      if (e.isFile() && e.name === 'devcontainer.json') out.add(path.join(dc, e.name));
      else if (e.isDirectory() && fs.existsSync(path.join(dc, e.name, 'devcontainer.json')))
        out.add(path.join(dc, e.name, 'devcontainer.json'));
    }
  }
  if (has('.github')) {
    const wf = path.join(dir, '.github', 'workflows');
    for (const e of list(wf) ?? [])
      if (e.isFile() && /\.ya?ml$/.test(e.name)) out.add(path.join(wf, e.name));
  }
}

function oracle(p: string, cwd: string): string[] {
  const out = new Set<string>();
  const abs = path.resolve(cwd, p);
  const st = fs.statSync(abs);
  const start = st.isDirectory() ? abs : path.dirname(abs);
  const walk = (dir: string) => {
    oracleFilesIn(dir, out);
    for (const e of list(dir) ?? [])
      if (e.isDirectory() && !SKIP.includes(e.name) && e.name !== '.devcontainer')
        if (e.name !== '.github') walk(path.join(dir, e.name));
  };
  if (st.isDirectory()) walk(start);
  for (let d = start; ; d = path.dirname(d)) {
    oracleFilesIn(d, out);
    if (fs.existsSync(path.join(d, '.git')) || path.dirname(d) === d) break;
  }
  return [...out].sort();
}

const FILES = [
  'compose.yaml',
  'docker-compose.yml',
  'compose.prod.yml',
  'docker-bake.hcl',
  'docker-bake.override.json',
  'skaffold.yaml',
  'devcontainer.json',
  '.devcontainer.json',
  'ci.yml',
  'values.yaml',
  'index.html',
  'package.json',
  'README.md',
  'Dockerfile',
  'build.yml',
];
const FOLDERS = [
  'a',
  'src',
  'web',
  '.devcontainer',
  '.github',
  'workflows',
  'node_modules',
  'vendor',
  'x',
];

test('the search finds what the plain reading of the rules finds, on generated trees, from the root, a folder and a file', () => {
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return (seed >>> 8) % n;
  };
  let compared = 0;
  for (let t = 0; t < 40; t++) {
    const root = fs.realpathSync(tmpdir('dfo-builds-walk-'));
    fs.mkdirSync(path.join(root, '.git'));
    const folders = [root];
    const files: string[] = [];
    const fill = (dir: string, depth: number) => {
      for (let k = rnd(5); k > 0; k--) {
        const f = path.join(dir, FILES[rnd(FILES.length)]!);
        if (!fs.existsSync(f)) {
          fs.writeFileSync(f, 'services: {}\n');
          files.push(f);
        }
      }
      if (depth >= 4) return;
      for (let k = rnd(4); k > 0; k--) {
        const d = path.join(dir, FOLDERS[rnd(FOLDERS.length)]!);
        if (fs.existsSync(d)) continue;
        const how = rnd(10);
        if (how === 0 && folders.length > 1) {
          // a link to another folder of the tree (links to folders are not followed, but
          // .devcontainer and .github are listed through them)
          fs.symlinkSync(folders[rnd(folders.length)]!, d);
        } else if (how === 1) fs.writeFileSync(d, 'not a folder\n');
        else {
          fs.mkdirSync(d);
          folders.push(d);
          fill(d, depth + 1);
        }
      }
    };
    fill(root, 0);
    // .github/workflows and .devcontainer/<name>/ somewhere, often
    for (const d of [root, folders[rnd(folders.length)]!]) {
      if (rnd(2) && !fs.existsSync(path.join(d, '.github'))) {
        fs.mkdirSync(path.join(d, '.github', 'workflows'), { recursive: true });
        fs.writeFileSync(path.join(d, '.github', 'workflows', 'ci.yml'), 'on: push\n');
        fs.writeFileSync(path.join(d, '.github', 'workflows', 'notes.txt'), '\n');
      }
      if (rnd(2) && !fs.existsSync(path.join(d, '.devcontainer'))) {
        fs.mkdirSync(path.join(d, '.devcontainer', 'py'), { recursive: true });
        fs.writeFileSync(path.join(d, '.devcontainer', 'py', 'devcontainer.json'), '{}\n');
      }
    }
    const starts = ['.', path.relative(root, folders[rnd(folders.length)]!) || '.'];
    if (files.length) starts.push(path.relative(root, files[rnd(files.length)]!));
    for (const p of starts) {
      clearCaches();
      expect([p, findBuildFiles([p], root)]).toEqual([p, oracle(p, root)]);
      compared++;
    }
  }
  expect(compared).toBeGreaterThan(100);
});

test('a parser module is imported once, and again after a failed import', async () => {
  let loads = 0;
  let fail = true;
  const load = onDemand(async () => {
    loads++;
    if (fail) throw new Error('not yet');
    return { n: loads };
  });
  await expect(load()).rejects.toThrow('not yet');
  fail = false;
  const first = await load();
  expect(first).toEqual({ n: 2 });
  expect(await load()).toBe(first);
  expect(loads).toBe(2);
});
