/**
 * Files are sacred (issue 13): reading, writing and discovery on real files: unreadable and
 * undecodable ignore files, symbolic links, read-only files, owners, lost updates, units of
 * writes, SIGINT in a real child process, size limits, context bounds, paths in messages.
 * Tests that need another user run the built CLI (dist/) through `setpriv` as nobody (65534).
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from './support/cli.js';
import { removeTmpdirs, ROOT, tmpdir } from './helpers.js';
import { applyResult, optimize, optimizeFile } from '../src/api.js';
import { DiskContext } from '../src/context/context.js';
import { WriteError, writeUnit } from '../src/io/write.js';
import { showPath } from '../src/io/paths.js';
import { isDockerfileName } from '../src/io/discover.js';
import { MAX_INPUT_BYTES } from '../src/io/read.js';
import type { Transform } from '../src/model/types.js';

afterAll(removeTmpdirs);

const BIN = path.join(ROOT, 'bin/dockerfile-optimizer.js');
const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;
const hasSetpriv = spawnSync('setpriv', ['--version']).status === 0;
/** Tests as another user need root (to become nobody) and setpriv. */
const asNobody = isRoot && hasSetpriv ? test : test.skip;
const asRoot = isRoot ? test : test.skip;

const DOCKERFILE =
  'FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl\nCOPY . /app\n';
const FIXED_RUN = 'RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n';

/** A repository (`.git`) with svc/Dockerfile whose fix also completes svc/.dockerignore. */
function repo(files: Record<string, string | Buffer> = {}): string {
  const dir = tmpdir('dfo-files-');
  fs.mkdirSync(path.join(dir, '.git'));
  const all: Record<string, string | Buffer> = {
    'svc/Dockerfile': DOCKERFILE,
    // a local credential: without git history its content decides, and it goes out
    'svc/.env': 'SECRET_KEY=8f2c1e9a7b4d0c3e\n',
    'svc/app.py': 'print(1)\n',
    'svc/.dockerignore': 'node_modules\n',
    ...files,
  };
  for (const [rel, content] of Object.entries(all)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

const read = (dir: string, rel: string) => fs.readFileSync(path.join(dir, rel));
const cli = (argv: string[], cwd: string, opts: Parameters<typeof runCli>[2] = {}) =>
  runCli(argv, cwd, opts);

/** Run the built CLI in a child process (optionally as nobody). */
function bin(argv: string[], cwd: string, asUser = false, env: Record<string, string> = {}) {
  const cmd = asUser
    ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'node', BIN, ...argv]
    : ['node', BIN, ...argv];
  const r = spawnSync(cmd[0]!, cmd.slice(1), {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH!, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under dir whose name looks like one of the tool's temporary or backup files. */
function leftovers(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (/\.dfo-.*\.(tmp|bak)$/.test(e.name)) out.push(path.join(d, e.name));
    }
  };
  walk(dir);
  return out;
}

/** Let nobody write the tree (the files stay owned by root unless chowned). */
function openUp(dir: string): void {
  fs.chmodSync(dir, 0o777);
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) openUp(p);
    else if (e.isFile()) fs.chmodSync(p, 0o666);
  }
}

beforeAllBuilt();
function beforeAllBuilt() {
  // The child-process tests run dist/ (npm test compiles first).
  if (!fs.existsSync(path.join(ROOT, 'dist/src/cli/cli.js')))
    throw new Error('dist/ is missing: run `npx tsc -p tsconfig.json` first');
}

