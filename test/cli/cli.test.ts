/**
 * The CLI end to end: in-process (fake stdio, test transforms) for the mechanics, and through the
 * real binary (bin/ + dist/, built by `npm test`) for process-level behaviour.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../support/cli.js';
import { writeFileAtomic } from '../../src/io/io.js';
import { aptYes, keywordCase, addToCopy } from '../support/test-transforms.js';
import { gitApply, patchDryRun, removeTmpdirs, ROOT, tmpdir } from '../helpers.js';

const transforms = [keywordCase, aptYes, addToCopy];
afterAll(removeTmpdirs);

function project(files: Record<string, string | Buffer>): string {
  const dir = tmpdir('dfo-cli-');
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

const cli = (argv: string[], cwd: string, stdin = '') =>
  runCli(argv, cwd, { io: { readStdin: async () => stdin }, transforms });

const BAD = 'from debian\nrun apt-get install curl\n';
const GOOD = 'FROM debian\nRUN apt-get install -y curl\n';

describe('fix --dry-run', () => {
  test('prints a diff that git apply and patch -p1 accept, exit 1, writes nothing', async () => {
    const dir = project({ 'svc/Dockerfile': BAD });
    const r = await cli(['fix', '--dry-run', '.'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      '--- a/svc/Dockerfile\n+++ b/svc/Dockerfile\n@@ -1,2 +1,2 @@\n-from debian\n-run apt-get install curl\n+FROM debian\n+RUN apt-get install -y curl\n',
    );
    expect(r.stderr).toContain(
      'svc/Dockerfile:1 test-keyword-case/upper: keyword written in lower case',
    );
    expect(r.stderr).toContain('svc/Dockerfile:2 test-apt-yes/add-y: apt-get install without -y');
    expect(r.stderr).toMatch(
      /1 file checked, 1 to change: would apply 3 fixes \(3 safe, 0 review\)\n$/,
    );
    expect(fs.readFileSync(path.join(dir, 'svc/Dockerfile'), 'utf8')).toBe(BAD);
    patchDryRun(dir, r.stdout);
    gitApply(dir, r.stdout);
    expect(fs.readFileSync(path.join(dir, 'svc/Dockerfile'), 'utf8')).toBe(GOOD);
  });

  test('exit 0 and no diff when there is nothing to change', async () => {
    const dir = project({ Dockerfile: GOOD });
    const r = await cli(['fix', '--dry-run'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
  });

  test('--color always colours the diff; never/auto (not a TTY) do not', async () => {
    const dir = project({ Dockerfile: BAD });
    expect((await cli(['fix', '--dry-run', '--color', 'always'], dir)).stdout).toContain(
      '\u001b[32m+FROM debian\u001b[0m',
    );
    expect((await cli(['fix', '--dry-run', '--color', 'never'], dir)).stdout).not.toContain(
      '\u001b[',
    );
    expect((await cli(['fix', '--dry-run'], dir)).stdout).not.toContain('\u001b[');
  });

  test('review fixes are listed but only applied with --unsafe', async () => {
    const dir = project({ Dockerfile: 'FROM x\nADD app.py /app/\n' });
    const r = await cli(['fix', '--dry-run'], dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      'Dockerfile:2 test-add-copy/add: ADD of a local path behaves like COPY (test transform) [review: not applied; use --unsafe]',
    );
    expect(r.stderr).toContain('1 review fix not applied (use --unsafe)');
    const u = await cli(['fix', '--dry-run', '--unsafe'], dir);
    expect(u.code).toBe(1);
    expect(u.stdout).toContain('+COPY app.py /app/');
  });
});

describe('fix (write)', () => {
  test('writes in place atomically, keeps the mode, leaves no temp file', async () => {
    const dir = project({ Dockerfile: BAD });
    const file = path.join(dir, 'Dockerfile');
    fs.chmodSync(file, 0o640);
    const r = await cli(['fix', 'Dockerfile'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('1 file checked, 1 changed: applied 3 fixes (3 safe, 0 review)');
    expect(fs.readFileSync(file, 'utf8')).toBe(GOOD);
    expect(fs.statSync(file).mode & 0o777).toBe(0o640);
    expect(fs.readdirSync(dir)).toEqual(['Dockerfile']);
    // Second run: nothing left.
    const again = await cli(['fix', '--dry-run', 'Dockerfile'], dir);
    expect(again.code).toBe(0);
  });

  test('--only / --skip pick rules', async () => {
    const dir = project({ Dockerfile: BAD });
    await cli(['fix', '--only', 'test-apt-yes'], dir);
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toBe(
      'from debian\nrun apt-get install -y curl\n',
    );
    const dir2 = project({ Dockerfile: BAD });
    await cli(['fix', '--skip', 'test-apt-yes,test-add-copy'], dir2);
    expect(fs.readFileSync(path.join(dir2, 'Dockerfile'), 'utf8')).toBe(
      'FROM debian\nRUN apt-get install curl\n',
    );
  });

  test('a failed write leaves the target untouched and removes the temp file', () => {
    const dir = project({ 'target/keep': 'x' });
    // Renaming a file over a non-empty directory fails.
    expect(() => writeFileAtomic(path.join(dir, 'target'), 'new')).toThrow();
    expect(fs.readdirSync(dir)).toEqual(['target']);
    expect(fs.readFileSync(path.join(dir, 'target/keep'), 'utf8')).toBe('x');
  });

  test('discovers Dockerfile names recursively, skipping node_modules and .git', async () => {
    const dir = project({
      'a/Dockerfile': BAD,
      'b/Dockerfile.prod': BAD,
      'c/api.Dockerfile': BAD,
      'd/Containerfile': BAD,
      'e/Dockerfile.dockerignore': 'node_modules\n',
      'node_modules/x/Dockerfile': 'not a dockerfile',
      '.git/Dockerfile': 'not a dockerfile',
      'README.md': '# hi\n',
    });
    const r = await cli(['fix', '--dry-run'], dir);
    expect(r.code).toBe(1);
    const files = [...r.stdout.matchAll(/^\+\+\+ b\/(.*)$/gm)].map((m) => m[1]);
    expect(files).toEqual([
      'a/Dockerfile',
      'b/Dockerfile.prod',
      'c/api.Dockerfile',
      'd/Containerfile',
    ]);
  });
});

describe('stdin', () => {
  test('- reads stdin and writes the result to stdout', async () => {
    const r = await cli(['fix', '-'], project({}), BAD);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(GOOD);
  });
  test('- with --dry-run prints the diff', async () => {
    const r = await cli(
      ['fix', '--dry-run', '-', '--stdin-filename', 'web/Dockerfile'],
      project({}),
      BAD,
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('--- a/web/Dockerfile\n+++ b/web/Dockerfile\n');
  });
});

describe('--format json', () => {
  test('lists files, fixes (rule, line, message, applicability) and the diff', async () => {
    const dir = project({ Dockerfile: 'from x\nADD a /a\nRUN apt-get install b\n' });
    const r = await cli(['fix', '--dry-run', '--format', 'json'], dir);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.version).toBe(1);
    expect(doc.files).toHaveLength(1);
    expect(doc.files[0].path).toBe('Dockerfile');
    expect(doc.files[0].fixes).toEqual([
      expect.objectContaining({
        rule: 'test-keyword-case/upper',
        line: 1,
        applicability: 'safe',
        applied: true,
      }),
      expect.objectContaining({
        rule: 'test-add-copy/add',
        line: 2,
        applicability: 'review',
        applied: false,
      }),
      expect.objectContaining({
        rule: 'test-apt-yes/add-y',
        line: 3,
        applicability: 'safe',
        applied: true,
      }),
    ]);
    expect(doc.diff).toContain('+RUN apt-get install -y b');
    expect(doc.summary).toEqual({
      checked: 1,
      changed: 1,
      errors: 0,
      safe: 2,
      review: 0,
      pending: 1,
      suppressed: 0,
    });
    // stdout is pure JSON; the closing summary goes to stderr.
    expect(r.stderr).toBe(
      '1 file checked, 1 to change: would apply 2 fixes (2 safe, 0 review); 1 review fix not applied (use --unsafe)\n',
    );
  });
});

describe('bad input: one line naming the file, exit 2, nothing written', () => {
  test.each([
    ['empty file', '', 'empty file'],
    ['only comments', '# nothing\n', 'no instructions found'],
    ['not a Dockerfile', 'import os\nprint(os.name)\n', 'line 1: unknown instruction: IMPORT'],
    ['binary', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]), 'binary file'],
    [
      'invalid UTF-8',
      Buffer.from([0x46, 0x52, 0x4f, 0x4d, 0x20, 0xc3, 0x28, 0x0a]),
      'not valid UTF-8',
    ],
    ['syntax error', 'FROM x\nRUN <<EOF\necho unterminated\n', 'unterminated heredoc'],
  ])('%s', async (_name, content, message) => {
    const dir = project({ Dockerfile: content });
    const before = fs.readFileSync(path.join(dir, 'Dockerfile'));
    const r = await cli(['fix', 'Dockerfile'], dir);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('dockerfile-optimizer: Dockerfile: ');
    expect(lines[0]).toContain(message);
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'))).toEqual(before);
    expect(fs.readdirSync(dir)).toEqual(['Dockerfile']);
  });

  test('missing path and a directory without a Dockerfile', async () => {
    const dir = project({ 'src/app.py': 'print(1)\n' });
    const r = await cli(['fix', 'nope/Dockerfile', 'src'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'dockerfile-optimizer: nope/Dockerfile: no such file or directory\n',
    );
    expect(r.stderr).toContain(
      'dockerfile-optimizer: src: no Dockerfile found in this directory\n',
    );
  });

  test('with several paths the good files are still fixed, and the exit code says an error happened', async () => {
    const dir = project({ 'good/Dockerfile': BAD, 'bad/Dockerfile': 'hello world\n' });
    const r = await cli(['fix', 'good', 'bad'], dir);
    expect(r.code).toBe(2);
    expect(fs.readFileSync(path.join(dir, 'good/Dockerfile'), 'utf8')).toBe(GOOD);
    expect(fs.readFileSync(path.join(dir, 'bad/Dockerfile'), 'utf8')).toBe('hello world\n');
    expect(r.stderr).toContain(
      'dockerfile-optimizer: bad/Dockerfile: line 1: unknown instruction: HELLO',
    );
  });

  test('unknown option, unknown rule, missing command, bad choice: one line, exit 2', async () => {
    const dir = project({ Dockerfile: BAD });
    for (const argv of [
      ['fix', '--frobnicate'],
      ['fix', '--only', 'nope'],
      [],
      ['fix', '--format', 'xml'],
      ['explode'],
    ]) {
      const r = await cli(argv, dir);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^dockerfile-optimizer: /);
      expect(r.stdout).toBe('');
    }
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toBe(BAD);
  });
});

describe('the real binary', () => {
  const bin = path.join(ROOT, 'bin/dockerfile-optimizer.js');
  const run = (args: string[], opts: { cwd: string; input?: string; asNobody?: boolean }) => {
    const cmd = opts.asNobody ? 'setpriv' : process.execPath;
    const argv = opts.asNobody
      ? ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, bin, ...args]
      : [bin, ...args];
    return spawnSync(cmd, argv, {
      cwd: opts.cwd,
      input: opts.input ?? '',
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
  };

  test('--help lists the fix command and its options', () => {
    const r = run(['fix', '--help'], { cwd: ROOT });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('--dry-run');
    expect(r.stdout).toContain('--unsafe');
  });

  test('stdin to stdout, exit codes', () => {
    const dir = project({});
    const r = run(['fix', '--dry-run', '-'], { cwd: dir, input: 'FROM debian\nRUN echo ok\n' });
    expect(r.stderr).toContain('1 file checked');
    expect([0, 1]).toContain(r.status);
    const bad = run(['fix', '-'], { cwd: dir, input: 'not a dockerfile\n' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('dockerfile-optimizer: -: line 1: unknown instruction: NOT\n');
    expect(bad.stdout).toBe('');
  });

  test('an unreadable file: one line, exit 2', () => {
    const dir = project({ Dockerfile: GOOD });
    fs.chmodSync(dir, 0o755);
    fs.chmodSync(path.join(dir, 'Dockerfile'), 0o000);
    const asRoot = process.getuid?.() === 0;
    const r = run(['fix', 'Dockerfile'], { cwd: dir, asNobody: asRoot });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('dockerfile-optimizer: Dockerfile: permission denied (cannot read)\n');
  });

  test('unknown flag through the binary', () => {
    const r = run(['fix', '--nope'], { cwd: ROOT });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('dockerfile-optimizer: Unknown argument: nope\n');
  });
});
