/**
 * Equivalence suite (issue 12): for each case under test/docker/equivalence/<case>/, build the
 * original and the `fix` output (with the case's options, `--unsafe` for some) with real Docker,
 * and compare what a user of the image gets: the file system (every path's type, mode, owner,
 * size and content; minus the package-manager lists and caches the fixes are meant to remove),
 * the image config (Env, User, Cmd, Entrypoint, WorkingDir, ExposedPorts) and what the container
 * prints. Any other difference fails. A case with `"git": true` is a git repository made by the
 * test (every file committed, except what its .gitignore ignores). `compare` narrows the check
 * for review fixes that change the file system on purpose (a multi-stage split): then only
 * `run` and `config` are compared. Add every wrong rewrite found from now on as a case here.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build, removeImages, runDocker, runImage } from '../../src/verify/docker.js';
import { runCli } from '../support/cli.js';
import { ensureEngine, ROOT } from './engine.js';
import { diffFileSystems, imageFileSystem } from './image-fs.js';

const CASES = path.join(ROOT, 'test/docker/equivalence');
const hashOf = (file: string) =>
  fs.existsSync(file) ? createHash('sha256').update(fs.readFileSync(file)).digest('hex') : null;

interface CaseSpec {
  about: string;
  options?: string[];
  git?: boolean;
  compare?: ('fs' | 'config' | 'run')[];
  /** Paths the fixed image may lack (files the fix keeps out of the context on purpose). */
  mayBeMissing?: string[];
  /** Files written into the context at test time, after `git init` (local-only files such as a
   * git-ignored `.env`, which this repository's own git would not store). */
  extra?: Record<string, string>;
}

const engine = await ensureEngine('equiv');
const suite = engine.skip ? describe.skip : describe;
const tmp: string[] = [];
const images: string[] = [];
afterAll(async () => {
  if (engine.client) await removeImages(engine.client, images);
  tmp.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});

function prepare(name: string, spec: CaseSpec): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dfo-equiv-${name}-`));
  tmp.push(dir);
  fs.cpSync(path.join(CASES, name), dir, { recursive: true });
  fs.rmSync(path.join(dir, 'case.json'));
  if (spec.git) {
    const git = (...args: string[]) => {
      const r = spawnSync('git', args, {
        cwd: dir,
        encoding: 'utf8',
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@example.com',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@example.com',
          GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
          GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
        },
      });
      if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    };
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-q', '-m', 'initial');
  }
  for (const [rel, text] of Object.entries(spec.extra ?? {})) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const configOf = async (ref: string) => {
  const r = await runDocker(engine.client!, ['image', 'inspect', ref], { timeoutMs: 60_000 });
  const c = (JSON.parse(r.stdout) as { Config: Record<string, unknown> }[])[0]!.Config;
  return {
    Env: c.Env,
    User: c.User,
    Cmd: c.Cmd,
    Entrypoint: c.Entrypoint,
    WorkingDir: c.WorkingDir,
    ExposedPorts: c.ExposedPorts,
  };
};

const names = fs.existsSync(CASES)
  ? fs.readdirSync(CASES).filter((n) => fs.existsSync(path.join(CASES, n, 'case.json')))
  : [];

suite('equivalence: the fixed image is the original image minus caches', () => {
  test('there are cases', () => expect(names.length).toBeGreaterThanOrEqual(8));

  test.each(names)('%s', async (name) => {
    const client = engine.client!;
    const spec = JSON.parse(
      fs.readFileSync(path.join(CASES, name, 'case.json'), 'utf8'),
    ) as CaseSpec;
    const original = prepare(name, spec);
    const fixed = fs.mkdtempSync(path.join(os.tmpdir(), `dfo-equiv-${name}-fixed-`));
    tmp.push(fixed);
    fs.cpSync(original, fixed, { recursive: true });
    const r = await runCli(['fix', ...(spec.options ?? []), '.'], fixed);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.any(String) });

    const tag = (which: string) => `dfo-equiv/${name}:${which}-${process.pid}`;
    const builds = [];
    for (const [which, dir] of [
      ['original', original],
      ['fixed', fixed],
    ] as const) {
      images.push(tag(which));
      builds.push(
        await build(client, {
          contextDir: dir,
          dockerfile: path.join(dir, 'Dockerfile'),
          tag: tag(which),
          timeoutMs: 10 * 60_000,
        }),
      );
    }
    expect(builds[0]!.error ?? 'original built').toBe('original built');
    // The tool's fixes must not break a build that works: the second build's error is the finding.
    expect(builds[1]!.error ?? 'fixed built').toBe('fixed built');

    const compare = spec.compare ?? ['fs', 'config', 'run'];
    const problems: string[] = [];
    if (compare.includes('fs')) {
      const [a, b] = await Promise.all([
        imageFileSystem(client, tag('original')),
        imageFileSystem(client, tag('fixed')),
      ]);
      // `mayBeMissing` entries name a path and everything under it.
      const allowedPath = (p: string) =>
        (spec.mayBeMissing ?? []).some((m) => p === m || p.startsWith(`${m}/`));
      const allowed = (d: string) => {
        const m = /^missing in the fixed image: (.*)$/.exec(d);
        return m !== null && allowedPath(m[1]!);
      };
      // A `COPY . .` also copies the Dockerfile and .dockerignore themselves, which the fix edits
      // (or, when it excludes them, leaves out): those copies may differ.
      const own = new Set(
        ['Dockerfile', '.dockerignore'].flatMap((f) =>
          [original, fixed].map((d) => hashOf(path.join(d, f))).filter((h) => h !== null),
        ),
      );
      problems.push(...diffFileSystems(a, b, [], own).filter((d) => !allowed(d)));
    }
    if (compare.includes('config')) {
      const [a, b] = [await configOf(tag('original')), await configOf(tag('fixed'))];
      if (JSON.stringify(a) !== JSON.stringify(b))
        problems.push(`image config differs: ${JSON.stringify(a)} -> ${JSON.stringify(b)}`);
    }
    if (compare.includes('run')) {
      const a = await runImage(
        client,
        tag('original'),
        `dfo-equiv-${name}-a-${process.pid}`,
        120_000,
      );
      const b = await runImage(client, tag('fixed'), `dfo-equiv-${name}-b-${process.pid}`, 120_000);
      if (a.code !== b.code || a.stdout !== b.stdout)
        problems.push(
          `the containers differ: exit ${a.code} -> ${b.code}, output ${JSON.stringify(a.stdout)} -> ${JSON.stringify(b.stdout)}`,
        );
    }
    expect({ diff: r.stdout, problems }).toEqual({ diff: r.stdout, problems: [] });
  });
});
