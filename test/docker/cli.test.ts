/**
 * `verify` and `fix --verify` end to end with a real Docker engine: the built binary on an
 * example, and the CLI in-process with a transform that breaks the build on purpose (the gate
 * must refuse to write it, and `verify` must exit 1 with a REGRESSION line).
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Finding, Transform } from '../../src/model/types.js';
import { runCli } from '../support/cli.js';
import { ensureEngine, ROOT } from './engine.js';

const engine = await ensureEngine('cli');
const suite = engine.skip ? describe.skip : describe;
const env = engine.client ? { ...process.env, ...engine.client.env } : process.env;
const tmp: string[] = [];
afterAll(() => tmp.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function copyExample(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dfo-cli-${name}-`));
  tmp.push(dir);
  fs.cpSync(path.join(ROOT, 'examples', name), dir, { recursive: true });
  return dir;
}

/** Replaces the package `jq` (examples/optimal, a small install) in apt-get install with one that does not exist. */
const breakInstall: Transform = {
  meta: {
    id: 'test-break',
    title: 'test-break',
    hadolint: [],
    applicability: 'safe',
    docs: { why: 'test', fixSafety: 'test' },
  },
  check(model) {
    const out: Finding[] = [];
    for (const i of model.instructions) {
      for (const c of i.shell?.ok ? i.shell.commands : []) {
        const word = c.args.find((a) => a.value === 'jq');
        if (c.name?.value === 'apt-get' && word)
          out.push({
            ruleId: 'test-break/missing-package',
            message: 'installs a package that does not exist (test transform)',
            applicability: 'safe',
            at: i.span.start,
            edits: [{ start: word.span.start, end: word.span.end, text: 'dfo-no-such-package' }],
          });
      }
    }
    return out;
  },
};

const cli = (argv: string[], cwd: string, transforms?: Transform[]) =>
  runCli(argv, cwd, { io: { env: { ...engine.client!.env } }, transforms });

suite('verify and fix --verify with real Docker', () => {
  test('the set-up lock is free once scripts/docker-setup.sh has returned (dockerd must not hold it)', () => {
    const dir = engine.dir ?? process.env.DFO_DOCKER_DIR ?? '/tmp/dfo-docker';
    // The other test file's set-up call may hold it for a moment; dockerd would hold it for good.
    const r = spawnSync('flock', ['-w', '120', `${dir}.lock`, 'true'], { encoding: 'utf8' });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(0);
  });

  test('the binary: verify --format json on the control example reports both builds', () => {
    const r = spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'bin/dockerfile-optimizer.js'),
        'verify',
        '--format',
        'json',
        '-q',
        'examples/optimal',
      ],
      { cwd: ROOT, env, encoding: 'utf8', timeout: 10 * 60_000 },
    );
    expect({ code: r.status, stderr: r.stderr }).toMatchObject({ code: 0 });
    const doc = JSON.parse(r.stdout);
    expect(doc.ok).toBe(true);
    const rep = doc.reports[0];
    expect(rep).toMatchObject({
      dockerfile: 'examples/optimal/Dockerfile',
      verdict: 'unchanged',
      regressions: [],
      cacheTest: { file: 'show.sh' },
    });
    expect(rep.size.before).toBeGreaterThan(50_000_000);
    expect(rep.size.after).toBe(rep.size.before);
    expect(rep.optimized.cache.reran.map((s: { instruction: string }) => s.instruction)).toEqual([
      'COPY data.json show.sh ./',
    ]);
  });

  test('fix --verify writes a fix whose optimized build succeeds', async () => {
    const dir = copyExample('apt-cleanup');
    const r = await cli(['fix', '--verify', '.'], dir);
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
    expect(r.stderr).toMatch(
      /Dockerfile: verify: the optimized Dockerfile builds, image [\d.]+ MB -> [\d.]+ MB\n/,
    );
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toContain(
      'RUN apt-get update && apt-get install -y python3 && rm -rf /var/lib/apt/lists/*\n',
    );
  });

  test('fix --verify refuses, loudly, a fix that breaks the build, and writes nothing', async () => {
    const dir = copyExample('optimal');
    const before = fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8');
    const r = await cli(['fix', '--verify', '.'], dir, [breakInstall]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('THE OPTIMIZED DOCKERFILE FAILS TO BUILD where the original builds');
    expect(r.stderr).toContain('the fix was NOT written');
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toBe(before);
  });

  test('verify exits 1 with a REGRESSION line when the optimized build fails', async () => {
    const dir = copyExample('optimal');
    const r = await cli(['verify', '--no-cache-test', '-q', '.'], dir, [breakInstall]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('!!! result: OPTIMIZED BUILD FAILED where the original builds');
    expect(r.stdout).toContain(
      '  !!! REGRESSION: the optimized Dockerfile fails to build where the original builds\n',
    );
  });
});
