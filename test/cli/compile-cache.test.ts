/**
 * The code cache of the CLI's bundle on Node 20 (bin/dockerfile-optimizer.js; Node 22+ uses
 * Node's own compile cache instead): written by a first run, given to V8 by the next ones, and
 * never trusted blindly: a corrupt file is rejected by V8's checksum, a file of another build of
 * the bundle or not a cache file at all is not given to V8; both are replaced. A folder the
 * cache cannot use changes nothing. Every run prints what it would without the cache.
 */
import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { removeTmpdirs, tmpdir } from '../helpers.js';
import { BUNDLE, runBinWithPreload } from '../support/loaded.js';

afterAll(removeTmpdirs);

// Reports, at exit, whether the bundle was compiled with cached data and whether V8 rejected it.
const SPY = `
import vm from 'node:vm';
const Script = vm.Script;
vm.Script = class extends Script {
  constructor(source, options) {
    super(source, options);
    if (options?.filename?.endsWith('cli.cjs'))
      process.on('exit', () => process.stderr.write('CACHE ' + (options.cachedData ? (this.cachedDataRejected ? 'rejected' : 'used') : 'none') + '\\n'));
  }
};`;

const HEADER = fs.readFileSync(BUNDLE, 'latin1').split('\n', 1)[0]!;

function small(): string {
  const dir = fs.realpathSync(tmpdir('dfo-cache-'));
  fs.writeFileSync(
    path.join(dir, 'Dockerfile'),
    'FROM debian:bookworm\nRUN apt-get update\nRUN apt-get install -y curl\n',
  );
  return dir;
}

const cwd = small();

function run(args: string[], env: Record<string, string | undefined>) {
  const r = runBinWithPreload(SPY, args, cwd, { ...process.env, NO_COLOR: '1', ...env });
  const cache = /^CACHE (\w+)$/m.exec(r.stderr)?.[1];
  return {
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr.replace(/^CACHE \w+\n/m, ''),
    cache,
  };
}

const FIX = ['fix', '--dry-run', 'Dockerfile'];
const plain = run(FIX, { DFO_DISABLE_COMPILE_CACHE: '1' });

/** The cache files of a folder, by command. */
function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const m = /^[0-9a-f]{8}-(\w+)-v[\d.]+-\w+\.bin$/.exec(f);
    if (m) out[m[1]!] = path.join(dir, f);
  }
  return out;
}

/** The bundle modules a cache file says it covers (its second line). */
const covered = (file: string) => fs.readFileSync(file, 'latin1').split('\n')[1]!.split('\t');

const ownCache = !('enableCompileCache' in Module);

