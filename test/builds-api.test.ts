/** optimizeDeclaredFiles: the API's `fix` over declared build contexts (compose, bake, ...) gives
 * the same files as `dockerfile-optimizer fix` run from the repository's root. */
import { afterAll, describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyResult, type FileChange } from '../src/api.js';
import { findBuilds, optimizeDeclaredFiles } from '../src/index.js';
import { runCli } from './support/cli.js';
import { copyRepo as copyRepoOf, removeRepoCopies, tree } from './support/builds-repo.js';

afterAll(removeRepoCopies);
const copyRepo = (name: string) => copyRepoOf(name, 'dfo-builds-api-');

const DOCKERFILES: Record<string, string[]> = {
  'multi-service': ['docker/web.Dockerfile', 'docker/worker.Dockerfile', 'frontend/Dockerfile'],
  'shared-context': [
    'docker/api.Dockerfile',
    'docker/engine.Dockerfile',
    'docker/reports.Dockerfile',
  ],
};

describe('optimizeDeclaredFiles', () => {
  for (const [name, files] of Object.entries(DOCKERFILES)) {
    test(`${name}: the files fix writes from the repository root`, async () => {
      const viaCli = copyRepo(name);
      expect((await runCli(['fix', '.'], viaCli)).code).toBe(0);
      const viaApi = copyRepo(name);
      const results = await optimizeDeclaredFiles(files, {
        cwd: viaApi,
        builds: await findBuilds(['.'], viaApi),
      });
      expect(results).toHaveLength(files.length);
      // Each Dockerfile used its declared context(s), named in its result.
      expect(results.some((r) => r.origin?.includes('compose.yaml'))).toBe(true);
      // The last change of each file holds the earlier ones (a shared .dockerignore).
      const last = new Map<string, FileChange>();
      for (const r of results)
        for (const c of r.files) {
          const prior = last.get(c.absolutePath!);
          last.set(
            c.absolutePath!,
            prior ? { ...c, before: prior.before, snapshot: prior.snapshot } : c,
          );
        }
      applyResult({ files: [...last.values()] });
      expect(tree(viaApi)).toEqual(tree(viaCli));
      expect(tree(viaApi)).not.toEqual(tree(copyRepo(name)));
    });
  }

  test('without builds it reads the declarations above the files; a given context overrides', async () => {
    const repo = copyRepo('multi-service');
    const [web] = await optimizeDeclaredFiles(['docker/web.Dockerfile'], { cwd: repo });
    expect(web!.contexts).toEqual([repo]);
    expect(web!.output).toContain('COPY requirements.txt .\nRUN pip install');
    const [own] = await optimizeDeclaredFiles(['docker/web.Dockerfile'], {
      cwd: repo,
      context: path.join(repo, 'docker'),
    });
    expect(own!.contexts).toEqual([path.join(repo, 'docker')]);
    expect(own!.origin).toBeNull();
    expect(own!.output).not.toContain('COPY requirements.txt .\nRUN pip install');
  });
});