describe('1, 3: an existing ignore file that cannot be read or decoded is an error, never absent', () => {
  asNobody('unreadable .dockerignore (mode 000, another user): exit 2, nothing written', () => {
    const dir = repo();
    openUp(dir);
    fs.chmodSync(path.join(dir, 'svc/.dockerignore'), 0o000);
    const r = bin(['fix', 'svc'], dir, true);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'svc/Dockerfile: svc/.dockerignore: permission denied (cannot read)',
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    fs.chmodSync(path.join(dir, 'svc/.dockerignore'), 0o644);
    expect(read(dir, 'svc/.dockerignore').toString()).toBe('node_modules\n');
    expect(read(dir, 'svc/Dockerfile').toString()).toBe(DOCKERFILE);
  });

  test.each([
    [
      'a NUL byte',
      Buffer.from('node_modules\n\u0000secrets/\n', 'latin1'),
      'binary file (NUL byte)',
    ],
    ['a Latin-1 byte', Buffer.from('node_modules\ncaf\xe9/\n', 'latin1'), 'not valid UTF-8 text'],
  ])(
    '.dockerignore with %s: exit 2 naming it, bytes kept, Dockerfile not written',
    async (_, bytes, why) => {
      const dir = repo({ 'svc/.dockerignore': bytes });
      const r = await cli(['fix', 'svc'], dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`dockerfile-optimizer: svc/Dockerfile: svc/.dockerignore: ${why}\n`);
      expect(read(dir, 'svc/.dockerignore').equals(bytes)).toBe(true);
      expect(read(dir, 'svc/Dockerfile').toString()).toBe(DOCKERFILE);
    },
  );

  test('a .dockerignore that is a directory is an error too', async () => {
    const dir = repo();
    fs.rmSync(path.join(dir, 'svc/.dockerignore'));
    fs.mkdirSync(path.join(dir, 'svc/.dockerignore'));
    const r = await cli(['fix', 'svc'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('svc/.dockerignore: is a directory');
    expect(read(dir, 'svc/Dockerfile').toString()).toBe(DOCKERFILE);
  });

  test('the API says the same (optimizeFile throws, naming the file)', async () => {
    const dir = repo({ 'svc/.dockerignore': Buffer.from([0x61, 0xff, 0x0a]) });
    await expect(optimizeFile(path.join(dir, 'svc/Dockerfile'), { cwd: dir })).rejects.toThrow(
      'svc/.dockerignore: not valid UTF-8 text',
    );
  });
});

describe('2: symbolic links are written through (inside the repository) or left alone', () => {
  test('a linked .dockerignore inside the repository: the target gets the patterns, the link stays', async () => {
    const dir = repo({ 'shared/common.dockerignore': 'secrets/\n' });
    fs.rmSync(path.join(dir, 'svc/.dockerignore'));
    fs.symlinkSync('../shared/common.dockerignore', path.join(dir, 'svc/.dockerignore'));
    const r = await cli(['fix', 'svc'], dir);
    expect(r.code).toBe(0);
    expect(fs.lstatSync(path.join(dir, 'svc/.dockerignore')).isSymbolicLink()).toBe(true);
    const shared = read(dir, 'shared/common.dockerignore').toString();
    expect(shared.startsWith('secrets/\n')).toBe(true);
    expect(shared).toContain('\n.env\n');
    expect(read(dir, 'svc/Dockerfile').toString()).toContain(FIXED_RUN);
  });

  test('the shared patterns are read through the link (secrets/ stays excluded, not re-added)', async () => {
    const dir = repo({ 'shared/common.dockerignore': '.env\nDockerfile*\n.dockerignore\n' });
    fs.rmSync(path.join(dir, 'svc/.dockerignore'));
    fs.symlinkSync('../shared/common.dockerignore', path.join(dir, 'svc/.dockerignore'));
    const r = await cli(['fix', '--dry-run', 'svc'], dir);
    expect(r.stdout).not.toContain('.dockerignore');
  });

  test('a linked Dockerfile inside the repository: the target is rewritten, the link stays', async () => {
    const dir = repo({ 'shared/base.Dockerfile': DOCKERFILE });
    fs.rmSync(path.join(dir, 'svc/Dockerfile'));
    fs.symlinkSync('../shared/base.Dockerfile', path.join(dir, 'svc/Dockerfile'));
    const r = await cli(['fix', 'svc/Dockerfile'], dir);
    expect(r.code).toBe(0);
    expect(fs.lstatSync(path.join(dir, 'svc/Dockerfile')).isSymbolicLink()).toBe(true);
    expect(read(dir, 'shared/base.Dockerfile').toString()).toContain(FIXED_RUN);
  });

  test('a link to a file outside the repository: not written, the reason given, nothing of the unit written', async () => {
    const outside = tmpdir('dfo-outside-');
    fs.writeFileSync(path.join(outside, 'common.dockerignore'), 'secrets/\n');
    const dir = repo();
    fs.rmSync(path.join(dir, 'svc/.dockerignore'));
    fs.symlinkSync(path.join(outside, 'common.dockerignore'), path.join(dir, 'svc/.dockerignore'));
    const r = await cli(['fix', 'svc'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /svc\/Dockerfile: not written: svc\/\.dockerignore: is a symbolic link to .*common\.dockerignore, outside the repository/,
    );
    expect(fs.lstatSync(path.join(dir, 'svc/.dockerignore')).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(path.join(outside, 'common.dockerignore'), 'utf8')).toBe('secrets/\n');
    expect(read(dir, 'svc/Dockerfile').toString()).toBe(DOCKERFILE);
    expect(r.stderr).toContain('0 changed: applied 0 fixes');
  });

  test('a hard-linked Dockerfile is not split from its other name', async () => {
    const dir = repo();
    fs.linkSync(path.join(dir, 'svc/Dockerfile'), path.join(dir, 'Dockerfile.shared'));
    const r = await cli(['fix', 'svc/Dockerfile'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('svc/Dockerfile: not written: has 2 hard links');
    expect(fs.statSync(path.join(dir, 'svc/Dockerfile')).nlink).toBe(2);
    expect(read(dir, 'svc/Dockerfile').toString()).toBe(DOCKERFILE);
  });

  test('without git, the working directory is the bound', async () => {
    const outside = tmpdir('dfo-outside-');
    fs.writeFileSync(path.join(outside, 'Dockerfile'), DOCKERFILE);
    const dir = tmpdir('dfo-nogit-');
    fs.symlinkSync(path.join(outside, 'Dockerfile'), path.join(dir, 'Dockerfile'));
    const r = await cli(['fix', 'Dockerfile', '--no-dockerignore'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('outside the repository');
    expect(fs.readFileSync(path.join(outside, 'Dockerfile'), 'utf8')).toBe(DOCKERFILE);
  });
});

describe('4: a file changed on disk since it was read is not overwritten', () => {
  test('API: applyResult refuses, the later edit survives', async () => {
    const dir = repo();
    const file = path.join(dir, 'svc/Dockerfile');
    const r = await optimizeFile(file, { cwd: dir });
    expect(r.changed).toBe(true);
    fs.appendFileSync(file, 'LABEL added=later\n');
    expect(() => applyResult(r, { cwd: dir })).toThrow(WriteError);
    expect(() => applyResult(r, { cwd: dir })).toThrow(
      'svc/Dockerfile: changed on disk since it was read (run again)',
    );
    expect(fs.readFileSync(file, 'utf8')).toBe(DOCKERFILE + 'LABEL added=later\n');
    expect(read(dir, 'svc/.dockerignore').toString()).toBe('node_modules\n');
    expect(leftovers(dir)).toEqual([]);
  });

  test('same size and content rewritten with another mtime is still a change (size + mtime + hash)', async () => {
    const dir = repo();
    const file = path.join(dir, 'svc/.dockerignore');
    const r = await optimizeFile(path.join(dir, 'svc/Dockerfile'), { cwd: dir });
    fs.writeFileSync(file, 'node_module5\n');
    expect(() => applyResult(r, { cwd: dir })).toThrow('svc/.dockerignore: changed on disk');
    expect(fs.readFileSync(file, 'utf8')).toBe('node_module5\n');
  });

  test('CLI: a Dockerfile edited while the run goes on is skipped with a message; the others are written', async () => {
    const dir = repo({ 'web/Dockerfile': DOCKERFILE });
    // A transform that edits svc/Dockerfile on disk while web/Dockerfile is analysed (later).
    let meddled = 0;
    const meddler: Transform = {
      meta: {
        id: 'test-meddler',
        title: 'edits another file meanwhile',
        hadolint: [],
        applicability: 'safe',
        docs: { why: 'test', fixSafety: 'test' },
      },
      check(_model, ctx) {
        if (ctx.path.endsWith(`web${path.sep}Dockerfile`) && !meddled++)
          fs.appendFileSync(path.join(dir, 'svc/Dockerfile'), '# edited meanwhile\n');
        return [];
      },
    };
    const { transforms } = await import('../transforms/index.js');
    const r = await cli(['fix', 'svc', 'web', '--no-dockerignore'], dir, {
      transforms: [...transforms, meddler],
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'dockerfile-optimizer: svc/Dockerfile: not written: changed on disk since it was read (run again)',
    );
    expect(read(dir, 'svc/Dockerfile').toString()).toBe(DOCKERFILE + '# edited meanwhile\n');
    expect(read(dir, 'web/Dockerfile').toString()).toContain(FIXED_RUN);
    expect(r.stderr).toContain('2 files checked, 1 changed');
  });
});

describe('5: the write bit, owner and group are respected', () => {
  test('a read-only (0444) Dockerfile is not rewritten, even by root: exit 2 naming it', async () => {
    const dir = repo();
    const file = path.join(dir, 'svc/Dockerfile');
    fs.chmodSync(file, 0o444);
    const r = await cli(['fix', 'svc'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('svc/Dockerfile: not written: read-only file (no write permission)');
    expect(fs.readFileSync(file, 'utf8')).toBe(DOCKERFILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o444);
    expect(read(dir, 'svc/.dockerignore').toString()).toBe('node_modules\n');
  });

  asRoot(
    'run as root on files of another user: owner, group and mode kept; a new file gets its folder owner',
    async () => {
      const dir = repo();
      fs.rmSync(path.join(dir, 'svc/.dockerignore'));
      const file = path.join(dir, 'svc/Dockerfile');
      fs.chmodSync(file, 0o640);
      fs.chownSync(file, NOBODY, NOBODY);
      fs.chownSync(path.join(dir, 'svc'), 1234, 5678);
      const r = await cli(['fix', 'svc'], dir);
      expect(r.code).toBe(0);
      const st = fs.statSync(file);
      expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([NOBODY, NOBODY, 0o640]);
      expect(fs.readFileSync(file, 'utf8')).toContain(FIXED_RUN);
      const ign = fs.statSync(path.join(dir, 'svc/.dockerignore'));
      expect([ign.uid, ign.gid]).toEqual([1234, 5678]);
    },
  );

  asNobody(
    'as another user: a file it may not write is refused (exit 2), nothing of the unit written',
    () => {
      const dir = repo();
      openUp(dir);
      fs.chmodSync(path.join(dir, 'svc/Dockerfile'), 0o644); // root's, not writable by nobody
      const r = bin(['fix', 'svc'], dir, true);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('svc/Dockerfile: not written: permission denied (cannot write)');
      expect(read(dir, 'svc/Dockerfile').toString()).toBe(DOCKERFILE);
      expect(read(dir, 'svc/.dockerignore').toString()).toBe('node_modules\n');
      expect(leftovers(dir)).toEqual([]);
    },
  );

  asNobody(
    'as another user: a folder it may not write names the file and the cause, never a temp path',
    () => {
      const dir = repo();
      openUp(dir);
      fs.chmodSync(path.join(dir, 'svc'), 0o755);
      const r = bin(['fix', 'svc'], dir, true);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        'svc/Dockerfile: not written: cannot create a temporary file in its folder: permission denied (cannot write)',
      );
      expect(r.stderr).not.toMatch(/dfo-.*tmp/);
      expect(read(dir, 'svc/Dockerfile').toString()).toBe(DOCKERFILE);
    },
  );

  asNobody('as another user: its own files are written, owned by it, mode kept', () => {
    const dir = repo();
    openUp(dir);
    for (const f of ['svc', 'svc/Dockerfile', 'svc/.dockerignore'])
      fs.chownSync(path.join(dir, f), NOBODY, NOBODY);
    fs.chmodSync(path.join(dir, 'svc/Dockerfile'), 0o600);
    const r = bin(['fix', 'svc'], dir, true);
    expect(r.code).toBe(0);
    const st = fs.statSync(path.join(dir, 'svc/Dockerfile'));
    expect([st.uid, st.gid, st.mode & 0o777]).toEqual([NOBODY, NOBODY, 0o600]);
    expect(read(dir, 'svc/Dockerfile').toString()).toContain(FIXED_RUN);
  });
});

describe('6, 12: the files of one Dockerfile are written as a unit; errors name the file', () => {
  test('the ignore file cannot be written: the Dockerfile is put back, no temp file is left', async () => {
    const dir = repo();
    const file = path.join(dir, 'svc/Dockerfile');
    const r = await optimizeFile(file, { cwd: dir });
    // Replace the ignore file by a directory after the read: its rename must fail.
    const ign = path.join(dir, 'svc/.dockerignore');
    const snapshot = r.files.find((f) => f.absolutePath === ign)!;
    fs.rmSync(ign);
    fs.mkdirSync(ign);
    expect(snapshot).toBeDefined();
    expect(() => applyResult(r, { cwd: dir })).toThrow('svc/.dockerignore: is a directory');
    expect(fs.readFileSync(file, 'utf8')).toBe(DOCKERFILE);
    expect(leftovers(dir)).toEqual([]);
  });

  test('a rename that fails after another one succeeded: the first file is put back', async () => {
    const dir = repo();
    const file = path.join(dir, 'svc/Dockerfile');
    const ign = path.join(dir, 'svc/.dockerignore');
    const r = await optimizeFile(file, { cwd: dir });
    const inode = fs.statSync(file).ino;
    expect(r.files.map((f) => f.absolutePath)).toEqual([file, ign]);
    expect(() =>
      writeUnit(r.files, { cwd: dir }, (i) => {
        // After the Dockerfile is renamed, make the ignore file's rename fail.
        if (i === 1) {
          fs.rmSync(ign);
          fs.mkdirSync(ign);
          fs.writeFileSync(path.join(ign, 'keep'), 'x');
        }
      }),
    ).toThrow(/^svc\/\.dockerignore: /);
    expect(fs.readFileSync(file, 'utf8')).toBe(DOCKERFILE);
    expect(fs.statSync(file).ino).toBe(inode);
    expect(leftovers(dir)).toEqual([]);
  });

  test('SIGINT to a real child mid-run: exit 130, no temp files, each Dockerfile all or nothing', async () => {
    const dir = repo();
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const n of names) {
      fs.mkdirSync(path.join(dir, n));
      for (const f of ['Dockerfile', '.env', 'app.py', '.dockerignore'])
        fs.copyFileSync(path.join(dir, 'svc', f), path.join(dir, n, f));
    }
    fs.rmSync(path.join(dir, 'svc'), { recursive: true });
    const child = spawn('node', [BIN, 'fix', ...names], {
      cwd: dir,
      env: { PATH: process.env.PATH!, DFO_TEST_WRITE_PAUSE_MS: '400' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const done = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    // Wait until the first Dockerfile is written, then interrupt.
    const first = path.join(dir, 'a/Dockerfile');
    for (let i = 0; i < 600 && fs.readFileSync(first, 'utf8') === DOCKERFILE; i++)
      await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const code = await done;
    expect(code).toBe(130);
    expect(stderr).toContain('interrupted (SIGINT)');
    expect(leftovers(dir)).toEqual([]);
    let written = 0;
    for (const n of names) {
      const df = fs.readFileSync(path.join(dir, n, 'Dockerfile'), 'utf8');
      const ig = fs.readFileSync(path.join(dir, n, '.dockerignore'), 'utf8');
      const changed = [df !== DOCKERFILE, ig !== 'node_modules\n'];
      expect(changed[0]).toBe(changed[1]);
      if (changed[0]) written++;
      else expect(stderr).toContain(`${n}/Dockerfile: not written: interrupted (SIGINT)`);
    }
    expect(written).toBeGreaterThanOrEqual(1);
    expect(written).toBeLessThan(names.length);
  }, 60_000);
});

describe('7: input size', () => {
  test('a Dockerfile over the limit is one error naming the limit', async () => {
    const dir = tmpdir('dfo-big-');
    const line = 'RUN echo 0123456789012345678901234567890123456789\n';
    fs.writeFileSync(
      path.join(dir, 'Dockerfile'),
      'FROM debian\n' + line.repeat(Math.ceil(MAX_INPUT_BYTES / line.length) + 1),
    );
    const r = await cli(['fix', 'Dockerfile'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^dockerfile-optimizer: Dockerfile: file too large: 1\.0 MiB \(the limit is 1\.0 MiB\)\n$/,
    );
  });
});

describe('8: the build context is bounded', () => {
  test('--context outside the repository and the working directory needs --allow-outside-context', async () => {
    const dir = repo();
    const outside = tmpdir('dfo-ctx-');
    const r = await cli(['fix', '--dry-run', '--context', outside, 'svc/Dockerfile'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is outside the repository');
    expect(r.stderr).toContain('--allow-outside-context');
    const root = await cli(['fix', '--dry-run', '--context', '/', 'svc/Dockerfile'], dir);
    expect(root.code).toBe(2);
    const verify = await cli(['verify', '--context', '/', 'svc/Dockerfile'], dir);
    expect(verify.code).toBe(2);
    expect(verify.stderr).toContain('--allow-outside-context');
    const ok = await cli(
      ['fix', '--dry-run', '--allow-outside-context', '--context', outside, 'svc/Dockerfile'],
      dir,
    );
    expect(ok.code).toBe(1);
    const inside = await cli(['fix', '--dry-run', '--context', 'svc', 'svc/Dockerfile'], dir);
    expect(inside.code).toBe(1);
  });

  test('a scan that stops at its bound says so', async () => {
    const dir = tmpdir('dfo-scan-');
    for (let i = 0; i < 30; i++)
      fs.writeFileSync(path.join(dir, `f${String(i).padStart(2, '0')}`), 'x');
    fs.writeFileSync(path.join(dir, 'zz.env'), 'SECRET=1\n');
    const r = await optimize('FROM debian\nCOPY . /app\n', {
      path: path.join(dir, 'Dockerfile'),
      context: new DiskContext(dir, path.join(dir, 'Dockerfile'), 10),
    });
    expect(r.skipped).toContainEqual(
      expect.objectContaining({
        ruleId: 'context/scan-limit',
        reason: expect.stringContaining('more than 10 entries: the scan stopped there'),
      }),
    );
    const full = await optimize('FROM debian\nCOPY . /app\n', {
      path: path.join(dir, 'Dockerfile'),
      context: dir,
    });
    expect(full.skipped.map((s) => s.ruleId)).not.toContain('context/scan-limit');
  });
});

describe('9: explain --edit and --build-arg take one value each', () => {
  test('the positional Dockerfile after --edit / --build-arg is not swallowed', async () => {
    const dir = repo({
      'other/Dockerfile': 'FROM python:3.12\nARG V\nCOPY app.py .\nRUN python app.py\n',
      'other/app.py': 'print(2)\n',
    });
    const r = await cli(
      ['explain', '--edit', 'app.py', '--build-arg', 'V=1', '--format', 'json', 'other'],
      dir,
    );
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(JSON.stringify(doc)).toContain('other/Dockerfile');
    const rep = await cli(
      ['explain', '--edit', 'app.py', '--edit', 'other/app.py', '--format', 'json', 'other'],
      dir,
    );
    expect(rep.code).toBe(0);
  });
});

describe('10: documentation and templates are not Dockerfiles when discovering', () => {
  test('docs/Dockerfile.md and templates/Dockerfile.j2 are skipped; named explicitly they are read', async () => {
    const dir = repo({
      'docs/Dockerfile.md': '# How to write a Dockerfile\n\nUse `FROM`.\n',
      'templates/Dockerfile.j2': 'FROM {{ base }}\n{% for p in pkgs %}RUN x{% endfor %}\n',
      'templates/Dockerfile.tmpl': 'FROM {{ .Base }}\n',
    });
    const r = await cli(['fix', '--dry-run', '.'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('Dockerfile.md');
    expect(r.stderr).not.toContain('Dockerfile.j2');
    expect(r.stderr).toContain('1 file checked');
    const named = await cli(['fix', '--dry-run', 'templates/Dockerfile.j2'], dir);
    expect(named.code).toBe(2);
    expect(named.stderr).toContain('templates/Dockerfile.j2');
  });
});

describe('10: the pre-commit hooks pick the same files as discovery', () => {
  const NAMES = [
    'Dockerfile',
    'svc/Dockerfile',
    'Dockerfile.prod',
    'api.Dockerfile',
    'x/api.dockerfile',
    'Containerfile',
    'Containerfile.dev',
    'docs/Dockerfile.md',
    'templates/Dockerfile.j2',
    'Dockerfile.tmpl',
    'Dockerfile.TPL',
    'Dockerfile.jinja2',
    'Dockerfile.in',
    'Dockerfile.orig',
    'Dockerfile~',
    'Dockerfile.dockerignore',
    'api.Dockerfile.dockerignore',
    '.dockerignore',
    'README.md',
    'main.go',
  ];
  const hooks = fs.readFileSync(path.join(ROOT, '.pre-commit-hooks.yaml'), 'utf8');
  const values = (key: string) =>
    [...hooks.matchAll(new RegExp(`^  ${key}: (.*)$`, 'gm'))].map((m) => m[1]!);

  test('files: and exclude: (pre-commit uses Python re.search) agree with isDockerfileName', () => {
    const files = values('files');
    const excludes = values('exclude');
    expect(files).toHaveLength(2);
    expect(excludes).toHaveLength(2);
    for (const [i, f] of files.entries()) {
      const inc = new RegExp(f);
      const exc = new RegExp(excludes[i]!.replace(/^\(\?i\)/, ''), 'i');
      for (const name of NAMES)
        expect([name, inc.test(name) && !exc.test(name)]).toEqual([
          name,
          isDockerfileName(path.posix.basename(name)),
        ]);
    }
  });

  const py = spawnSync('python3', ['--version']).status === 0 ? test : test.skip;
  py('the same with Python re', () => {
    const script = [
      'import re, json, sys',
      'd = json.load(sys.stdin)',
      "print(json.dumps([bool(re.search(d['f'], n)) and not re.search(d['x'], n) for n in d['names']]))",
    ].join('\n');
    const r = spawnSync('python3', ['-c', script], {
      input: JSON.stringify({ f: values('files')[0], x: values('exclude')[0], names: NAMES }),
      encoding: 'utf8',
    });
    expect(JSON.parse(r.stdout)).toEqual(
      NAMES.map((n) => isDockerfileName(path.posix.basename(n))),
    );
  });
});

describe('11: stdin with --context', () => {
  test('the .dockerignore fix is said not to be written, and is not', async () => {
    const dir = repo();
    fs.rmSync(path.join(dir, 'svc/.dockerignore'));
    const r = await cli(['fix', '--context', 'svc', '-'], dir, {
      io: { readStdin: async () => DOCKERFILE },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(FIXED_RUN);
    expect(r.stderr).toContain(
      'note: svc/.dockerignore is not written when the Dockerfile comes from stdin',
    );
    expect(fs.existsSync(path.join(dir, 'svc/.dockerignore'))).toBe(false);
  });

  test('also when only the .dockerignore changes', async () => {
    const dir = repo();
    fs.rmSync(path.join(dir, 'svc/.dockerignore'));
    const clean = 'FROM debian:bookworm\nCOPY . /app\n';
    const r = await cli(['fix', '--context', 'svc', '-'], dir, {
      io: { readStdin: async () => clean },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(clean);
    expect(r.stderr).toContain('note: svc/.dockerignore is not written');
    expect(fs.existsSync(path.join(dir, 'svc/.dockerignore'))).toBe(false);
  });
});

describe('13: fix --verify says what was written', () => {
  test('a refused fix is not counted as applied', async () => {
    const dir = repo();
    const r = await cli(['fix', '--verify', '--docker', '/nonexistent/docker', 'svc'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the fix was NOT written');
    expect(r.stderr).toContain('1 file checked, 0 changed: applied 0 fixes');
    expect(r.stderr).not.toMatch(/package-hygiene\/apt-list-cleanup/);
    expect(read(dir, 'svc/Dockerfile').toString()).toBe(DOCKERFILE);
  });
});

describe('14: paths in messages', () => {
  test('a newline in a path is escaped: one line per message', async () => {
    const dir = tmpdir('dfo-nl-');
    fs.mkdirSync(path.join(dir, 'a\nb'));
    fs.writeFileSync(path.join(dir, 'a\nb/Dockerfile'), 'not a dockerfile\n');
    const r = await cli(['fix', '.'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('a\\nb/Dockerfile: ');
  });

  test('a very deep path is shortened and ENAMETOOLONG is one short line', async () => {
    const dir = tmpdir('dfo-deep-');
    const deep = Array.from({ length: 1500 }, () => 'd').join('/');
    const r = await cli(['fix', path.join(deep, 'Dockerfile')], dir);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.length).toBeLessThan(300);
    expect(r.stderr).toContain('…');
    expect(showPath('x'.repeat(1000)).length).toBeLessThanOrEqual(160);
    expect(showPath('a\u0007b')).toBe('a\\x07b');
  });
});

describe('15: the BOM', () => {
  test('a UTF-8 BOM stays on line 1 when a fix applies', async () => {
    const dir = repo({ 'svc/Dockerfile': '\uFEFF' + DOCKERFILE });
    const r = await cli(['fix', 'svc'], dir);
    expect(r.code).toBe(0);
    const out = read(dir, 'svc/Dockerfile');
    expect([...out.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(out.toString()).toContain(FIXED_RUN);
  });
});

describe('15: the cache note when a copied folder cannot be read', () => {
  // The reproducer of "re-runs 3 steps (was 2)": src/ (all the code) is mode 000 for the user
  // running the tool, so the only source file left to pick was base.txt, which
  // requirements.txt includes and the fix copies before the install.
  asNobody(
    'fix --dry-run as another user: "not estimated", never a count from the files it saw',
    () => {
      const dir = tmpdir('dfo-files-');
      const df =
        'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nCMD ["python", "-m", "src"]\n';
      for (const [rel, content] of Object.entries({
        Dockerfile: df,
        'requirements.txt': '-r base.txt\n',
        'base.txt': 'flask\n',
        'src/__main__.py': 'print(1)\n',
      })) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), content);
      }
      openUp(dir);
      fs.chmodSync(path.join(dir, 'src'), 0o000);
      const r = bin(['fix', '--dry-run', 'Dockerfile'], dir, true);
      const e = bin(['explain', 'Dockerfile'], dir, true);
      fs.chmodSync(path.join(dir, 'src'), 0o755);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('+COPY requirements.txt base.txt ./\n');
      expect(r.stderr).toContain('Dockerfile: cache: not estimated: src/ cannot be read\n');
      expect(r.stderr).not.toMatch(/cache: a source edit re-runs/);
      expect(e.code).toBe(0);
      expect(e.stdout).toContain('src/ cannot be read: the files in it are unknown');
      expect(e.stdout).toContain('cache: not estimated: src/ cannot be read\n');
      // Readable (and as root): the real source edit, src/__main__.py.
      const ok = bin(['fix', '--dry-run', 'Dockerfile'], dir, true);
      expect(ok.stderr).toContain(
        'Dockerfile: cache: a source edit re-runs 1 step (was 2, incl. pip install)\n',
      );
    },
  );
});

describe('15: the cache note and explain read the ignore file as fix reads it', () => {
  // .dockerignore -> shared/common (a real symbolic link): the fix applies its patterns, but the
  // cache line's and explain's own context did not follow the link and took it as absent, so
  // "a source edit" was a_test.py (excluded all along) and the line said "re-runs 0 steps".
  const DF =
    'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nCMD ["python", "main.py"]\n';
  function linked(): string {
    const dir = tmpdir('dfo-files-');
    fs.mkdirSync(path.join(dir, '.git'));
    fs.mkdirSync(path.join(dir, 'shared'));
    for (const [rel, content] of Object.entries({
      Dockerfile: DF,
      'requirements.txt': 'flask\n',
      'main.py': 'print(1)\n',
      'a_test.py': 'print(2)\n',
      'shared/common': '*_test.py\n',
      '.env': 'SECRET_KEY=8f2c1e9a7b4d0c3e\n',
    }))
      fs.writeFileSync(path.join(dir, rel), content);
    fs.symlinkSync('shared/common', path.join(dir, '.dockerignore'));
    return dir;
  }

  test('a linked .dockerignore: fix --dry-run, explain, the language server', async () => {
    const dir = linked();
    const r = bin(['fix', '--dry-run', 'Dockerfile'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(' *_test.py\n+\n');
    expect(r.stderr).toContain(
      'Dockerfile: cache: a source edit re-runs 1 step (was 2, incl. pip install)\n',
    );
    const e = bin(['explain', 'Dockerfile'], dir);
    expect(e.code).toBe(0);
    expect(e.stdout).toContain('editing main.py re-runs 2 of 4 steps:\n');
    expect(e.stdout).not.toContain('a_test.py');
    // The language server's fix keeps the linked file's patterns (it generated a new file).
    const { analyse } = await import('../src/lsp/analysis.js');
    const a = await analyse(path.join(dir, 'Dockerfile'), DF);
    const ignore = a.result.files.find((f) => f.path === '.dockerignore')!;
    expect(ignore.before).toBe('*_test.py\n');
    expect(ignore.after.startsWith('*_test.py\n')).toBe(true);
    expect(fs.lstatSync(path.join(dir, '.dockerignore')).isSymbolicLink()).toBe(true);
  });

  asNobody('explain --no-after with an unreadable .dockerignore: exit 2 naming it', () => {
    const dir = linked();
    fs.unlinkSync(path.join(dir, '.dockerignore'));
    fs.writeFileSync(path.join(dir, '.dockerignore'), '*_test.py\n');
    openUp(dir);
    fs.chmodSync(path.join(dir, '.dockerignore'), 0o000);
    const e = bin(['explain', '--no-after', 'Dockerfile'], dir, true);
    fs.chmodSync(path.join(dir, '.dockerignore'), 0o644);
    expect(e.code).toBe(2);
    expect(e.stderr).toBe(
      'dockerfile-optimizer: Dockerfile: .dockerignore: permission denied (cannot read)\n',
    );
    expect(e.stdout).toBe('');
  });
});

describe('16: --version', () => {
  test('--version and -v print the package version', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    for (const flag of ['--version', '-v']) {
      const r = bin([flag], ROOT);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${pkg.version}\n`);
    }
  });
});
