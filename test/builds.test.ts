/**
 * Build definitions: every case under fixtures/builds/<case>/ holds a repository (`repo/`) and a
 * case.json with the environment (`env`) and the exact builds, warnings and skipped declarations
 * expected (warnings as `file:line message-prefix`). The repository is copied to a temporary
 * folder with a `.git` so that discovery stops at its root.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findBuilds, type BuildDecl } from '../src/context/builds/index.js';
import { interpolate, parseDotEnv } from '../src/context/builds/interpolate.js';

const ROOT = path.resolve('fixtures/builds');
const tmp: string[] = [];
afterAll(() => tmp.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

interface Case {
  about: string;
  env: Record<string, string>;
  builds: string[];
  warnings: string[];
  skipped: string[];
}

export function copyRepo(src: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dfo-builds-'));
  tmp.push(dir);
  fs.cpSync(src, dir, { recursive: true });
  fs.mkdirSync(path.join(dir, '.git'), { recursive: true });
  return fs.realpathSync(dir);
}

function rel(repo: string, p: string): string {
  const r = path.relative(repo, p).split(path.sep).join('/');
  return r === '' ? '.' : r;
}

export function buildLine(repo: string, b: BuildDecl): string {
  const kv = (m: Record<string, string>, local: boolean) =>
    Object.entries(m)
      .map(([k, v]) => `${k}=${local && path.isAbsolute(v) ? rel(repo, v) : v}`)
      .join(',') || '-';
  return (
    `${rel(repo, b.dockerfile)} context=${rel(repo, b.context)} target=${b.target ?? '-'} ` +
    `args=${kv(b.args, false)} contexts=${kv(b.contexts, true)} @ ${rel(repo, b.source.file)}:${b.source.line} ${b.source.name}`
  );
}

const cases = fs.readdirSync(ROOT).filter((c) => fs.existsSync(path.join(ROOT, c, 'case.json')));

describe('fixtures/builds', () => {
  test.each(cases)('%s', async (name) => {
    const spec = JSON.parse(fs.readFileSync(path.join(ROOT, name, 'case.json'), 'utf8')) as Case;
    const repo = copyRepo(path.join(ROOT, name, 'repo'));
    const set = await findBuilds(['.'], repo, spec.env);
    expect(set.builds.map((b) => buildLine(repo, b))).toEqual(spec.builds);
    const warnings = set.warnings.map((w) => `${rel(repo, w.file)}:${w.line} ${w.message}`);
    expect(warnings.length).toBe(spec.warnings.length);
    spec.warnings.forEach((w, i) => expect(warnings[i]!.startsWith(w)).toBe(true));
    const skipped = set.skipped.map(
      (s) => `${rel(repo, s.file)}:${s.line} ${s.name}: ${s.reason.split(repo + '/').join('')}`,
    );
    expect(skipped).toEqual(spec.skipped);
  });
});

describe('interpolation', () => {
  const env: Record<string, string> = { A: 'a', E: '' };
  const lookup = (k: string) => env[k];
  test.each([
    ['${A}', 'a'],
    ['$A/x', 'a/x'],
    ['${E:-d}', 'd'],
    ['${E-d}', ''],
    ['${U-d}', 'd'],
    ['${U:-${A}b}', 'ab'],
    ['${A:+set}', 'set'],
    ['${E:+set}', ''],
    ['$$A', '$A'],
    ['$${A}', '${A}'],
    ['cost $5', 'cost $5'],
  ])('%s -> %s', (input, out) => expect(interpolate(input, lookup)).toBe(out));
  test('required and malformed', () => {
    expect(() => interpolate('${U:?need U}', lookup)).toThrow('U: need U');
    expect(() => interpolate('${A', lookup)).toThrow('unterminated');
  });
  test('.env format', () => {
    const m = parseDotEnv('# c\nexport A=1\nB="x y"\nC=\'$raw\'\nD=v # note\n\nbad line\n');
    expect([...m]).toEqual([
      ['A', '1'],
      ['B', 'x y'],
      ['C', '$raw'],
      ['D', 'v'],
    ]);
  });
});

describe('odd shapes never crash', () => {
  const files: Record<string, string> = {
    'a/compose.yaml': 'services: [1, 2]\n',
    'b/compose.yaml':
      'services:\n  x:\n    build: 5\n  z:\n    build:\n      args: 7\n      additional_contexts: "s"\ninclude: 5\n',
    'c/docker-bake.hcl':
      'target "x" {\n  inherits = "notalist"\n  args = ["a"]\n  context = 5\n}\ntarget "y" { inherits = ["y"] }\nvariable "A" { default = A }\ngroup "g" { targets = 3 }\n',
    'd/skaffold.yaml':
      'build: {artifacts: 5}\n---\n- 1\n---\nbuild: {artifacts: [5, {docker: 3}, {context: {a: 1}}]}\n',
    'e/.devcontainer/devcontainer.json': '{"build": 5, "dockerFile": {"a": 1}}',
    'f/.github/workflows/a.yml': 'jobs: 5\n',
    'f/.github/workflows/b.yml':
      'jobs:\n  j:\n    steps:\n      - uses: docker/build-push-action@v6\n        with: 5\n      - run: 5\n      - run: "docker build -f"\n      - uses: 7\n',
    'g/docker-bake.json': '{"target": [1], "variable": 5}',
    'g/compose.yaml': '',
  };
  test.each(['a', 'b', 'c', 'd', 'e', 'f', 'g'])('%s', async (dir) => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dfo-builds-odd-'));
    tmp.push(root);
    fs.mkdirSync(path.join(root, '.git'));
    for (const [p, text] of Object.entries(files)) {
      if (!p.startsWith(`${dir}/`)) continue;
      fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
      fs.writeFileSync(path.join(root, p), text);
    }
    const set = await findBuilds(['.'], root, {});
    expect(set.builds).toEqual([]);
    for (const w of set.warnings) expect(w.file.startsWith(root)).toBe(true);
  });
});

describe('build files read as text', () => {
  test('a leading byte-order mark is dropped, as from a file without it', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dfo-builds-bom-'));
    tmp.push(root);
    fs.mkdirSync(path.join(root, '.git'));
    const compose = 'services:\n  web:\n    build: ./web\n';
    const files: Record<string, string> = {
      'a/compose.yaml': `\uFEFF${compose}`,
      'b/compose.yaml': compose,
      // (a second mark: the YAML reader's to drop)
      'c/compose.yaml': `\uFEFF\uFEFF${compose}`,
      // (JSON has no byte-order mark: only dropped, the file is valid)
      'd/.devcontainer/devcontainer.json': '\uFEFF{"build": {"dockerfile": "Dockerfile"}}',
      'd/.devcontainer/Dockerfile': 'FROM alpine\n',
      'a/web/Dockerfile': 'FROM alpine\n',
      'b/web/Dockerfile': 'FROM alpine\n',
      'c/web/Dockerfile': 'FROM alpine\n',
    };
    for (const [p, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
      fs.writeFileSync(path.join(root, p), text);
    }
    const real = fs.realpathSync(root);
    const set = await findBuilds(['.'], real, {});
    expect(set.builds.map((b) => buildLine(real, b))).toEqual([
      'a/web/Dockerfile context=a/web target=- args=- contexts=- @ a/compose.yaml:3 service web',
      'b/web/Dockerfile context=b/web target=- args=- contexts=- @ b/compose.yaml:3 service web',
      'c/web/Dockerfile context=c/web target=- args=- contexts=- @ c/compose.yaml:3 service web',
      'd/.devcontainer/Dockerfile context=d/.devcontainer target=- args=- contexts=- @ d/.devcontainer/devcontainer.json:1 devcontainer',
    ]);
    expect(set.warnings).toEqual([]);
  });
});
