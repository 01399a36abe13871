/**
 * Fuzz (issue 13): real Dockerfiles and ignore files (the fixtures) mutated in their bytes,
 * encodings, line endings and length, run through `fix` on disk. Fixed seed, bounded count.
 * Asserts: no crash or internal error, exit 0/1/2 only, nothing written on error, the output
 * re-parses, a second run changes nothing, no temporary file left.
 */
import { afterAll, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from './support/cli.js';
import { copyDir, FIXTURES, gitApply, patchDryRun, removeTmpdirs, tmpdir } from './helpers.js';
import { unifiedDiff } from '../src/engine/diff.js';
import { parseDockerfile } from '../src/model/dockerfile.js';
import { mulberry32 } from './support/random.js';

afterAll(removeTmpdirs);

const SEED = 0x13_2026;
/** About 5 s on an idle 2-core machine. */
const COUNT = 40;

interface Case {
  dockerfile: Buffer;
  context: string | null;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const t of fs.readdirSync(FIXTURES).sort()) {
    for (const c of fs.readdirSync(path.join(FIXTURES, t)).sort()) {
      const dir = path.join(FIXTURES, t, c);
      const df = path.join(dir, 'Dockerfile');
      if (!fs.existsSync(df)) continue;
      const ctx = path.join(dir, 'context');
      out.push({ dockerfile: fs.readFileSync(df), context: fs.existsSync(ctx) ? ctx : null });
    }
  }
  return out;
}

type Mutation = (b: Buffer, r: () => number, other: Buffer) => Buffer;
const at = (b: Buffer, r: () => number) => Math.floor(r() * (b.length + 1));
const MUTATIONS: [string, Mutation][] = [
  [
    'flip a byte',
    (b, r) => {
      const c = Buffer.from(b);
      if (c.length) c[Math.min(c.length - 1, at(b, r))] = Math.floor(r() * 256);
      return c;
    },
  ],
  [
    'NUL byte',
    (b, r) => {
      const i = at(b, r);
      return Buffer.concat([b.subarray(0, i), Buffer.from([0]), b.subarray(i)]);
    },
  ],
  [
    'Latin-1 byte',
    (b, r) => {
      const i = at(b, r);
      return Buffer.concat([b.subarray(0, i), Buffer.from([0xe9]), b.subarray(i)]);
    },
  ],
  [
    'lone UTF-8 lead byte',
    (b, r) => {
      const i = at(b, r);
      return Buffer.concat([b.subarray(0, i), Buffer.from([0xc3]), b.subarray(i)]);
    },
  ],
  ['CRLF', (b) => Buffer.from(b.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1')],
  [
    'mixed line endings',
    (b, r) =>
      Buffer.from(
        b.toString('latin1').replace(/\n/g, () => (r() < 0.5 ? '\r\n' : '\n')),
        'latin1',
      ),
  ],
  ['lone CR', (b) => Buffer.from(b.toString('latin1').replace(/\n/g, '\r'), 'latin1')],
  ['BOM', (b) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b])],
  [
    'UTF-16LE',
    (b) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(b.toString('utf8'), 'utf16le')]),
  ],
  ['truncate', (b, r) => b.subarray(0, at(b, r))],
  ['no final newline', (b) => (b[b.length - 1] === 0x0a ? b.subarray(0, b.length - 1) : b)],
  [
    'drop a line',
    (b, r) => {
      const ls = b.toString('latin1').split('\n');
      ls.splice(Math.floor(r() * ls.length), 1);
      return Buffer.from(ls.join('\n'), 'latin1');
    },
  ],
  [
    'duplicate a line',
    (b, r) => {
      const ls = b.toString('latin1').split('\n');
      const i = Math.floor(r() * ls.length);
      ls.splice(i, 0, ls[i]!);
      return Buffer.from(ls.join('\n'), 'latin1');
    },
  ],
  [
    'line from another file',
    (b, r, o) => {
      const ls = b.toString('latin1').split('\n');
      const os = o.toString('latin1').split('\n');
      ls.splice(Math.floor(r() * ls.length), 0, os[Math.floor(r() * os.length)]!);
      return Buffer.from(ls.join('\n'), 'latin1');
    },
  ],
  ['trailing backslash', (b) => Buffer.concat([b, Buffer.from(' \\\n')])],
  ['empty', () => Buffer.alloc(0)],
];

const IGNORE_SEEDS = ['node_modules\n.git\n', '*.log\n!keep.log\n', '# c\r\n.env\r\n', ''];

