/** Compose files that cannot declare a build are not parsed (compose.ts mayDeclareBuilds): the
 * builds and skipped declarations are those of a full parse; only such a file's own warnings
 * (not valid YAML, not a map) are no longer given. */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findBuilds } from '../src/context/builds/index.js';
import { mayDeclareBuilds } from '../src/context/builds/compose.js';
import {
  mayDeclareBuilds as workflowMayDeclare,
  parseWorkflowText,
} from '../src/context/builds/workflow.js';
import { initShellParser } from '../src/model/shell.js';
import { removeTmpdirs, tmpdir, writeTree } from './helpers.js';

afterAll(removeTmpdirs);

function repo(files: Record<string, string>): string {
  const dir = fs.realpathSync(tmpdir('dfo-builds-skip-'));
  fs.mkdirSync(path.join(dir, '.git'));
  writeTree(dir, files);
  return dir;
}

const lines = async (dir: string) => {
  const set = await findBuilds(['.'], dir, {});
  const rel = (p: string) => path.relative(dir, p) || '.';
  return {
    builds: set.builds.map((b) => `${rel(b.dockerfile)} ${rel(b.context)} ${b.source.name}`),
    warnings: set.warnings.map((w) => `${rel(w.file)}:${w.line} ${w.message}`),
  };
};

test('the text test: any build, extends or include, and any backslash (a double-quoted escape), keeps the file', () => {
  expect(mayDeclareBuilds('services:\n  db:\n    image: postgres\n')).toBe(false);
  for (const t of [
    'services:\n  web:\n    build: .\n',
    'services:\n  web:\n    extends: base\n',
    'include:\n  - other.yaml\n',
    'services:\n  web:\n    "\\x62uild": .\n',
    'services:\n  web:\n    "bui\\\n      ld": .\n',
  ])
    expect(mayDeclareBuilds(t)).toBe(true);
});

test('keys spelled with double-quoted escapes are still read', async () => {
  const dir = repo({
    'compose.yaml': 'services:\n  web:\n    "\\x62uild": .\n',
    Dockerfile: 'FROM scratch\n',
  });
  expect((await lines(dir)).builds).toEqual(['Dockerfile . service web']);
});

test('a main file without builds under an override with builds, and an override without builds: the builds of a full parse', async () => {
  const dir = repo({
    'compose.yaml': 'services:\n  web:\n    image: web\n  db:\n    image: postgres\n',
    'compose.override.yaml': 'services:\n  web:\n    build:\n      context: .\n      target: dev\n',
    'compose.prod.yaml': 'services:\n  web:\n    environment: [A=1]\n',
    Dockerfile: 'FROM scratch AS dev\n',
  });
  expect(await lines(dir)).toEqual({
    builds: ['Dockerfile . service web'],
    warnings: [],
  });
});

test('the one change: a file that cannot declare a build is not checked for YAML errors', async () => {
  const broken = repo({ 'compose.yaml': 'services:\n  db:\n    ports: ["80:80"\n' });
  expect((await lines(broken)).warnings).toEqual([]);
  // With a build it is parsed, and its error is a warning as before.
  const withBuild = repo({
    'compose.yaml': 'services:\n  web:\n    build: .\n    ports: ["80:80"\n',
  });
  expect((await lines(withBuild)).warnings).toEqual([
    expect.stringMatching(/^compose\.yaml:\d+ not valid YAML/),
  ]);
});

