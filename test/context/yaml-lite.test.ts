/**
 * yaml-lite (src/context/builds/yaml-lite.ts) held to the `yaml` package: on every text, either
 * it gives up (the package reads the text) or loadYaml gives exactly what the package alone gives:
 * no warning where the package has none, the same values (key order, -0, NaN included), and the
 * same line for every node and every key the build readers may ask for. Texts: hand-written
 * cases and thousands of generated compose-like documents (odd spacing, comments, quoting, the
 * null/bool/number spellings YAML 1.1 and 1.2 read differently, block scalars, flow sequences),
 * some of them damaged on purpose (so that some are invalid).
 */
import { describe, expect, test } from '@jest/globals';
import type { BuildWarning } from '../../src/context/builds/types.js';
import { readLite } from '../../src/context/builds/yaml-lite.js';
import { loadYaml, loadYamlWithPackage, type YamlFile } from '../../src/context/builds/yaml.js';
import { mulberry32 } from '../support/random.js';

type Outcome = 'bail' | 'same' | string;

/** 'bail', 'same', or what differs. */
function check(text: string): Outcome {
  if (!readLite(text)) return 'bail';
  const wl: BuildWarning[] = [];
  const wp: BuildWarning[] = [];
  const lite = loadYaml('f.yaml', wl, text);
  const full = loadYamlWithPackage('f.yaml', wp, text);
  if (!lite) return 'lite gave no file';
  if (!full || wp.length) return `package: ${JSON.stringify(wp)}`;
  if (full.docs.length !== 1) return `package: ${full.docs.length} documents`;
  const a = lite.docs[0]!;
  const b = full.docs[0]!;
  try {
    expect(a.value).toStrictEqual(b.value);
  } catch {
    return `values: ${JSON.stringify(a.value)} vs ${JSON.stringify(b.value)}`;
  }
  const orderA = JSON.stringify(keyOrder(a.value));
  const orderB = JSON.stringify(keyOrder(b.value));
  if (orderA !== orderB) return `key order: ${orderA} vs ${orderB}`;
  for (const keys of paths(b.value)) {
    const la = lines(lite, a.root, keys);
    const lb = lines(full, b.root, keys);
    if (la !== lb) return `lines at ${JSON.stringify(keys)}: ${la} vs ${lb}`;
  }
  return 'same';
}

function keyOrder(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(keyOrder);
  if (v && typeof v === 'object') return Object.entries(v).map(([k, x]) => [k, keyOrder(x)]);
  return null;
}

/** Every path into the value, with numeric keys also as numbers (the package keys `1:` by the
 * number 1) and a missing key under each map. */
function paths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [at];
  if (Array.isArray(v)) {
    v.forEach((x, i) => out.push(...paths(x, [...at, i])));
    out.push([...at, v.length]);
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      out.push(...paths(x, [...at, k]));
      if (k !== '' && !isNaN(Number(k))) out.push([...at, Number(k)]);
    }
    out.push([...at, 'no-such-key']);
  }
  return out;
}

function lines(y: YamlFile, root: YamlFile['docs'][0]['root'], keys: (string | number)[]): string {
  return `${y.lineOf(y.nodeAt(root, keys))}/${y.keyLine(root, keys)}`;
}