function snapshotTree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.set(path.relative(root, p), fs.readFileSync(p).toString('base64'));
    }
  };
  walk(root);
  return out;
}

const INTERNAL =
  /internal error|did not settle|produced an invalid|shell parser rejects|transform \S+ failed/;

test(`fuzz: ${COUNT} mutated Dockerfiles and ignore files (seed ${SEED})`, async () => {
  const all = cases();
  const r = mulberry32(SEED);
  const seen = { 0: 0, 1: 0, 2: 0 } as Record<number, number>;
  let ran = 0;
  for (let n = 0; n < COUNT; n++, ran++) {
    const c = all[Math.floor(r() * all.length)]!;
    const other = all[Math.floor(r() * all.length)]!.dockerfile;
    let df = c.dockerfile;
    const applied: string[] = [];
    for (let k = 0, m = 1 + Math.floor(r() * 2); k < m; k++) {
      const [name, mutate] = MUTATIONS[Math.floor(r() * MUTATIONS.length)]!;
      df = mutate(df, r, other);
      applied.push(name);
    }
    const dir = tmpdir('dfo-fuzz-');
    fs.mkdirSync(path.join(dir, '.git'));
    if (c.context) copyDir(c.context, dir);
    fs.writeFileSync(path.join(dir, 'Dockerfile'), df);
    if (r() < 0.4) {
      const ign = path.join(dir, '.dockerignore');
      let text: Buffer = fs.existsSync(ign)
        ? fs.readFileSync(ign)
        : Buffer.from(IGNORE_SEEDS[Math.floor(r() * IGNORE_SEEDS.length)]!);
      const [name, mutate] = MUTATIONS[Math.floor(r() * MUTATIONS.length)]!;
      text = mutate(text, r, other);
      applied.push(`.dockerignore: ${name}`);
      fs.writeFileSync(ign, text);
    }
    const label = `#${n} ${applied.join(', ')}`;
    const before = snapshotTree(dir);
    const first = await runCli(['fix', 'Dockerfile'], dir);
    expect([label, [0, 2].includes(first.code)]).toEqual([label, true]);
    expect([label, first.stderr]).not.toEqual([label, expect.stringMatching(INTERNAL)]);
    seen[first.code]++;
    const after = snapshotTree(dir);
    expect([label, [...after.keys()].filter((k) => /\.dfo-/.test(k))]).toEqual([label, []]);
    if (first.code === 2) {
      expect([label, after]).toEqual([label, before]);
      continue;
    }
    const out = fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8');
    expect([label, parseDockerfile(out.replace(/^\uFEFF/, '')).errors]).toEqual([label, []]);
    const second = await runCli(['fix', '--dry-run', 'Dockerfile'], dir);
    expect([label, second.code, second.stdout]).toEqual([label, 0, '']);
    expect([label, snapshotTree(dir)]).toEqual([label, after]);
  }
  // Both outcomes occur (the mutations are not all fatal, nor all harmless).
  expect(seen[0]).toBeGreaterThan(0);
  expect(seen[2]).toBeGreaterThan(0);
  expect(ran).toBe(COUNT);
}, 180_000);

test('large files are diffed in segments: git apply and patch -p1 give the new text', () => {
  const r = mulberry32(SEED + 1);
  for (let trial = 0; trial < 8; trial++) {
    const n = 1100 + Math.floor(r() * 2500);
    const a: string[] = [];
    for (let i = 0; i < n; i++)
      a.push(r() < 0.3 ? 'RUN same\n' : `ENV L${i}=${Math.floor(r() * 5)}\n`);
    const b: string[] = [];
    const every = trial === 0; // every line changed: no aligned line at all
    for (const l of a) {
      const x = r();
      if (every) b.push('X' + l);
      else if (x < 0.1) continue;
      else if (x < 0.2) b.push('X' + l);
      else {
        if (x < 0.25) b.push('NEW\n');
        b.push(l);
      }
    }
    let before = a.join('');
    let after = b.join('');
    if (r() < 0.5) before = before.slice(0, -1);
    if (r() < 0.5) after = after.slice(0, -1);
    const diff = unifiedDiff([{ path: 'Dockerfile', absolutePath: null, before, after }]);
    const dir = tmpdir('dfo-bigdiff-');
    fs.writeFileSync(path.join(dir, 'Dockerfile'), before);
    patchDryRun(dir, diff);
    gitApply(dir, diff);
    expect([trial, fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8') === after]).toEqual([
      trial,
      true,
    ]);
  }
});