// Workflows (workflow.ts mayDeclareBuilds): a file the text test turns away is one whose full
// parse declares nothing (no build, no skipped declaration).
describe('workflows', () => {
  beforeAll(() => initShellParser());

  const decl = (text: string) => {
    const r = parseWorkflowText('/r/.github/workflows/w.yml', text, {});
    return [...r.builds.map((b) => b.source.name), ...r.skipped.map((s) => s.name)];
  };
  const wf = (step: string) => `on: push\njobs:\n  j:\n    runs-on: x\n    steps:\n${step}`;

  test('the text test keeps every shape that declares a build', () => {
    const declaring = [
      '      - uses: docker/build-push-action@v6\n',
      "      - uses: 'docker/build-push-action@v6'\n        with:\n          context: ${{ x }}\n",
      '      - run: docker build .\n',
      '      - run: docker buildx build -t x .\n',
      '      - run: docker image build .\n',
      '      - run: |\n          "docker" \'build\' .\n',
      '      - run: echo docker; d"ock"er bu\'il\'d .\n',
      '      - run: docker\n          build .\n',
      '      - run: >\n          docker\n          build .\n',
      '      - run: |\n          # a comment\n          docker build -f x/Dockerfile x\n',
      '      - run: "docker\n          build ."\n',
      "      - run: 'docker\n          build .'\n",
      '      - run: docker build $X\n',
      '      - run: docker \\\n          build .\n',
      '      - run: "\\x64ocker build ."\n',
      '      - run: cd ${{ github.workspace }} && docker build .\n',
    ];
    for (const step of declaring) {
      const text = wf(step);
      expect([step, decl(text).length > 0]).toEqual([step, true]);
      expect([step, workflowMayDeclare(text)]).toEqual([step, true]);
    }
  });

  test('workflows that name docker without a build are turned away', () => {
    for (const step of [
      '      - run: docker compose build\n',
      '      - run: docker-compose build web\n',
      '      - uses: docker/login-action@v3\n',
      '      # docker build . (not run)\n      - run: make\n',
      '      - run: |\n          # docker build .\n          make\n',
      '      - name: Builds a docker image\n        run: make image\n',
    ]) {
      const text = wf(step);
      expect([step, workflowMayDeclare(text)]).toEqual([step, false]);
      expect(decl(text)).toEqual([]);
    }
  });

  test('generated scripts: whatever the text test turns away declares nothing', () => {
    // Scripts of docker/build/image words, quotes, `$`, comments and line breaks, in each YAML
    // scalar style; the text test must never turn away one that the full parse declares.
    const pieces = [
      'docker',
      'build',
      'buildx',
      'image',
      'bu',
      'ild',
      'do',
      'cker',
      '.',
      '-f',
      'compose',
    ];
    const glue = [
      ' ',
      '"',
      "'",
      '$',
      '#',
      '\n',
      '\n# x\n',
      ' # ',
      '"  "',
      '',
      '\t',
      ';',
      ' && ',
      '`',
      "$'",
      '\n\n',
    ];
    const styles: ((s: string) => string)[] = [
      (s) => `      - run: ${s.replace(/\n/g, '\n          ')}\n`,
      (s) => `      - run: |\n          ${s.replace(/\n/g, '\n          ')}\n`,
      (s) => `      - run: >\n          ${s.replace(/\n/g, '\n          ')}\n`,
      (s) => `      - run: "${s.replace(/"/g, '').replace(/\n/g, '\n          ')}"\n`,
      (s) => `      - run: '${s.replace(/'/g, "''").replace(/\n/g, '\n          ')}'\n`,
    ];
    let seed = 7;
    const rnd = (n: number) => {
      // mulberry32
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) % n;
    };
    let turnedAway = 0;
    let declared = 0;
    for (let i = 0; i < 3000; i++) {
      let s = '';
      for (let k = 0, n = 2 + rnd(4); k < n; k++)
        s +=
          (k === 0 && rnd(2)
            ? 'docker'
            : k === 1 && rnd(2)
              ? 'build'
              : pieces[rnd(pieces.length)]!) + (rnd(2) ? ' ' : glue[rnd(glue.length)]!);
      const text = wf(styles[rnd(styles.length)]!(s));
      const found = decl(text);
      if (found.length) declared++;
      if (!workflowMayDeclare(text)) {
        turnedAway++;
        expect([text, found]).toEqual([text, []]);
      }
    }
    // (the generator reaches both sides)
    expect(declared).toBeGreaterThan(100);
    expect(turnedAway).toBeGreaterThan(500);
  });
});

test('the one change for workflows: one that names docker but cannot declare a build is not checked for YAML errors', async () => {
  const broken = repo({
    '.github/workflows/w.yml':
      'jobs:\n  j:\n    steps:\n      - run: docker compose up\n        x: [\n',
  });
  expect((await lines(broken)).warnings).toEqual([]);
  const withBuild = repo({
    '.github/workflows/w.yml':
      'jobs:\n  j:\n    steps:\n      - run: docker build .\n        x: [\n',
  });
  expect((await lines(withBuild)).warnings).toEqual([
    expect.stringMatching(/^\.github\/workflows\/w\.yml:\d+ not valid YAML/),
  ]);
});

test('parsing YAML leaves process.env as it was (yaml.ts withQuickEnv), also after a YAML error', async () => {
  const env = process.env;
  const dir = repo({
    'compose.yaml': 'services:\n  web:\n    build: .\n',
    'b/compose.yaml': 'services:\n  web:\n    build: .\n    ports: ["80:80"\n',
    Dockerfile: 'FROM scratch\n',
  });
  const r = await lines(dir);
  expect(r.builds).toEqual(['Dockerfile . service web']);
  expect(r.warnings).toHaveLength(1);
  expect(process.env).toBe(env);
  expect(Object.getPrototypeOf(process.env)).toBe(Object.getPrototypeOf(env));
});

test('a docker build in a workflow step is reported at its own line, in a block scalar too', async () => {
  await initShellParser();
  const head = 'on: push\njobs:\n  j:\n    runs-on: x\n    steps:\n';
  const at = (step: string) =>
    parseWorkflowText('/r/.github/workflows/w.yml', head + step, {}).builds.map(
      (b) => b.source.line,
    );
  // Lines 6, 7, 8, ...: the step starts on line 6.
  expect(at('      - run: docker build .\n')).toEqual([6]);
  expect(at('      - run: |\n          echo hi\n          docker build .\n')).toEqual([8]);
  expect(at('      - run: |-\n          docker build a\n          docker build b\n')).toEqual([
    7, 8,
  ]);
  expect(at('      - run: >  # folded\n          docker build .\n')).toEqual([7]);
  expect(at('      - name: x\n        run: |\n\n          docker build .\n')).toEqual([9]);
  expect(at('      - run: "echo hi;\n          docker build ."\n')).toEqual([6]);
});