const PLAIN = [
  'web',
  'app',
  '.',
  './app',
  '../x',
  'Dockerfile',
  'node:20-alpine',
  'a b',
  'a#b',
  'a:b',
  'http://x.io/a?b=c',
  '${TAG:-latest}',
  '$HOME',
  'x-y',
  '-x',
  '--flag',
  'é',
  '日本',
  '0',
  '-0',
  '+0',
  '12',
  '+12',
  '-12',
  '007',
  '0o17',
  '0o8',
  '0x1F',
  '0X1F',
  '0xg',
  '1_000',
  '0b101',
  '1e3',
  '1E-3',
  '-1.5e+3',
  '.5',
  '-.5',
  '1.',
  '1.50',
  '+.5e2',
  '.',
  '..',
  '1.2.3',
  '.inf',
  '-.Inf',
  '+.INF',
  '.nan',
  '.NaN',
  '.NAN',
  'inf',
  'nan',
  '123456789012345678901234567890',
  '9007199254740993',
  '0.1e400',
  '12:30',
  '1:2:3',
  'true',
  'True',
  'TRUE',
  'tRue',
  'false',
  'False',
  'FALSE',
  'yes',
  'no',
  'on',
  'off',
  'Y',
  'n',
  'null',
  'Null',
  'NULL',
  'nULL',
  '~',
  '~x',
  'None',
  '2001-12-14',
  '2001-12-14t21:59:43.10-05:00',
  "a'b",
  'a"b',
  'a]b',
  'a}b',
  'a,b',
  'a ,b',
  'a: b',
  'a:',
  'a -',
  '- a',
  '-',
  '?x',
  '? x',
  ':x',
  '!x',
  '&x',
  '*x',
  '%x',
  '@x',
  '`x',
  '|x',
  '>x',
  '[a',
  '{a',
  '#x',
  'x #y',
  'x  #y',
];
const DOUBLE = [
  '""',
  '"x"',
  '"a b"',
  '"1"',
  '"true"',
  '"null"',
  '"a\\"b"',
  '"a\\\\b"',
  '"\\n"',
  '"\\t"',
  '"\\x41"',
  '"\\u00e9"',
  '"\\U0001F600"',
  '"\\N"',
  '"\\_"',
  '"\\/"',
  '"\\ "',
  '"\\e\\a\\0"',
  '"\\q"',
  '"\\x4"',
  '"\\uZZZZ"',
  '"a # b"',
  '"a: b"',
  '"it\'s"',
  '"80:80"',
  '"x',
  '"x"y',
  '"x"  # c',
  '"x"#c',
  '"\\"',
];
const SINGLE = [
  "''",
  "'x'",
  "'a b'",
  "'it''s'",
  "''''",
  "'a \\n b'",
  "'1'",
  "'x",
  "'x'y",
  "'x' # c",
  "'a: b'",
  "'#'",
];
const FLOW = [
  '[]',
  '[ ]',
  '[a]',
  '[a, b]',
  '[ a , b ]',
  '["a", \'b\', 1, true, null]',
  '[80:80, "443:443"]',
  '[a,b]',
  '[a, ]',
  '[a,,b]',
  '[[a]]',
  '[a, [b]]',
  '[a, {b: 1}]',
  '[a: b]',
  '[a #c]',
  '[a] # c',
  '[a]x',
  '[a',
  '{}',
  '{ }',
  '{a: 1}',
  '{} # c',
  '[-a, - b]',
  '["a" , "b" ]',
  '[~, .5, 0x1F]',
];
const KEYS = [
  'build',
  'context',
  'dockerfile',
  'target',
  'args',
  'image',
  'services',
  'steps',
  'run',
  'x-common',
  'a b',
  'a#b',
  'a:b',
  'é',
  '1',
  '01',
  '2',
  '0x1F',
  '1.0',
  'true',
  'null',
  '~',
  'on',
  '"quoted"',
  "'single'",
  '"1"',
  '"a: b"',
  '""',
  '<<',
  '__proto__',
  '? x',
  '-k',
  '[a]',
  '&a k',
];
const WORDS = [
  'docker build .',
  'echo "$X" # not a comment',
  '',
  '  indented',
  'a: b',
  '- x',
  '# hash',
  'trailing  ',
  '\tTAB',
  'x\\y',
  '"q"',
  "'s'",
  '|',
  '---',
  '...',
];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

// Half the documents are tame: only pieces yaml-lite takes alone (so that whole documents are
// taken often, and their lines compared), and no damage.
const takenAlone = (xs: string[], f: (x: string) => string) => xs.filter((x) => readLite(f(x)));
const TAME = {
  scalars: takenAlone([...PLAIN, ...DOUBLE, ...SINGLE, ...FLOW], (x) => `k: ${x}\n`),
  keys: takenAlone(KEYS, (k) => `${k}: 1\n`),
  words: takenAlone(WORDS, (w) => `k: |\n  ${w}\n`),
};

