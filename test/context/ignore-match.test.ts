/**
 * The compiled `.dockerignore` matcher (src/context/ignore-match.ts) against its oracle,
 * @balena/dockerignore (`ignorecase: false`), on generated pattern sets and paths (fixed seed)
 * and on a hand list of tricky cases: every verdict, and every error, must be the same.
 */
import { describe, expect, jest, test } from '@jest/globals';
import { posix } from 'node:path';
import { createRequire } from 'node:module';
import { compileIgnore } from '../../src/context/ignore-match.js';
import { matcher, parsePatterns } from '../../src/context/ignore.js';
import { mulberry32 } from '../support/random.js';

const dockerignore = createRequire(import.meta.url)('@balena/dockerignore') as (options?: {
  ignorecase?: boolean;
}) => import('@balena/dockerignore').Ignore;

type Verdict = boolean | string;

/** A verdict, or the message of the error it threw. */
function verdictOf(f: (p: string) => boolean, p: string): Verdict {
  try {
    return f(p);
  } catch (e) {
    return `throws ${(e as Error).message}`;
  }
}

/** The cases where the two disagree: [patterns, path, ours, oracle]. */
function disagreements(sets: string[][], paths: string[]): [string[], string, Verdict, Verdict][] {
  const out: [string[], string, Verdict, Verdict][] = [];
  for (const patterns of sets) {
    const ours = compileIgnore(patterns);
    const ig = dockerignore({ ignorecase: false }).add(patterns);
    const oracle = (p: string) => ig.ignores(p);
    for (const p of paths) {
      const a = verdictOf(ours, p);
      const b = verdictOf(oracle, p);
      if (a !== b) out.push([patterns, p, a, b]);
    }
  }
  return out;
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

/** Pattern segments: names the paths use too, globs, escapes, regexp characters, dots. */
const PATTERN_SEGMENTS = [
  'a',
  'b',
  'ab',
  'c.md',
  '.git',
  'node_modules',
  'x.y',
  'bin',
  '.',
  '..',
  '',
  '*',
  '**',
  '?',
  '*.md',
  'a*',
  '*b',
  'a?',
  '?b',
  'a**',
  '**b',
  '[ab]',
  '[!a]',
  '[^a]',
  '[a-c]*',
  '\\*',
  '\\a',
  'a\\',
  '\\.',
  'a$',
  '$',
  'a+',
  '(a|b)',
  'a{2}',
  'x.*',
  '.*',
  ' a',
  'a ',
  '#a',
  '!a',
  'ä',
  '[',
];
/** Path segments: the same names, dots, odd characters and a line terminator now and then. */
const PATH_SEGMENTS = [
  'a',
  'b',
  'ab',
  'aa',
  'ba',
  'c.md',
  'd.md',
  '.git',
  'node_modules',
  'x.y',
  'xay',
  'bin',
  '.',
  '..',
  '',
  '*',
  '?',
  'a+',
  'a$',
  '$',
  '(a|b)',
  'a|b',
  'ä',
  ' a',
  'a\nb',
  '\r',
  'x.',
  '.x',
];
const ROOT_NAMES = [
  'constructor',
  'toString',
  '__proto__',
  'hasOwnProperty',
  'valueOf',
  'a/constructor',
];

function randomPattern(r: () => number): string {
  const x = r();
  if (x < 0.04)
    return pick(r, ['', ' ', '\t', '#', '# comment', '!', '! ', '/', './', '!/', '**', '!**']);
  let p = pick(r, ['', '', '', '', '', '/', './', '../', '../../', '**/', '/**/']);
  const depth = 1 + Math.floor(r() * 4);
  const segs: string[] = [];
  for (let i = 0; i < depth; i++) segs.push(pick(r, PATTERN_SEGMENTS));
  p += segs.join('/');
  if (r() < 0.15) p += '/';
  if (r() < 0.08) p += pick(r, ['/**', '/*', '//', '/.']);
  if (r() < 0.25) p = (r() < 0.8 ? '!' : '! ') + p;
  if (r() < 0.08) p = pick(r, [' ', '\t']) + p;
  if (r() < 0.08) p += pick(r, [' ', '\t']);
  return p;
}

function randomPath(r: () => number): string {
  const x = r();
  if (x < 0.02) return pick(r, ['', '.', '/', './', '..', ...ROOT_NAMES]);
  const depth = Math.floor(r() * 7); // 0-6 separators: 1-7 segments
  const segs: string[] = [];
  for (let i = 0; i <= depth; i++) {
    // Mostly plain names, so that whole paths (not only odd ones) are compared.
    segs.push(r() < 0.75 ? pick(r, PATH_SEGMENTS.slice(0, 12)) : pick(r, PATH_SEGMENTS));
  }
  let p = segs.join('/');
  if (r() < 0.05) p = pick(r, ['/', './', '../']) + p;
  if (r() < 0.05) p += '/';
  return p;
}

describe('compileIgnore agrees with @balena/dockerignore', () => {
  test('generated pattern sets and paths (fixed seed)', () => {
    const r = mulberry32(0x18_1ee);
    const sets: string[][] = [];
    for (let i = 0; i < 1500; i++) {
      const n = 1 + Math.floor(r() * 6);
      const set: string[] = [];
      for (let j = 0; j < n; j++) set.push(randomPattern(r));
      sets.push(set);
    }
    // The same paths for every set; each set also gets paths built from its own patterns.
    const paths: string[] = [];
    for (let i = 0; i < 60; i++) paths.push(randomPath(r));
    expect(disagreements(sets, paths)).toEqual([]);
    const own: [string[], string[]][] = sets.map((set) => {
      const ps: string[] = [];
      for (const pat of set) {
        const body = pat.trim().replace(/^!\s*/, '').replace(/^\/+/, '');
        const filled = body.replace(/\*\*/g, 'q/r').replace(/\*/g, 'zz').replace(/\?/g, 'w');
        ps.push(body, filled, `${filled}/x`, `p/${filled}`, `p/q/${filled}/x/y`, `${body}/c.md`);
      }
      return [set, ps];
    });
    for (const [set, ps] of own) expect(disagreements([set], ps)).toEqual([]);
    // Enough cases to mean something, and both verdicts represented.
    let ignored = 0;
    let kept = 0;
    for (const set of sets.slice(0, 300)) {
      const m = compileIgnore(set);
      for (const p of paths) {
        try {
          if (m(p)) ignored++;
          else kept++;
        } catch {
          // counted by the comparison above
        }
      }
    }
    expect(ignored).toBeGreaterThan(1000);
    expect(kept).toBeGreaterThan(1000);
  });

  test('hand-picked cases', () => {
    const sets: string[][] = [
      ['node_modules'],
      ['node_modules/'],
      ['/node_modules'],
      ['./node_modules'],
      ['**/node_modules'],
      ['**/node_modules/'],
      ['**/node_modules/**'],
      ['node_modules/**'],
      ['**'],
      ['*'],
      ['*/'],
      ['*/*'],
      ['**/*'],
      ['**/*.md', '!README.md'],
      ['*.md', '!**/README.md'],
      ['*', '!src', '!src/**'],
      ['*', '!*/'],
      ['docs', '!docs/keep.md'],
      ['docs/**', '!docs/keep.md'],
      ['!docs/keep.md', 'docs'],
      ['a/**/b'],
      ['a/**/b/**/c'],
      ['**/a/**/b'],
      ['a/**'],
      ['a/**/'],
      ['**/a/'],
      ['a/*/c'],
      ['a/?/c'],
      ['?'],
      ['??'],
      ['[ab]'],
      ['[!a]*'],
      ['[^a]*'],
      ['[a-c]/x'],
      ['\\*'],
      ['\\[a\\]'],
      ['a\\'],
      ['\\'],
      ['a.b'],
      ['a$'],
      ['$HOME'],
      ['a+'],
      ['(a|b)'],
      ['a|b'],
      ['a{2}'],
      ['.'],
      ['..'],
      ['../a'],
      ['!../../a'],
      ['!../a'],
      ['a/../b'],
      ['./a/./b/'],
      ['/'],
      ['//'],
      ['!/'],
      ['!'],
      ['! a'],
      ['!  a/'],
      [' a '],
      ['\ta'],
      ['#a'],
      [' #a'],
      ['a #b'],
      ['.git', '.github', '.gitignore', 'vendor/*', 'storage/framework/cache/*', 'node_modules'],
      ['**/bin/', '**/obj/', '**/.vs', '**/*.user', '!**/bin/keep'],
      ['.env*', '!.env.example'],
      ['['],
      ['a', '['],
      ['a(', 'b'],
      [''],
      ['', '  '],
      ['**/a.b', '**/x/y'],
      ['**/x/y/'],
    ];
    const paths = [
      '',
      '.',
      '..',
      '/',
      './',
      'a',
      'a/',
      '/a',
      './a',
      'a/.',
      'a/..',
      'a//b',
      'a/./b',
      'a/../b',
      '../a',
      'b',
      'aa',
      'ab',
      'a/b',
      'a/b/c',
      'a/x/b',
      'a/x/y/b',
      'a/b/c/d',
      'x/a/b',
      'x/a/y/b',
      'a/b/x/c',
      'a.b',
      'axb',
      'x/a.b',
      'a$',
      'aa+',
      'a+',
      'aa',
      'a|b',
      '(a|b)',
      '*',
      '[a]',
      '\\',
      'a\\',
      'node_modules',
      'node_modules/x',
      'node_modules/x/y',
      'x/node_modules',
      'x/node_modules/y',
      'src',
      'src/a',
      'src/a/b',
      'docs',
      'docs/keep.md',
      'docs/x.md',
      'README.md',
      'x/README.md',
      'y.md',
      'x/y.md',
      '.git',
      '.git/HEAD',
      '.github/workflows/ci.yml',
      '.gitignore',
      'vendor',
      'vendor/x',
      'vendor/x/y',
      'storage/framework/cache/data/1',
      '.env',
      '.env.local',
      '.env.example',
      'bin',
      'bin/keep',
      'x/bin/keep',
      'x/bin/other',
      'obj/a',
      'p.user',
      'q/p.user',
      'x/y',
      'z/x/y',
      'z/x/y/w',
      'z/xx/y',
      'a.b/c',
      'x\n/a.b',
      'a\nb',
      'x\ny/bin',
      'q\n/x/y',
      'a\n/b',
      'a\u2028/b',
      'ä/a',
      '#a',
      'a #b',
      ' a',
      'a ',
      'constructor',
      'toString',
      '__proto__',
      'hasOwnProperty',
      'x/constructor',
      'a/constructor',
      // Longer than the scratch space the matcher starts with.
      'a/'.repeat(40) + 'b',
      'x/'.repeat(50) + 'a/b',
      `${'n'.repeat(150)}/bin/a.b`,
      `x/${'a'.repeat(200)}`,
    ];
    expect(disagreements(sets, paths)).toEqual([]);
  });

  test('patterns that cleaning leaves as they are skip normalize; every other one is cleaned as balena cleans it', () => {
    // Every pattern of up to 5 of `a`, `.`, `/`, `*` (empty, `.` and `..` segments, doubled,
    // leading and trailing slashes), with and without `!`, against the oracle.
    const pats: string[] = [];
    const grow = (s: string) => {
      if (s) pats.push(s, `!${s}`);
      if (s.length < 5) for (const c of ['a', '.', '/', '*']) grow(s + c);
    };
    grow('');
    const paths = ['a', 'a/a', '.a', 'a/.a', 'a.a', 'aa/a', 'a/a/a', '..', 'x'];
    expect(
      disagreements(
        pats.map((p) => [p]),
        paths,
      ),
    ).toEqual([]);
    const normalize = jest.spyOn(posix, 'normalize');
    try {
      compileIgnore(['node_modules', '/app/*.md', '**/bin', '.git', 'a/.env', '!keep/..x']);
      expect(normalize).not.toHaveBeenCalled();
      for (const odd of ['a/', 'a//b', './a', 'a/./b', 'a/..', '..', '.', '/a/', '!a/']) {
        compileIgnore([odd]);
        expect(normalize).toHaveBeenCalled();
        normalize.mockClear();
      }
    } finally {
      normalize.mockRestore();
    }
  });

  test("balena's quirks are kept", () => {
    const m = compileIgnore(['*']);
    expect(m('a')).toBe(true);
    expect(m('')).toBe(true); // the empty path
    expect(m('constructor')).toBe(false); // balena's verdict cache is a plain object
    expect(m('__proto__')).toBe(false);
    expect(compileIgnore(['a+'])('aaa')).toBe(true); // regexp characters keep their meaning
    expect(compileIgnore(['**/bin'])('x\ny/bin')).toBe(false); // `.` stops at a line terminator
    expect(compileIgnore(['!../../a'])('a')).toBe(true); // cleaned with its `!`: a positive rule
    expect(() => compileIgnore(['a', '['])('a')).toThrow(SyntaxError);
    expect(compileIgnore(['['])('')).toBe(true);
  });
});

describe('matcher', () => {
  test('one compiled matcher per pattern set; no patterns ignore nothing', () => {
    expect(matcher(['a', '!a/b'])).toBe(matcher(['a', '!a/b']));
    expect(matcher(['a', 'b'])).not.toBe(matcher(['a\nb']));
    expect(matcher([])('')).toBe(false);
    const m = matcher(parsePatterns('# comment\nnode_modules\n\n  **/*.log\n!keep.log\n'));
    expect(['node_modules/x', 'x/y.log', 'keep.log', 'src/a.ts'].map(m)).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});

describe('inKeptFolder (a path whose parent folder the set does not ignore)', () => {
  /** The sets without their `!` rules (a set with one has no inKeptFolder). */
  const positive = (set: string[]) => set.filter((p) => !p.trim().startsWith('!'));

  let withKept = 0;
  /** [patterns, path, inKeptFolder, whole verdict] where the parent is kept and they differ. */
  function keptDisagreements(sets: string[][], paths: string[]): unknown[] {
    const out: unknown[] = [];
    for (const set of sets) {
      const m = compileIgnore(set);
      const kept = m.inKeptFolder;
      // (none with a `!` rule, which `/!a` is too once cleaned)
      if (!kept) continue;
      withKept++;
      for (const p of paths) {
        const cut = p.lastIndexOf('/');
        // (the parent as balena takes it: for a clean path, what is before the last slash)
        if (cut > 0 && verdictOf(m, p.slice(0, cut)) !== false) continue;
        const a = verdictOf(kept, p);
        const b = verdictOf(m, p);
        if (a !== b) out.push([set, p, a, b]);
      }
    }
    return out;
  }

  test('the same verdict as the whole matcher (generated sets and paths, fixed seed)', () => {
    const r = mulberry32(0x6b_e9);
    const sets: string[][] = [];
    for (let i = 0; i < 1500; i++) {
      const n = 1 + Math.floor(r() * 6);
      const set: string[] = [];
      for (let j = 0; j < n; j++) set.push(randomPattern(r));
      sets.push(positive(set));
    }
    const paths: string[] = [];
    for (let i = 0; i < 80; i++) paths.push(randomPath(r));
    // Each set also gets the paths below what its patterns name.
    for (const set of sets) {
      const ps = [...paths];
      for (const pat of set) {
        const body = pat.trim().replace(/^\/+/, '');
        const filled = body.replace(/\*\*/g, 'q/r').replace(/\*/g, 'zz').replace(/\?/g, 'w');
        ps.push(`${filled}/x`, `p/${filled}`, `p/${filled}/x`, `${filled}/x/y`, `p/q/${filled}`);
      }
      expect(keptDisagreements([set], ps)).toEqual([]);
    }
    expect(withKept).toBeGreaterThan(1300);
  });

  test('odd cases: names of Object.prototype at the top, unclean paths, bad patterns', () => {
    const sets = [
      ['constructor'],
      ['*'],
      ['toString', 'x'],
      ['__proto__/a'],
      ['**/constructor'],
      ['a/b', 'c'],
      ['a', '['],
    ];
    const paths = [
      '',
      'constructor',
      'toString',
      'constructor/x',
      'constructor/x/y',
      'toString/a',
      '__proto__/a',
      'a/constructor',
      'a/b',
      'a//b',
      'a/./b',
      'a/../b',
      'x/a/b',
      'c/d',
      'q/c',
    ];
    expect(keptDisagreements(sets, paths)).toEqual([]);
    expect(compileIgnore(['constructor']).inKeptFolder!('constructor/x')).toBe(true);
    expect(() => compileIgnore(['b', '[']).inKeptFolder!('a/b')).toThrow(SyntaxError);
  });

  test('it tests the path alone (only right when the parent is kept), and needs a set without `!`', () => {
    const m = compileIgnore(['a', 'x/*.md']);
    // `a` ignores `a`, so the whole verdict of `a/b` is true; the path alone matches nothing.
    expect(m('a/b')).toBe(true);
    expect(m.inKeptFolder!('a/b')).toBe(false);
    expect(m.inKeptFolder!('x/y.md')).toBe(true);
    expect(compileIgnore(['a', '!a/b']).inKeptFolder).toBeUndefined();
  });
});
