/** Issue 18 (memory): nothing that lives for a session (walks, listings, the dockerignore
 * analysis' walk indexes, check memos) keeps a Dockerfile's parsed model alive once its file is
 * done. A model weighs about 30 times its text; one kept per folder is promoted to the old
 * generation and makes every scavenge of a run over many folders slower (jessfraz/dockerfiles:
 * 14 MB promoted over 5 rounds, 41 MB with one closure that kept its scope's model). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { afterAll, expect, test } from '@jest/globals';
import { withOptimizeSession } from '../src/api.js';
import { optimizeDeclaredFiles } from '../src/builds.js';
import { parseDockerfile } from '../src/model/dockerfile.js';
import { initShellParser } from '../src/model/shell.js';
import { removeTmpdirs, tmpdir, writeTree } from './helpers.js';

afterAll(removeTmpdirs);

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

test('a finished Dockerfile’s model is collectable while the session goes on', async () => {
  await initShellParser();
  const dir = tmpdir('dfo-retain-');
  const tree: Record<string, string> = {};
  const files: string[] = [];
  for (let i = 0; i < 6; i++) {
    // Each its own folder (its own context), with what makes every transform look: a lockfile,
    // a secret, clutter, an apt install, COPY . . before the install.
    tree[`app${i}/Dockerfile`] =
      `FROM node:20\nWORKDIR /app\nRUN apt-get update\nRUN apt-get install -y curl\n` +
      `COPY . .\nRUN npm ci\nENV N=${i}\nCMD ["node", "index.js"]\n`;
    tree[`app${i}/package.json`] = '{"name":"x"}\n';
    tree[`app${i}/package-lock.json`] = '{}\n';
    tree[`app${i}/index.js`] = '\n';
    tree[`app${i}/.env`] = 'TOKEN=x\n';
    tree[`app${i}/debug.log`] = 'x\n';
    files.push(path.join(dir, `app${i}`, 'Dockerfile'));
  }
  writeTree(dir, tree);
  fs.mkdirSync(path.join(dir, '.git'));
  await withOptimizeSession(async () => {
    // The model the first file's run takes (the same text gives the same model in a session).
    const ref = new WeakRef(parseDockerfile(fs.readFileSync(files[0]!, 'utf8')));
    const results = await optimizeDeclaredFiles(files, { cwd: dir });
    expect(results.every((r) => r.fixes.some((f) => f.transform === 'dockerignore'))).toBe(true);
    // Let the current job finish (a WeakRef target stays alive until then), then collect.
    await new Promise((r) => setTimeout(r, 0));
    gc();
    expect(ref.deref()).toBeUndefined();
  });
});
