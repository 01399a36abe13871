/**
 * The pre-commit hooks for real: `pre-commit try-repo <this repo>` on a temporary git repository
 * (Debian's `pre-commit` package). Installing the hook environment runs `npm install` + `npm pack`
 * of this repository, so this also proves the package builds and installs from a clean checkout.
 * Outside CI the suite is skipped (with a message) when pre-commit is not installed; under CI=true
 * it must run.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { optimize } from '../src/api.js';
import { hasCommand, removeTmpdirs, ROOT, tmpdir } from './helpers.js';

afterAll(removeTmpdirs);

const available = hasCommand('pre-commit');
if (!available && process.env.CI !== 'true') {
  console.warn(
    'precommit.test.ts: skipped: the `pre-commit` command is not installed (apt-get install pre-commit)',
  );
}
const maybe = available || process.env.CI === 'true' ? describe : describe.skip;

const DOCKERFILE =
  'FROM debian:bookworm\nRUN apt-get update\nRUN apt-get install -y curl\nCMD ["curl", "--version"]\n';

maybe('pre-commit hooks (.pre-commit-hooks.yaml)', () => {
  const home = tmpdir('dfo-pc-home-');
  const repo = tmpdir('dfo-pc-repo-');
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
      cwd: repo,
    });
  git('init', '-q');
  fs.writeFileSync(path.join(repo, 'Dockerfile'), DOCKERFILE);
  git('add', '.');
  git('commit', '-qm', 'init');
  const tryRepo = (hook: string) =>
    spawnSync('pre-commit', ['try-repo', ROOT, hook, '--files', 'Dockerfile'], {
      cwd: repo,
      encoding: 'utf8',
      env: { ...process.env, PRE_COMMIT_HOME: home, NO_COLOR: '1' },
      timeout: 280_000,
    });

  test('the check hook fails exactly when a fix is available, and shows the diff', async () => {
    const expected = await optimize(DOCKERFILE, { path: 'Dockerfile', skip: ['dockerignore'] });
    const r = tryRepo('dockerfile-optimizer-check');
    expect(r.error).toBeUndefined();
    expect(r.stdout).toContain('dockerfile-optimizer (check)');
    if (expected.changed) {
      expect(r.status).toBe(1);
      expect(r.stdout).toContain('Failed');
      expect(r.stdout).toContain('+++ b/Dockerfile');
    } else {
      expect(r.status).toBe(0);
    }
    expect(fs.readFileSync(path.join(repo, 'Dockerfile'), 'utf8')).toBe(DOCKERFILE);
  }, 300_000);

  test('the fix hook rewrites the Dockerfile like `fix` does', async () => {
    const expected = await optimize(DOCKERFILE, { path: 'Dockerfile', skip: ['dockerignore'] });
    const r = tryRepo('dockerfile-optimizer');
    expect(r.error).toBeUndefined();
    expect(fs.readFileSync(path.join(repo, 'Dockerfile'), 'utf8')).toBe(expected.output);
    // pre-commit fails a hook that modified files.
    expect(r.status).toBe(expected.changed ? 1 : 0);
  }, 300_000);
});
