/** One edit of a .dockerignore shared by several Dockerfiles is reported once per run. */
import { afterAll, expect, test } from '@jest/globals';
import { removeTmpdirs, tmpdir, writeTree } from './helpers.js';
import { runCli } from './support/cli.js';

afterAll(removeTmpdirs);

test('a review fix of a shared .dockerignore is reported once, not once per Dockerfile', async () => {
  const dir = tmpdir('dfo-shared-');
  const df = 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD ["node", "index.js"]\n';
  writeTree(dir, {
    Dockerfile: df,
    'Dockerfile.dev': df,
    'package.json': '{}\n',
    'index.js': '\n',
    '.npmrc': '//registry.example.com/:_authToken=abc123def456\n',
    '.dockerignore': 'node_modules\n.git\n',
  });
  const run = await runCli(
    ['fix', '--dry-run', '--only', 'dockerignore', 'Dockerfile', 'Dockerfile.dev'],
    dir,
  );
  const lines = run.stderr.split('\n').filter((l) => l.includes('dockerignore/secrets'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain('.npmrc holds registry credentials');
});