/** One compose-like document. */
function generate(r: () => number): string {
  const tame = r() < 0.5;
  const out: string[] = [];
  const sp = (n: number) => ' '.repeat(n);
  const comment = () => (r() < 0.15 ? pick(r, ['  # c', ' #c', ' # a: b', '    # x']) : '');
  const filler = (n: number) => {
    if (r() < 0.1) out.push('');
    if (r() < 0.08) out.push(`${sp(Math.floor(r() * (n + 3)))}# ${pick(r, WORDS)}`);
    if (r() < 0.03) out.push(sp(Math.floor(r() * 6)));
  };
  const names = tame ? ['a', 'b', 'c-1', 'x.y'] : ['a', 'b', 'a!', 'é', 'x,y'];
  // Anchors and aliases (the compose `x-common: &common` and `<<: *common` habit).
  const defined: string[] = [];
  const anchor = (): string => {
    if (r() >= (tame ? 0.2 : 0.12)) return '';
    const name = pick(r, names);
    defined.push(name);
    return `&${name} `;
  };
  const scalar = (): string => {
    if (r() < (tame ? 0.2 : 0.1) && (defined.length || !tame))
      return `*${pick(r, tame ? defined : names)}`;
    const x = r();
    if (tame) return pick(r, TAME.scalars);
    return x < 0.6
      ? pick(r, PLAIN)
      : x < 0.75
        ? pick(r, DOUBLE)
        : x < 0.85
          ? pick(r, SINGLE)
          : pick(r, FLOW);
  };
  const blockScalar = (line: string, n: number) => {
    const headers = ['|', '|-', '>', '>-', '| # c', '>-  '];
    out.push(`${line}${pick(r, tame ? headers : [...headers, '|+', '>+', '|2', '|#c'])}`);
    const w = n + 1 + Math.floor(r() * 4);
    const count = Math.floor(r() * 5);
    if (r() < 0.2) out.push('');
    for (let k = 0; k < count; k++) {
      const x = r();
      if (x < 0.15) out.push('');
      else if (x < 0.2) out.push(sp(w + 1));
      else if (x < 0.3) out.push(`${sp(w + 2)}${pick(r, tame ? TAME.words : WORDS)}`);
      else out.push(`${sp(w)}${pick(r, tame ? TAME.words : WORDS)}`);
    }
    if (r() < 0.3) out.push('');
  };
  const map = (n: number, depth: number, first: string | null) => {
    const count = 1 + Math.floor(r() * 4);
    for (let k = 0; k < count; k++) {
      const lead = k === 0 && first !== null ? first : sp(n);
      const key = pick(r, tame ? TAME.keys : KEYS);
      const sep = pick(r, [': ', ': ', ': ', ':  ', ' : ', ':']);
      const x = r();
      const head = `${lead}${key}${sep === ':' ? ':' : sep.trimEnd()}`;
      if (depth < 4 && x < 0.3) {
        out.push(head + ` ${anchor()}`.trimEnd() + comment());
        filler(n);
        const w = 1 + Math.floor(r() * 4);
        if (r() < 0.5) map(n + w, depth + 1, null);
        else seq(r() < 0.3 ? n : n + w, depth + 1);
      } else if (x < 0.38) blockScalar(`${head} `, n);
      else if (x < 0.45) out.push(head + comment());
      else if (x < 0.5) {
        out.push(head);
        out.push(`${sp(n + 1 + Math.floor(r() * 3))}${scalar()}`);
      } else out.push(`${lead}${key}${sep === ':' ? ': ' : sep}${anchor()}${scalar()}${comment()}`);
      filler(n);
    }
  };
  const seq = (n: number, depth: number) => {
    const count = 1 + Math.floor(r() * 4);
    for (let k = 0; k < count; k++) {
      const dash = `${sp(n)}-${pick(r, [' ', ' ', '  '])}`;
      const x = r();
      if (depth < 4 && x < 0.35) map(dash.length, depth + 1, dash);
      else if (depth < 4 && x < 0.45) {
        out.push(`${sp(n)}-${` ${anchor()}`.trimEnd()}${comment()}`);
        map(n + 1 + Math.floor(r() * 3), depth + 1, null);
      } else if (x < 0.52) blockScalar(dash, n);
      else if (x < 0.57) out.push(`${sp(n)}-`);
      else out.push(`${dash}${anchor()}${scalar()}${comment()}`);
      filler(n);
    }
  };
  if (r() < 0.1) out.push(pick(r, tame ? ['---', '--- # c', '# head'] : ['---', '%YAML 1.2\n---']));
  if (r() < 0.1) seq(0, 0);
  else map(0, 0, null);
  if (!tame && r() < 0.05) out.push(pick(r, ['---', '...', '--- x', 'k: v']));
  let text = out.join('\n') + (r() < 0.8 ? '\n' : '');
  // Some texts damaged: a character dropped, or one that means something in YAML put in.
  const damage = tame ? 1 : r();
  if (damage < 0.25) {
    const at = Math.floor(r() * text.length);
    text =
      damage < 0.1
        ? text.slice(0, at) + text.slice(at + 1)
        : text.slice(0, at) +
          pick(r, [
            ':',
            '-',
            '#',
            '"',
            "'",
            '\t',
            '[',
            ']',
            '{',
            '&',
            '*',
            '!',
            '|',
            '>',
            '\n',
            ' ',
            '  ',
            '\r\n',
          ]) +
          text.slice(at);
  }
  return text;
}