(ownCache ? describe : describe.skip)('the code cache (Node 20)', () => {
  test('a first run writes it, the next runs use it and leave it, the output is the same', () => {
    expect(plain.status).toBe(1);
    expect(plain.stdout).toContain('rm -rf /var/lib/apt/lists/*');
    const dir = tmpdir('dfo-cc-');
    const env = { DFO_COMPILE_CACHE: dir };
    const first = run(FIX, env);
    expect(first.cache).toBe('none');
    expect({ ...first, cache: undefined }).toEqual({ ...plain, cache: undefined });
    const file = files(dir).fix!;
    expect(fs.readFileSync(file, 'latin1').startsWith(`${HEADER}\n`)).toBe(true);
    expect(covered(file)).toContain('dist/src/cli/fix.js');
    const written = fs.statSync(file).mtimeMs;
    for (let i = 0; i < 2; i++) {
      const next = run(FIX, env);
      expect(next.cache).toBe('used');
      expect({ ...next, cache: undefined }).toEqual({ ...plain, cache: undefined });
    }
    expect(fs.statSync(file).mtimeMs).toBe(written);
    // other commands have files of their own
    expect(run(['--version'], env).cache).toBe('none');
    expect(Object.keys(files(dir)).sort()).toEqual(['fast', 'fix']);
    expect(run(['--version'], env).cache).toBe('used');
  });

  test('a run that uses more of the bundle than the cache covers rewrites it with both', () => {
    const dir = tmpdir('dfo-cc-');
    const env = { DFO_COMPILE_CACHE: dir };
    expect(run(['fix', '--help'], env).cache).toBe('none');
    const file = files(dir).fix!;
    const before = covered(file);
    expect(before).not.toContain('dist/src/cli/fix.js');
    expect(run(FIX, env).cache).toBe('used');
    const after = covered(file);
    expect(after).toContain('dist/src/cli/fix.js');
    expect(after).toEqual(expect.arrayContaining(before));
    const written = fs.statSync(file).mtimeMs;
    expect(run(['fix', '--help'], env).cache).toBe('used');
    expect(run(FIX, env).cache).toBe('used');
    expect(fs.statSync(file).mtimeMs).toBe(written);
  });

  test.each([
    [
      'corrupt (bytes of its V8 data changed)',
      (b: Buffer) => {
        const data = b.indexOf(10, b.indexOf(10) + 1) + 1;
        for (let i = data + 64; i < b.length; i += 4099) b[i] ^= 0x5a;
        return b;
      },
      'rejected',
    ],
    ['truncated', (b: Buffer) => b.subarray(0, b.length >> 1), 'rejected'],
    [
      'of another build of the bundle',
      (b: Buffer) =>
        Buffer.concat([Buffer.from(`${HEADER.slice(0, -4)}abcd`), b.subarray(b.indexOf(10))]),
      'none',
    ],
    ['not a cache file', () => Buffer.from('garbage'), 'none'],
    ['empty', () => Buffer.alloc(0), 'none'],
  ])('a cache file %s is not used, and is replaced', (_what, spoil, seen) => {
    const dir = tmpdir('dfo-cc-');
    const env = { DFO_COMPILE_CACHE: dir };
    run(FIX, env);
    const file = files(dir).fix!;
    const good = fs.readFileSync(file);
    fs.writeFileSync(file, spoil(Buffer.from(good)));
    const r = run(FIX, env);
    expect(r.cache).toBe(seen);
    expect({ ...r, cache: undefined }).toEqual({ ...plain, cache: undefined });
    expect(fs.readFileSync(file, 'latin1').startsWith(`${HEADER}\n`)).toBe(true);
    expect(run(FIX, env).cache).toBe('used');
  });

  test('the default folder is <tmpdir>/dockerfile-optimizer-compile-cache-<uid>, only its user can write to it', () => {
    const tmp = tmpdir('dfo-cc-tmp-');
    run(FIX, { TMPDIR: tmp, DFO_COMPILE_CACHE: undefined });
    const uid = process.getuid?.();
    const dir = path.join(
      tmp,
      `dockerfile-optimizer-compile-cache${uid === undefined ? '' : `-${uid}`}`,
    );
    expect(Object.keys(files(dir))).toEqual(['fix']);
    if (uid !== undefined) expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(run(FIX, { TMPDIR: tmp, DFO_COMPILE_CACHE: undefined }).cache).toBe('used');
  });

  test('turned off, or a folder it cannot use: the run is the same and prints nothing more', () => {
    const off = tmpdir('dfo-cc-');
    for (const env of [
      { DFO_COMPILE_CACHE: off, DFO_DISABLE_COMPILE_CACHE: '1' },
      { DFO_COMPILE_CACHE: off, NODE_DISABLE_COMPILE_CACHE: '1' },
    ]) {
      const r = run(FIX, env);
      expect(r).toEqual(plain);
    }
    expect(fs.readdirSync(off)).toEqual([]);
    // a path under a file: no folder can be made there
    const file = path.join(tmpdir('dfo-cc-'), 'file');
    fs.writeFileSync(file, '');
    expect(run(FIX, { DFO_COMPILE_CACHE: path.join(file, 'cache') })).toEqual(plain);
    // a folder others can write to: neither read nor written
    if (process.getuid) {
      const open = tmpdir('dfo-cc-');
      fs.chmodSync(open, 0o777);
      expect(run(FIX, { DFO_COMPILE_CACHE: open })).toEqual(plain);
      expect(fs.readdirSync(open)).toEqual([]);
      run(FIX, { DFO_COMPILE_CACHE: path.join(open, 'sub') });
      const good = files(path.join(open, 'sub')).fix!;
      fs.copyFileSync(good, path.join(open, path.basename(good)));
      expect(run(FIX, { DFO_COMPILE_CACHE: open })).toEqual(plain);
    }
  });
});
