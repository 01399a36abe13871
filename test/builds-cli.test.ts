/**
 * Build definitions end to end: run from a repository's root, `fix`, `explain` and `verify` reach
 * the same result as the API given the declared context, target and args
 * (fixtures/builds/multi-service: compose + a workflow), and one Dockerfile built with two
 * contexts gets only the fixes right for both (fixtures/builds/compose-two-contexts).
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyResult, explainFile, optimizeFile } from '../src/api.js';
import { runCli } from './support/cli.js';
import {
  copyRepo as copyRepoOf,
  removeLater,
  removeRepoCopies,
  tree,
} from './support/builds-repo.js';

afterAll(removeRepoCopies);
const copyRepo = (name: string) => copyRepoOf(name, 'dfo-builds-cli-');

describe('multi-service repository (compose + workflow)', () => {
  test('builds lists every Dockerfile with its declared builds', async () => {
    const repo = copyRepo('multi-service');
    const r = await runCli(['builds'], repo);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'docker/web.Dockerfile',
        '  context .  target runtime  args PYTHON_VERSION=3.12  (compose.yaml:4 service web)',
        '  context .  target runtime  args PYTHON_VERSION=3.12  (.github/workflows/images.yml:11 job web step "Build web")',
        'docker/worker.Dockerfile',
        '  context .  (compose.yaml:16 service worker)',
        '  context docs  (compose.yaml:21 service docs)',
        'frontend/Dockerfile',
        '  context frontend  args NODE_ENV=production  (compose.yaml:25 service frontend)',
        '',
      ].join('\n'),
    );
    // The README shows this output.
    const readme = fs.readFileSync(path.resolve('README.md'), 'utf8');
    const shown = /\$ dockerfile-optimizer builds\n([\s\S]*?)\$ dockerfile-optimizer fix/.exec(
      readme,
    );
    expect(shown?.[1]).toBe(r.stdout);
    const json = JSON.parse((await runCli(['builds', '--format', 'json'], repo)).stdout);
    expect(json.dockerfiles[0].builds[0]).toEqual({
      context: '.',
      target: 'runtime',
      args: { PYTHON_VERSION: '3.12' },
      contexts: {},
      source: { format: 'compose', file: 'compose.yaml', line: 4, name: 'service web' },
    });
  });

  test('fix from the root writes what the API writes given the declared contexts', async () => {
    const viaCli = copyRepo('multi-service');
    const r = await runCli(['fix', '.'], viaCli);
    expect(r.code).toBe(0);
    const viaApi = copyRepo('multi-service');
    const pending = new Map<string, string>();
    const steps: [string, string][] = [
      ['docker/web.Dockerfile', '.'],
      ['docker/worker.Dockerfile', '.'],
      ['frontend/Dockerfile', 'frontend'],
    ];
    for (const [file, ctx] of steps) {
      const result = await optimizeFile(path.join(viaApi, file), {
        cwd: viaApi,
        context: path.join(viaApi, ctx),
        pending,
      });
      for (const c of result.files)
        if (c.absolutePath && c.absolutePath !== path.join(viaApi, file))
          pending.set(c.absolutePath, c.after);
      applyResult(result);
    }
    // The worker's second context (docs) gives the same Dockerfile.
    const other = copyRepo('multi-service');
    const docs = await optimizeFile(path.join(other, 'docker/worker.Dockerfile'), {
      cwd: other,
      context: path.join(other, 'docs'),
    });
    expect(docs.output).toBe(
      fs.readFileSync(path.join(viaApi, 'docker/worker.Dockerfile'), 'utf8'),
    );
    expect(tree(viaCli)).toEqual(tree(viaApi));
    // The declared context is what makes the headline fix: requirements.txt is at the root.
    expect(fs.readFileSync(path.join(viaCli, 'docker/web.Dockerfile'), 'utf8')).toContain(
      'COPY requirements.txt .\nRUN pip install',
    );
    expect(fs.readFileSync(path.join(viaCli, '.dockerignore'), 'utf8')).toMatch(/^\.env$/m);
    expect(r.stderr).toContain(
      'dependency-cache/pip: pip install re-runs on every source edit because it follows `COPY . .`: copy only requirements.txt first and install before the full copy (context . from compose.yaml service web; .github/workflows/images.yml job web step "Build web").',
    );
    expect(r.stderr).toContain(
      '(contexts . from compose.yaml service worker and docs from compose.yaml service docs)',
    );
    // A message that does not depend on the context does not name it.
    const clean = r.stderr.split('\n').find((l) => l.includes('package-hygiene/npm-cache-clean'));
    expect(clean).toBeDefined();
    expect(clean).not.toContain('from compose.yaml');
    // One edit of the shared .dockerignore, reported once.
    expect(r.stderr.match(/dockerignore\/secrets/g)).toHaveLength(1);
  });

  test('--context still overrides the declaration; no declaration keeps the default', async () => {
    const repo = copyRepo('multi-service');
    const r = await runCli(
      ['fix', '--dry-run', '--context', 'docker', 'docker/web.Dockerfile'],
      repo,
    );
    expect(r.stderr).toContain('dependency-cache/pip: skipped');
    expect(r.stderr).not.toContain('from compose.yaml');
    fs.rmSync(path.join(repo, 'compose.yaml'));
    fs.rmSync(path.join(repo, '.github'), { recursive: true });
    const d = await runCli(['fix', '--dry-run', '--format', 'json', 'frontend/Dockerfile'], repo);
    const api = await optimizeFile(path.join(repo, 'frontend/Dockerfile'), { cwd: repo });
    expect(JSON.parse(d.stdout).files[0].fixes.map((f: { message: string }) => f.message)).toEqual(
      api.fixes.map((f) => f.message),
    );
  });

  test('explain uses the declared context, target and args', async () => {
    const repo = copyRepo('multi-service');
    const r = await runCli(['explain', '--format', 'json', 'docker/web.Dockerfile'], repo);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout).files[0];
    const api = await explainFile(path.join(repo, 'docker/web.Dockerfile'), {
      context: repo,
      target: 'runtime',
      buildArgs: { PYTHON_VERSION: '3.12' },
    });
    expect(doc.context).toBe('.');
    expect(doc.build).toEqual({
      origin: 'context . from compose.yaml service web',
      target: 'runtime',
      buildArgs: { PYTHON_VERSION: '3.12' },
    });
    expect(doc.target).toBe(api.target);
    expect(doc.steps).toEqual(JSON.parse(JSON.stringify(api.steps)));
    expect(doc.edits).toEqual(JSON.parse(JSON.stringify(api.edits)));
    expect(doc.target).toBe('runtime');
    const text = await runCli(['explain', 'docker/web.Dockerfile'], repo);
    expect(text.stdout.split('\n')[0]).toBe(
      'docker/web.Dockerfile: context . from compose.yaml service web',
    );
    // Given on the command line, the target wins.
    const t = await runCli(
      ['explain', '--format', 'json', '--target', 'test', 'docker/web.Dockerfile'],
      repo,
    );
    expect(JSON.parse(t.stdout).files[0].target).toBe('test');
  });

  test('verify passes the declared context, target and args to docker build', async () => {
    const repo = copyRepo('multi-service');
    const log = path.join(repo, '..', `${path.basename(repo)}-docker.log`);
    removeLater(log);
    const fake = path.join(repo, '..', `${path.basename(repo)}-docker.sh`);
    removeLater(fake);
    // A stand-in client: answers `version`, records each build (its arguments, and whether the
    // context it was given holds the repository's files), fails every build.
    fs.writeFileSync(
      fake,
      `#!/bin/sh\nif [ "$1" = version ]; then echo 20.10.0; exit 0; fi\n` +
        `if [ "$1" = build ]; then echo "$*" >> ${log}; for a in "$@"; do last="$a"; done; ` +
        `ls "$last" | tr '\\n' ' ' >> ${log}; echo >> ${log}; echo "ERROR: no engine here" >&2; exit 1; fi\nexit 1\n`,
      { mode: 0o755 },
    );
    const r = await runCli(
      ['verify', '--docker', fake, '--no-cache-test', '--format', 'json', 'docker/web.Dockerfile'],
      repo,
    );
    expect(r.code).not.toBe(0);
    const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
    expect(lines.length).toBe(4);
    const build = lines[0]!;
    expect(build).toMatch(/ --target runtime /);
    expect(build).toMatch(/ --build-arg PYTHON_VERSION=3\.12 /);
    expect(build).toMatch(/-f \S+\/original\/context\/docker\/web\.Dockerfile /);
    // The context sent is a copy of the repository root (compose.yaml, requirements.txt).
    expect(lines[1]).toContain('compose.yaml');
    expect(lines[1]).toContain('requirements.txt');
    expect(lines[2]).toMatch(/-f \S+\/optimized\/context\/docker\/web\.Dockerfile /);
    // --target and --build-arg on the command line win.
    fs.rmSync(log);
    await runCli(
      [
        'verify',
        '--docker',
        fake,
        '--no-cache-test',
        '--target',
        'test',
        '--build-arg',
        'PYTHON_VERSION=3.13',
        'docker/web.Dockerfile',
      ],
      repo,
    );
    const again = fs.readFileSync(log, 'utf8').split('\n')[0]!;
    expect(again).toMatch(/ --target test /);
    expect(again).toMatch(/ --build-arg PYTHON_VERSION=3\.13 /);
    expect(again).not.toMatch(/PYTHON_VERSION=3\.12/);
  }, 60_000);
});

describe('one Dockerfile, two contexts', () => {
  test('a fix right for one context only is skipped, naming both', async () => {
    const repo = copyRepo('compose-two-contexts');
    const r = await runCli(['fix', '--dry-run', '--format', 'json', 'docker/app.Dockerfile'], repo);
    const doc = JSON.parse(r.stdout);
    const file = doc.files[0];
    expect(
      file.fixes
        .filter((f: { applied: boolean }) => f.applied)
        .map((f: { rule: string }) => f.rule),
    ).toEqual(['dockerignore/secrets', 'dockerignore/secrets']);
    const pip = file.skipped.find(
      (s: { rule: string; reason: string }) =>
        s.rule === 'dependency-cache/pip' && s.reason.startsWith('right for'),
    );
    expect(pip.reason).toBe(
      'right for the context . from compose.yaml service web, not for the context admin from compose.yaml service admin: one Dockerfile built with several contexts gets only the fixes right for all of them',
    );
    // The Dockerfile is unchanged; each context gets its own .dockerignore (admin/.env is a
    // secret in both), each fix naming its context.
    expect(doc.changedFiles.map((c: { path: string }) => c.path)).toEqual([
      '.dockerignore',
      'admin/.dockerignore',
    ]);
    expect(
      file.fixes.map((f: { message: string }) => f.message.match(/\((context [^)]*)\)\.$/)?.[1]),
    ).toEqual([
      'context . from compose.yaml service web',
      'context admin from compose.yaml service admin',
    ]);
  });
});

describe('Dockerfiles sharing a context', () => {
  test('different ignore entries go to <Dockerfile>.dockerignore; one beside the Dockerfile outside the context is not edited', async () => {
    const repo = copyRepo('shared-context');
    const r = await runCli(['fix', '.'], repo);
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(repo, '.dockerignore'))).toBe(false);
    const engine = fs.readFileSync(
      path.join(repo, 'docker/engine.Dockerfile.dockerignore'),
      'utf8',
    );
    const api = fs.readFileSync(path.join(repo, 'docker/api.Dockerfile.dockerignore'), 'utf8');
    expect(engine).toMatch(/^target$/m);
    expect(api).not.toMatch(/^target$/m);
    for (const text of [engine, api]) expect(text).toMatch(/^\*\*\/\.env$/m);
    expect(r.stderr).toContain(
      "Written to docker/engine.Dockerfile.dockerignore: the Dockerfiles sharing context . need different entries (docker/api.Dockerfile needs other ones), and BuildKit reads <Dockerfile>.dockerignore before the context's .dockerignore.",
    );
    expect(r.stderr).toContain(
      'docker/reports.Dockerfile:1 dockerignore/create: skipped: the builder reads docker/reports.Dockerfile.dockerignore (beside the Dockerfile, outside the context reports from compose.yaml service reports), which this tool does not edit\n',
    );
    expect(fs.readFileSync(path.join(repo, 'docker/reports.Dockerfile.dockerignore'), 'utf8')).toBe(
      '*.csv\n',
    );
    // A second run changes nothing: each build now reads its own ignore file.
    const again = await runCli(['fix', '--dry-run', '.'], repo);
    expect(again.code).toBe(0);
  });
});

describe('malformed build files', () => {
  test('a warning naming file and line; the Dockerfiles keep the default context and are still fixed', async () => {
    const repo = copyRepo('compose-malformed');
    const r = await runCli(['fix', '--dry-run', '--format', 'json', '.'], repo);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('dockerfile-optimizer: warning: compose.yaml:6: not valid YAML: ');
    expect(r.stderr).toContain(
      'dockerfile-optimizer: warning: other/compose.yaml:3: service a: extends: no service nowhere in compose.yaml; the Dockerfiles it describes keep the default context',
    );
    const doc = JSON.parse(r.stdout);
    expect(doc.files.map((f: { path: string; error: string | null }) => [f.path, f.error])).toEqual(
      [
        ['Dockerfile', null],
        ['other/Dockerfile', null],
      ],
    );
    // The root Dockerfile (its compose file is malformed) is fixed over its own folder, as without
    // any declaration.
    const api = await optimizeFile(path.join(repo, 'Dockerfile'), { cwd: repo });
    expect(doc.files[0].fixes.map((f: { message: string }) => f.message)).toEqual(
      api.fixes.map((f) => f.message),
    );
    const b = await runCli(['builds'], repo);
    expect(b.code).toBe(0);
    expect(b.stdout).toContain(
      'other/Dockerfile\n  context other  (other/compose.yaml:9 service c)\n',
    );
  });
});