describe('yaml-lite agrees with the yaml package or gives up', () => {
  test('generated documents', () => {
    const r = mulberry32(18); // the same texts at every run
    const differences: string[] = [];
    let same = 0;
    let aliased = 0;
    let bailed = 0;
    for (let k = 0; k < 8000; k++) {
      const text = generate(r);
      const o = check(text);
      if (o === 'same' && /[:-] \*/.test(text)) aliased++;
      if (o === 'same') same++;
      else if (o === 'bail') bailed++;
      else if (differences.length < 5) differences.push(`${o}\n--- text:\n${text}`);
    }
    expect(differences).toEqual([]);
    // The fast path is taken often enough to be tested (and worth having).
    expect(same).toBeGreaterThan(2000);
    expect(bailed).toBeGreaterThan(2000);
    expect(aliased).toBeGreaterThan(50);
  });

  const TAKEN = [
    'services:\n  web:\n    build: .\n',
    'services:\n  web:\n    build:\n      context: ./app\n      dockerfile: Dockerfile.dev\n      args:\n        - A=1\n        - B\n      target: dev\n    ports: ["80:80", \'443:443\']\n',
    '# c\nservices:\n\n  web:   # c\n    image: x  # c\n    build: { }\n  db:\n',
    '---\non:\n  push:\njobs:\n  b:\n    steps:\n    - uses: docker/build-push-action@v5\n      with:\n        context: .\n        build-args: |\n          A=1\n          B=2\n    - run: |\n        docker build \\\n          -t x .\n\n        echo done\n',
    'a: >-\n  folded\n  text\n\n  para\nb: |-\n  keep\n\n',
    "a:\n- 1\n- 0x1F\n- .inf\n- ~\n- \"\\u00e9\\t\"\n- 'it''s'\nb: -0\n",
    'x:\n  run:\n    echo one line\n',
    'a: &x 1\nb: *x\n',
    'x-app: &app\n  image: x\n  env:\n  - A\nservices:\n  w:\n    <<: *app\n    build: .\n  v:\n    <<: *app\n',
    'l: &s\n- 1\nm:\n  - &t\n    k: v\n  - *t\n  - *s\n',
    '1: one\ntrue: t\nnull: n\n"2": two\n',
  ];
  test.each(TAKEN)('taken and the same: %j', (text) => {
    expect(readLite(text)).toBeDefined();
    expect(check(text)).toBe('same');
  });

  const GIVEN_UP = [
    'a: *x\n',
    'a: &x\n  b: *x\n',
    'a: &x 1\nb: &y\n  c: *x\nd: *y\n',
    'a: &x\nb: 1\n',
    'a: &x *y\n',
    'a: &x 1\nb: *x y\n',
    'a: &x 1\nb: *x,y\n',
    'a: &x 1\nb: *x#c\n',
    'a: !!str 1\n',
    'a: 1\n---\nb: 2\n',
    'a: |+\n  x\n\n',
    'a: |2\n   x\n',
    'a: "two\n  lines"\n',
    'a: two\n  lines\n',
    'a: [1,\n  2]\n',
    'a: {b: 1}\n',
    '? a\n: b\n',
    'a: 1\na: 2\n',
    '<<: {a: 1}\n',
    'a:\n\t- x\n',
    'a: 1\r\nb: 2\r\n',
    '%YAML 1.2\n---\na: 1\n',
    'a: b: c\n',
    '- - a\n',
    '',
    '# only\n',
  ];
  test.each(GIVEN_UP)('given up: %j', (text) => {
    expect(readLite(text)).toBeUndefined();
  });
});
