/**
 * The CLI's bundle (scripts/bundle.mjs, dist/bundle/cli.cjs) behaves as the compiled files it
 * joins (dist/src/cli/cli.js): same output and exit code for every command, including those that
 * find files at run time (package.json, the WebAssembly grammars, yargs' translations, the
 * build-file parsers it runs on demand); the binary runs it; a small `fix` runs only what it uses.
 * Its code cache: test/cli/compile-cache.test.ts.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from '@jest/globals';
import { removeTmpdirs, ROOT, tmpdir } from '../helpers.js';
import { BUNDLE, runBinWithPreload, runLoaded } from '../support/loaded.js';

afterAll(removeTmpdirs);

const COMPILED = path.join(ROOT, 'dist/src/cli/cli.js');
const RUNNER =
  "(await import('node:v8')).setFlagsFromString('--liftoff-only'); " +
  'const { main } = await import(process.argv[1]); process.exitCode = await main(process.argv.slice(2));';

function run(entry: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', RUNNER, '--', pathToFileURL(entry).href, ...args],
    { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function repo(fixture: string): string {
  const dir = tmpdir('dfo-bundle-');
  fs.cpSync(path.join(ROOT, 'fixtures/builds', fixture, 'repo'), dir, { recursive: true });
  fs.mkdirSync(path.join(dir, '.git'));
  return fs.realpathSync(dir);
}

function small(): string {
  const dir = fs.realpathSync(tmpdir('dfo-bundle-'));
  fs.writeFileSync(
    path.join(dir, 'Dockerfile'),
    'FROM debian:bookworm\nRUN apt-get update\nRUN apt-get install -y curl\n',
  );
  return dir;
}

test('the bundle is built from the current compiled files and the binary runs it', () => {
  expect(fs.existsSync(BUNDLE)).toBe(true);
  expect(fs.statSync(BUNDLE).mtimeMs).toBeGreaterThanOrEqual(fs.statSync(COMPILED).mtimeMs);
  expect(fs.readFileSync(BUNDLE, 'latin1')).toMatch(
    /^\/\/ dockerfile-optimizer bundle [0-9a-f]{32}\n/,
  );
  const r = runLoaded(['--version']);
  expect(r.files).toContain('dist/bundle/cli.cjs');
  expect(r.files.filter((f) => f.startsWith('dist/src/'))).toEqual([]);
  expect(r.sources).toContain('dist/src/cli/fast.js');
});

describe('bundled and compiled CLI give the same output', () => {
  const same = (args: string[], cwd: string, env?: Record<string, string>) => {
    const bundled = run(BUNDLE, args, cwd, env);
    expect(bundled).toEqual(run(COMPILED, args, cwd, env));
    return bundled;
  };

  test('version, help, rules, usage errors (also translated by yargs)', () => {
    const cwd = small();
    expect(same(['--version'], cwd).stdout).toMatch(/^\d+\.\d+\.\d+/);
    same(['--help'], cwd);
    expect(same(['fix', '--help'], cwd).stdout).toContain('--dry-run');
    expect(JSON.parse(same(['rules', '--format', 'json'], cwd).stdout)).not.toHaveLength(0);
    expect(same(['fix', '--nope'], cwd, { LANG: 'de_DE.UTF-8' }).stderr).toContain('nope');
    expect(same(['fix', '--help'], cwd, { LANG: 'de_DE.UTF-8' }).stdout).toContain('--dry-run');
  });

  test('fix and explain on a small Dockerfile (shell grammar)', () => {
    const cwd = small();
    const fix = same(['fix', '--dry-run', 'Dockerfile'], cwd);
    expect(fix.status).toBe(1);
    expect(fix.stdout).toContain('rm -rf /var/lib/apt/lists/*');
    same(['fix', '--dry-run', '--format', 'json', '--unsafe', 'Dockerfile'], cwd);
    expect(same(['explain', 'Dockerfile'], cwd).status).toBe(0);
  });

  test.each(['multi-service', 'bake-hcl', 'devcontainer-jsonc', 'skaffold'])(
    'builds and fix in a repository with build files: %s',
    (fixture) => {
      const cwd = repo(fixture);
      const builds = same(['builds', '--format', 'json'], cwd);
      expect(builds.status).toBe(0);
      expect(JSON.parse(builds.stdout).dockerfiles).not.toHaveLength(0);
      same(['fix', '--dry-run', '.'], cwd);
    },
  );
});

test('fix --dry-run of a small Dockerfile runs no build-file parser, language server or verify', () => {
  const r = runLoaded(['fix', '--dry-run', 'Dockerfile'], small());
  expect(r.status).toBe(1);
  expect(r.sources).toContain('dist/src/cli/fix.js');
  expect(r.sources).toContain('node_modules/web-tree-sitter/web-tree-sitter.cjs');
  for (const bad of [
    'node_modules/yaml/',
    'node_modules/jsonc-parser/',
    'tree-sitter-hcl',
    '/context/builds/compose.js',
    '/lsp/',
    'vscode-languageserver/',
    '/verify/',
  ])
    expect(r.sources.filter((l) => l.includes(bad))).toEqual([]);
});

test('a command run lays out no help text (yargs, cliui and string-width stay idle)', () => {
  // string-width creates an Intl.Segmenter when it loads; help layout loads it. Count them.
  const preload =
    'const S = Intl.Segmenter; let n = 0; Intl.Segmenter = class extends S { constructor(...a) { super(...a); n++; } };' +
    " process.on('exit', () => process.stderr.write('SEGMENTERS ' + n + '\\n'));";
  const count = (args: string[], cwd: string) => {
    const r = runBinWithPreload(preload, args, cwd);
    return Number(/SEGMENTERS (\d+)/.exec(r.stderr)?.[1]);
  };
  const cwd = small();
  expect(count(['fix', '--dry-run', 'Dockerfile'], cwd)).toBe(0);
  expect(count(['builds'], cwd)).toBe(0);
  // the counter works: help is laid out with string-width
  expect(count(['fix', '--help'], cwd)).toBeGreaterThan(0);
});
