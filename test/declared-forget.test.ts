/** Issue 18: optimizeDeclaredFiles drops what the session keeps of a context (its tree, its
 * walks) once no later Dockerfile of the call runs over it (forgetSessionContext): a context of
 * its own dies young instead of staying until 16 others push it out. A context a later file
 * uses is kept (its tree made once), and the results do not change. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeEach, expect, test } from '@jest/globals';
import { clearCaches, optimizeDeclaredFiles } from '../src/index.js';
import { diskCounters } from '../src/context/cache.js';
import { removeTmpdirs, tmpdir, writeTree } from './helpers.js';
import { runCli } from './support/cli.js';

afterAll(removeTmpdirs);
beforeEach(() => clearCaches());

function repo(): string {
  const dir = fs.realpathSync(tmpdir('dfo-forget-'));
  const node = 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install\nCMD ["node", "x.js"]\n';
  writeTree(dir, {
    'a/Dockerfile': node,
    'a/Dockerfile.dev': node.replace('node:20', 'node:22'),
    'a/package.json': '{}\n',
    'a/src/x.js': 'x\n',
    'a/node_modules/m/index.js': 'm\n',
    'b/Dockerfile': node,
    'b/package.json': '{}\n',
    'b/lib/y.js': 'y\n',
  });
  return dir;
}

async function run(dir: string, files: string[], options: { context?: string } = {}) {
  clearCaches();
  const before = { ...diskCounters };
  const results = await optimizeDeclaredFiles(files, { cwd: dir, ...options });
  return {
    results: results.map((r) => JSON.stringify(r)),
    entries: diskCounters.walkEntries - before.walkEntries,
    forgotten: diskCounters.contextsForgotten - before.contextsForgotten,
  };
}

test('a context no later file runs over is forgotten after its last file, one still to come is kept', async () => {
  const dir = repo();
  const together = await run(dir, ['a/Dockerfile', 'a/Dockerfile.dev', 'b/Dockerfile']);
  // a's context between its two files: kept (its tree not made again), forgotten after the second
  const apart = await run(dir, ['a/Dockerfile', 'b/Dockerfile', 'a/Dockerfile.dev']);
  expect(together.entries).toBeGreaterThan(0);
  // each context's tree made once: as many entries as a run over each context alone
  const alone =
    (await run(dir, ['a/Dockerfile'])).entries + (await run(dir, ['b/Dockerfile'])).entries;
  expect(together.entries).toBe(alone);
  expect(apart.entries).toBe(together.entries);
  expect(together.forgotten).toBe(2);
  expect(apart.forgotten).toBe(2);
  const byFile = (r: string[], order: number[]) => order.map((i) => r[i]);
  expect(byFile(apart.results, [0, 2, 1])).toEqual(together.results);
});

test("an explicit context is everyone's: kept for the whole call", async () => {
  const dir = repo();
  const r = await run(dir, ['a/Dockerfile', 'a/Dockerfile.dev'], { context: path.join(dir, 'a') });
  expect(r.entries).toBeGreaterThan(0);
  expect(r.forgotten).toBe(0);
});

test('fix forgets each context after its last Dockerfile too (Declared), and keeps an explicit --context', async () => {
  const dir = repo();
  const forgotten = async (argv: string[]) => {
    clearCaches();
    const before = diskCounters.contextsForgotten;
    const r = await runCli(argv, dir);
    expect(r.code).toBe(1); // (a dry run with changes to make)
    return { n: diskCounters.contextsForgotten - before, out: r.stdout };
  };
  const files = ['a/Dockerfile', 'b/Dockerfile', 'a/Dockerfile.dev'];
  const all = await forgotten(['fix', '--dry-run', ...files]);
  expect(all.n).toBe(2);
  expect(all.out).toContain('+++ b/a/Dockerfile.dev');
  expect((await forgotten(['fix', '--dry-run', '--context', 'a', 'a/Dockerfile'])).n).toBe(0);
});
