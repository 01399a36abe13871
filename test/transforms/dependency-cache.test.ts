/**
 * `dependency-cache` proved with the static cache model (src/cache/model.ts): for every fixture
 * that moves an install, editing a source file re-runs the install before the fix and leaves it
 * cached after it, while editing a manifest still re-runs it. The reachability answer
 * (`rerunOnEdit`) is checked against the keys themselves (a model built over the edited context).
 * Plus unit tests of the model.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as path from 'node:path';
import { buildCacheModel, sourceMatcher, type CacheModel } from '../../src/cache/model.js';
import { DiskContext, MemoryContext, OverlayContext } from '../../src/context/context.js';
import { optimize } from '../../src/api.js';
import { parseDockerfile } from '../../src/model/dockerfile.js';
import { initShellParser } from '../../src/model/shell.js';
import type { BuildContext, DockerfileModel } from '../../src/model/types.js';
import { loadCases, materialise, removeTmpdirs } from '../helpers.js';

beforeAll(initShellParser);
afterAll(removeTmpdirs);

/** Steps whose key differs when `file` gets new content (what BuildKit would re-run). */
function keyDiff(model: DockerfileModel, ctx: BuildContext, file: string): number[] {
  const before = buildCacheModel(model, ctx);
  const edited = new OverlayContext(ctx);
  edited.overlay.set(file, (ctx.readFile(file) ?? '') + '\n# edited\n');
  const after = buildCacheModel(model, edited);
  return before.steps.filter((s, i) => s.key !== after.steps[i]!.key).map((s) => s.instruction);
}

function reruns(cache: CacheModel, file: string): number[] {
  return cache.rerunOnEdit(file).map((s) => s.instruction);
}

const runText = (m: DockerfileModel, i: number) =>
  m.text.slice(m.instructions[i]!.span.start, m.instructions[i]!.span.end);

/** RUN instructions of `after` whose text the fix moved (present in both, at another place), or
 * the install part split off a RUN (`RUN npm ci` of `RUN npm ci && npm run build`). */
function movedRuns(before: DockerfileModel, after: DockerfileModel): [number, number][] {
  const out: [number, number][] = [];
  for (const b of before.instructions) {
    if (b.keyword !== 'RUN') continue;
    const a =
      after.instructions.find(
        (x) =>
          x.keyword === 'RUN' &&
          x.stage === b.stage &&
          runText(after, x.index) === runText(before, b.index),
      ) ??
      after.instructions.find(
        (x) =>
          x.keyword === 'RUN' &&
          x.stage === b.stage &&
          runText(before, b.index).startsWith(runText(after, x.index)),
      );
    if (a) out.push([b.index, a.index]);
  }
  return out;
}

const cases = loadCases().filter(
  (c) =>
    c.transform === 'dependency-cache' &&
    c.expected !== null &&
    c.hasContext &&
    !c.spec.options?.unsafe,
);

describe('the fix keeps the install cached on source edits (cache model)', () => {
  test('there are cases', () => expect(cases.length).toBeGreaterThanOrEqual(15));

  test.each(cases.map((c) => [c.name, c] as const))('%s', async (_n, c) => {
    const mat = materialise(c);
    const ctx = new DiskContext(mat.context!, mat.dockerfile);
    const before = parseDockerfile(c.input);
    const after = parseDockerfile(c.expected!);
    const result = await optimize(c.input, {
      only: ['dependency-cache'],
      context: mat.context,
      path: mat.dockerfile,
    });
    const fix = result.fixes.find((f) => f.applied)!;
    const manifests = (fix.data?.manifests as string[]) ?? [];
    const cacheBefore = buildCacheModel(before, ctx);
    const cacheAfter = buildCacheModel(after, ctx);
    // Source files: taken by a full copy and not a manifest of any fix.
    const allManifests = new Set(
      result.fixes.flatMap((f) => (f.data?.manifests as string[] | undefined) ?? []),
    );
    const sources = ctx
      .walk()
      .filter((e) => !e.isDirectory && !allManifests.has(e.path) && !e.path.startsWith('.'))
      .map((e) => e.path)
      .filter((p) => cacheAfter.steps.some((s) => s.kind === 'copy' && cacheAfter.takes(s, p)));
    expect(sources.length).toBeGreaterThan(0);
    const source = sources[0]!;
    // The install moved by the fix: the RUN whose text is in both files, re-run before the fix
    // (the fix's install when it names one: a tool set-up RUN between may also be re-run).
    const install = typeof fix.data?.install === 'string' ? fix.data.install : null;
    const moved = movedRuns(before, after)
      .filter(([b]) => reruns(cacheBefore, source).includes(b))
      .sort(
        ([, a1], [, a2]) =>
          Number(runText(after, a2) === install) - Number(runText(after, a1) === install),
      );
    expect(moved.length).toBeGreaterThan(0);
    const [b, a] = moved[0]!;
    // Before: a source edit re-runs the install (graph and keys agree).
    expect(reruns(cacheBefore, source)).toContain(b);
    expect(keyDiff(before, ctx, source)).toEqual(reruns(cacheBefore, source));
    // After: the install stays cached.
    expect(reruns(cacheAfter, source)).not.toContain(a);
    expect(keyDiff(after, ctx, source)).toEqual(reruns(cacheAfter, source));
    // ... but a manifest edit still re-runs it (every fix names the manifests it copies).
    expect(manifests.length).toBeGreaterThan(0);
    for (const m of manifests) {
      expect(reruns(cacheAfter, m)).toContain(a);
      expect(keyDiff(after, ctx, m)).toContain(a);
    }
  });
});

describe('cache model', () => {
  const files = {
    'requirements.txt': 'flask\n',
    'app.py': 'print(1)\n',
    'static/site.css': 'body{}\n',
    'notes/secret.md': 'x\n',
    '.dockerignore': 'notes\n',
  };
  const df = [
    'ARG BASE=python:3.12',
    'FROM ${BASE} AS deps',
    'WORKDIR /app',
    'COPY requirements.txt .',
    'RUN pip install -r requirements.txt',
    'FROM deps AS app',
    'COPY . .',
    'RUN --mount=type=bind,source=static,target=/mnt/static cp -r /mnt/static /srv',
    'FROM python:3.12-slim',
    'COPY --from=app /app /app',
    'ENV MODE=prod',
    'COPY *.py /srv/',
    '',
  ].join('\n');

  test('steps, parents, stage edges and sources', () => {
    const model = parseDockerfile(df);
    const cache = buildCacheModel(model, new MemoryContext(files));
    expect(cache.stages.map((s) => s.steps.length)).toEqual([4, 3, 4]);
    const copy = cache.stepOf(3)!;
    expect(copy.kind).toBe('copy');
    expect(copy.parent).toBe(2);
    expect(copy.sources).toEqual([
      { raw: 'requirements.txt', path: 'requirements.txt', files: ['requirements.txt'] },
    ]);
    expect(cache.stepOf(5)!.stageEdges).toEqual([0]);
    expect(cache.stepOf(9)!.stageEdges).toEqual([1]);
    expect(cache.stepOf(1)!.text).toBe('python:3.12 AS deps');
    // The whole-context copy takes everything but the ignored folder.
    expect(cache.stepOf(6)!.sources[0]!.files).toEqual([
      '.dockerignore',
      'app.py',
      'requirements.txt',
      'static/site.css',
    ]);
    expect(cache.stepOf(0)).toBeNull();
  });

  test('rerunOnEdit follows parents, COPY --from, bind mounts and .dockerignore', () => {
    const model = parseDockerfile(df);
    const ctx = new MemoryContext(files);
    const cache = buildCacheModel(model, ctx);
    expect(reruns(cache, 'requirements.txt')).toEqual([3, 4, 5, 6, 7, 9, 10, 11]);
    expect(reruns(cache, 'app.py')).toEqual([6, 7, 9, 10, 11]);
    expect(reruns(cache, 'static/site.css')).toEqual([6, 7, 9, 10, 11]);
    expect(reruns(cache, 'notes/secret.md')).toEqual([]);
    for (const f of Object.keys(files)) expect(keyDiff(model, ctx, f)).toEqual(reruns(cache, f));
  });

  test('ARG/ENV values and build args are part of the key', () => {
    const a = parseDockerfile('FROM alpine\nARG V=1\nRUN echo hi\n');
    const b = parseDockerfile('FROM alpine\nARG V=2\nRUN echo hi\n');
    const ctx = new MemoryContext({});
    expect(buildCacheModel(a, ctx).steps[2]!.key).not.toBe(buildCacheModel(b, ctx).steps[2]!.key);
    expect(buildCacheModel(a, ctx, { buildArgs: { V: '2' } }).steps[2]!.key).toBe(
      buildCacheModel(b, ctx, { buildArgs: { V: '2' } }).steps[2]!.key,
    );
    expect(buildCacheModel(a, ctx).steps[2]!.vars).toEqual([['V', '1']]);
  });

  test('works without a context from the sources as written', async () => {
    const { NoContext } = await import('../../src/context/context.js');
    const model = parseDockerfile('FROM node\nCOPY package.json ./\nRUN npm ci\nCOPY . .\n');
    const cache = buildCacheModel(model, new NoContext());
    expect(reruns(cache, 'package.json')).toEqual([1, 2, 3]);
    expect(reruns(cache, 'src/a.js')).toEqual([3]);
  });

  test('source matching: whole context, folders, globs', () => {
    expect(sourceMatcher('')('a/b')).toBe(true);
    expect(sourceMatcher('src')('src/x.js')).toBe(true);
    expect(sourceMatcher('src')('srcx/x.js')).toBe(false);
    expect(sourceMatcher('*.json')('package.json')).toBe(true);
    expect(sourceMatcher('*.json')('a/package.json')).toBe(false);
    expect(sourceMatcher('pack*')('packages/a/package.json')).toBe(true);
  });

  test('the fixtures directory is where the tests expect it', () => {
    expect(path.basename(path.resolve('fixtures/dependency-cache'))).toBe('dependency-cache');
  });
});

describe('install and build in one RUN: the split', () => {
  const node = {
    'package.json': '{"name":"a","scripts":{"build":"tsc"}}\n',
    'package-lock.json': '{"lockfileVersion":3}\n',
    'src/index.ts': 'export {};\n',
  };
  const run = (df: string, context: Record<string, string> = node, unsafe = false) =>
    optimize(df, { only: ['dependency-cache'], context, path: 'Dockerfile', unsafe });
  const head = 'FROM node:20\nWORKDIR /app\nCOPY . .\n';
  const copied = 'FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\n';

  test('a `set -e` list splits at a statement boundary and repeats the set', async () => {
    const r = await run(head + 'RUN set -eux; \\\n    npm ci; \\\n    npm run build\n');
    expect(r.output).toBe(
      copied + 'RUN set -eux; \\\n    npm ci\nCOPY . .\nRUN set -eux; \\\n    npm run build\n',
    );
    expect(r.fixes.map((f) => [f.ruleId, f.applicability])).toEqual([
      ['dependency-cache/npm', 'safe'],
    ]);
  });

  test('a cleanup left after the build makes the split a review fix', async () => {
    const r = await run(head + 'RUN npm ci && npm run build && rm -rf /root/.npm\n');
    expect(r.output).toBe(head + 'RUN npm ci && npm run build && rm -rf /root/.npm\n');
    expect(r.fixes[0]!.applicability).toBe('review');
    expect(r.fixes[0]!.note).toContain('`rm -rf /root/.npm` stays after the build');
  });

  test('`||` in the chain or commands after it: no split, a reason', async () => {
    for (const [cmd, reason] of [
      ['npm ci && npm run build || true', 'also runs `npm run`'],
      ['npm ci && npm run build; echo done', 'commands after the `&&` chain'],
      ['npm ci; npm run build', 'without `set -e`'],
    ] as const) {
      const r = await run(head + `RUN ${cmd}\n`);
      expect(r.output).toBe(head + `RUN ${cmd}\n`);
      expect(r.skipped.map((s) => s.reason).join('\n')).toContain(reason);
    }
  });

  test('an editable install of the project stays after the copy', async () => {
    const py = { 'requirements.txt': 'flask\n', 'pyproject.toml': '[project]\nname="a"\n' };
    const r = await run(
      'FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt && pip install -e .\n',
      py,
    );
    expect(r.output).toBe(
      'FROM python:3.12\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\nRUN pip install -e .\n',
    );
  });

  test('an ENV between: the install part keeps its place, the copy moves below it', async () => {
    const r = await run(head + 'ENV NODE_ENV=production\nRUN npm ci && npm run build\n');
    expect(r.output).toBe(
      copied + 'ENV NODE_ENV=production\nRUN npm ci\nCOPY . .\nRUN npm run build\n',
    );
  });

  test('the build left after the copy still re-runs on a source edit', () => {
    const ctx = new MemoryContext(node);
    const after = parseDockerfile(copied + 'RUN npm ci\nCOPY . .\nRUN npm run build\n');
    const cache = buildCacheModel(after, ctx);
    expect(reruns(cache, 'src/index.ts')).toEqual([4, 5]);
    expect(reruns(cache, 'package.json')).toEqual([2, 3, 4, 5]);
  });
});

describe('paths an install reads besides its manifests', () => {
  const run = (df: string, context: Record<string, string>, unsafe = false) =>
    optimize(df, { only: ['dependency-cache'], context, path: 'Dockerfile', unsafe });
  const reasons = (r: Awaited<ReturnType<typeof run>>) => r.skipped.map((s) => s.reason).join('\n');
  const py = {
    'requirements.txt': 'flask==3.0.3\n',
    'constraints.txt': 'flask<4\n',
    'app.py': 'print(1)\n',
    'wheels/flask-3.0.3-py3-none-any.whl': 'w\n',
    'mirror/simple/flask/index.html': '<a>flask</a>\n',
    'certs/ca.pem': 'pem\n',
    'lib/setup.py': 'x\n',
    'pkgs/tool-1.0.tar.gz': 'x\n',
  };
  const head = 'FROM python:3.12\nWORKDIR /app\nCOPY . .\n';

  test.each([
    ['pip install -f wheels -r requirements.txt', '`-f wheels` reads packages from wheels/'],
    ['pip install -fwheels -r requirements.txt', '`-fwheels` reads packages from wheels/'],
    [
      'pip install --extra-index-url=/app/mirror/simple -r requirements.txt',
      'reads its package index from mirror/simple/',
    ],
    [
      'pip install -i file:///app/mirror/simple -r requirements.txt',
      '`-i file:///app/mirror/simple` reads its package index from mirror/simple/',
    ],
    [
      'pip install --cert certs/ca.pem -r requirements.txt',
      'reads a certificate from certs/ca.pem',
    ],
    ['pip install -r requirements.txt --editable=./lib', 'installs the project itself'],
    ['pip install -r requirements.txt -e./lib', 'installs the project itself'],
    ['pip install -r requirements.txt pkgs/tool-1.0.tar.gz', 'installs a local path'],
    ['pip install --target lib -r requirements.txt', '`pip install` writes lib/, which the build'],
    [
      'pip install --no-binary :all: -r requirements.txt ./lib',
      '`pip install ./lib` installs a local path',
    ],
    [
      'PIP_FIND_LINKS=wheels pip install -r requirements.txt',
      '`PIP_FIND_LINKS=wheels` points `pip install` at wheels/',
    ],
    [
      'export PIP_FIND_LINKS=/app/wheels && pip install -r requirements.txt',
      '`PIP_FIND_LINKS=/app/wheels` points `pip install` at wheels/',
    ],
    [
      'python -m pip install --find-links=wheels -r requirements.txt',
      '`--find-links=wheels` reads packages from wheels/',
    ],
  ])('`%s` stays after the copy', async (cmd, reason) => {
    const r = await run(head + `RUN ${cmd}\n`, py);
    expect(r.output).toBe(head + `RUN ${cmd}\n`);
    expect(reasons(r)).toContain(reason);
  });

  test.each([
    'pip install --index-url https://pypi.org/simple -r requirements.txt',
    'pip install -r requirements.txt https://files.example/x-1.0-py3-none-any.whl',
    'pip install -r requirements.txt "flask @ git+https://github.com/pallets/flask"',
    'pip install --find-links /opt/wheels -r requirements.txt',
  ])('`%s` moves (remote or outside the copied tree)', async (cmd) => {
    const r = await run(head + `RUN ${cmd}\n`, py);
    expect(r.output).toBe(
      `FROM python:3.12\nWORKDIR /app\nCOPY requirements.txt .\nRUN ${cmd}\nCOPY . .\n`,
    );
  });

  test('-c, PIP_CONSTRAINT and an -i line inside a requirements file', async () => {
    const c = await run(head + 'RUN pip install -r requirements.txt -c constraints.txt\n', py);
    expect(c.output).toContain('COPY requirements.txt constraints.txt ./\n');
    const e = await run(
      'FROM python:3.12\nENV PIP_CONSTRAINT=constraints.txt\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n',
      py,
    );
    expect(e.output).toContain('COPY requirements.txt constraints.txt ./\n');
    const i = await run(head + 'RUN pip install -r requirements.txt\n', {
      ...py,
      'requirements.txt': '--index-url ./mirror/simple\nflask\n',
    });
    expect(reasons(i)).toContain('requirements.txt reads packages from a local index');
  });

  test('variables: unknown values of path variables skip, unknown index URLs do not', async () => {
    const cfg = await run(
      'FROM python:3.12\nARG PIP_CONFIG_FILE\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n',
      py,
    );
    expect(reasons(cfg)).toContain('`PIP_CONFIG_FILE` has no known value');
    const url = await run(
      'FROM python:3.12\nARG PIP_INDEX_URL\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n',
      py,
    );
    expect(url.fixes.map((f) => f.ruleId)).toEqual(['dependency-cache/pip']);
    for (const [df, context, reason] of [
      [
        'FROM python:3.12\nARG PIPENV_PIPFILE\nWORKDIR /app\nCOPY . .\nRUN pipenv install --deploy --system\n',
        { Pipfile: '[packages]\n', 'app.py': 'x\n' },
        '`PIPENV_PIPFILE` has no known value',
      ],
      [
        'FROM composer:2\nARG COMPOSER\nWORKDIR /app\nCOPY . .\nRUN composer install --no-scripts --no-autoloader\n',
        { 'composer.json': '{}\n', 'src/A.php': 'x\n' },
        '`COMPOSER` has no known value',
      ],
      [
        'FROM ruby:3.3\nWORKDIR /app\nCOPY . .\nRUN bundle install --gemfile "$GEMFILE"\n',
        { Gemfile: "source 'https://rubygems.org'\n", 'app.rb': 'x\n' },
        'the Gemfile path (`--gemfile`) is not a literal',
      ],
      [
        'FROM ruby:3.3\nWORKDIR /app\nCOPY . .\nRUN bundle install --gemfile=$GEMFILE\n',
        { Gemfile: "source 'https://rubygems.org'\n", 'app.rb': 'x\n' },
        'the Gemfile path (`--gemfile`) is not a literal',
      ],
      [
        'FROM python:3.12\nCOPY . .\nRUN pip install --find-links /wheels -r requirements.txt\n',
        py,
        '`--find-links /wheels` reads packages from /wheels, which may be where `COPY . .` lands',
      ],
    ] as const) {
      const r = await run(df, context);
      expect(r.output).toBe(df);
      expect(reasons(r)).toContain(reason);
    }
  });

  test.each([
    [
      'UV_FIND_LINKS',
      'FROM python:3.12\nENV UV_FIND_LINKS=./wheels\nWORKDIR /app\nCOPY . .\nRUN uv pip install --system -r requirements.txt\n',
      py,
      '`UV_FIND_LINKS=./wheels` points `uv pip install` at wheels/',
    ],
    [
      'uv find-links',
      'FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN uv sync --frozen --no-install-project\n',
      {
        'pyproject.toml': '[project]\nname = "a"\n\n[tool.uv]\nfind-links = ["./wheels"]\n',
        'uv.lock': 'version = 1\n',
        'app.py': 'x\n',
      },
      'pyproject.toml reads packages from a local path',
    ],
    [
      'POETRY_VIRTUALENVS_IN_PROJECT',
      'FROM python:3.12\nENV POETRY_VIRTUALENVS_IN_PROJECT=true\nWORKDIR /app\nCOPY . .\nRUN poetry install --no-root\n',
      {
        'pyproject.toml': '[tool.poetry]\nname = "a"\n',
        'poetry.lock': 'x\n',
        'app.py': 'x\n',
        '.venv/pyvenv.cfg': 'x\n',
      },
      '`poetry install` writes .venv/, which the build context also holds',
    ],
    [
      'mvn -s',
      'FROM maven:3\nWORKDIR /app\nCOPY . .\nRUN mvn -s .mvn/settings.xml dependency:go-offline\n',
      {
        'pom.xml': '<project/>\n',
        '.mvn/settings.xml': '<settings/>\n',
        'src/A.java': 'class A {}\n',
      },
      '`-s .mvn/settings.xml` reads its settings from .mvn/settings.xml',
    ],
    [
      'go -modfile',
      'FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go mod download -modfile=go.tools.mod\n',
      { 'go.mod': 'module x\n', 'go.tools.mod': 'module x\n', 'main.go': 'package main\n' },
      '`-modfile=go.tools.mod` makes go read go.tools.mod',
    ],
  ] as const)(
    'uv, poetry, maven and go settings that point into the copied tree: %s',
    async (_, df, context, reason) => {
      const r = await run(df, context);
      expect(r.output).toBe(df);
      expect(reasons(r)).toContain(reason);
    },
  );

  const pkg = '{"name":"a","scripts":{"build":"tsc"}}\n';
  const node = { 'package.json': pkg, 'package-lock.json': '{}\n', 'src/i.ts': 'x\n' };
  const nodeHead = 'FROM node:20\nWORKDIR /app\nCOPY . .\n';

  test('npm/pnpm: --userconfig, .npmrc paths and .pnpmfile.cjs', async () => {
    const flag = await run(nodeHead + 'RUN npm ci --userconfig ./ci.npmrc\n', {
      ...node,
      'ci.npmrc': 'registry=https://npm.example\n',
    });
    expect(reasons(flag)).toContain('`--userconfig ./ci.npmrc` reads its settings from ci.npmrc');
    const cafile = await run(nodeHead + 'RUN npm ci --omit dev\n', {
      ...node,
      '.npmrc': 'cafile=certs/ca.pem\n',
      'certs/ca.pem': 'pem\n',
    });
    expect(reasons(cafile)).toContain('`cafile=certs/ca.pem` in .npmrc names certs/ca.pem');
    const pnpm = {
      'package.json': pkg,
      'pnpm-lock.yaml': 'lockfileVersion: 9\n',
      'src/i.ts': 'x\n',
    };
    const hooks = await run(nodeHead + 'RUN pnpm install --frozen-lockfile\n', {
      ...pnpm,
      '.pnpmfile.cjs': 'module.exports = { hooks: { readPackage: (p) => p } };\n',
    });
    expect(hooks.output).toContain('COPY package.json pnpm-lock.yaml .pnpmfile.cjs ./\n');
    const loads = await run(nodeHead + 'RUN pnpm install --frozen-lockfile\n', {
      ...pnpm,
      '.pnpmfile.cjs': "module.exports = require('./tools/hooks');\n",
    });
    expect(reasons(loads)).toContain('.pnpmfile.cjs loads other files of the source');
  });

  test('bundler and composer: the manifest a flag or variable names is the one copied', async () => {
    const gems = {
      Gemfile: "source 'https://rubygems.org'\ngem 'rails'\n",
      'gemfiles/rails_7.gemfile': "source 'https://rubygems.org'\ngem 'rails', '~> 7.0'\n",
      'gemfiles/rails_7.gemfile.lock': 'GEM\n',
      '.bundle/config': '---\nBUNDLE_WITHOUT: "development:test"\n',
      'app/a.rb': 'x\n',
    };
    const flag = await run(
      'FROM ruby:3.3\nWORKDIR /app\nCOPY . .\nRUN bundle install --gemfile=gemfiles/rails_7.gemfile\n',
      gems,
    );
    expect(flag.output).toContain(
      'COPY gemfiles/rails_7.gemfile gemfiles/rails_7.gemfile.lock ./gemfiles/\n',
    );
    const config = await run('FROM ruby:3.3\nWORKDIR /app\nCOPY . .\nRUN bundle install\n', gems);
    expect(config.output).toContain('COPY .bundle/config ./.bundle/\n');
    const vendored = await run(
      'FROM ruby:3.3\nWORKDIR /app\nCOPY . .\nRUN bundle config set --local path vendor/bundle && bundle install\n',
      { ...gems, 'vendor/bundle/ruby/3.3.0/gems/rake/rakefile': 'x\n' },
    );
    expect(reasons(vendored)).toContain('`bundle install` writes vendor/bundle/');
    const php = {
      'composer.dev.json': '{"require":{}}\n',
      'composer.dev.lock': '{}\n',
      'src/A.php': 'x\n',
    };
    const env = await run(
      'FROM composer:2\nENV COMPOSER=composer.dev.json\nWORKDIR /app\nCOPY . .\nRUN composer install --no-scripts --no-autoloader\n',
      php,
    );
    expect(env.output).toContain('COPY composer.dev.json composer.dev.lock ./\n');
    const other = await run(
      'FROM composer:2\nWORKDIR /app\nCOPY . .\nRUN composer install --no-scripts --no-autoloader -d backend\n',
      {
        'backend/composer.json': '{}\n',
        'backend/composer.lock': '{}\n',
        'backend/src/A.php': 'x\n',
      },
    );
    expect(other.output).toContain('COPY backend/composer.json backend/composer.lock ./backend/\n');
    const variable = await run(
      'FROM composer:2\nWORKDIR /app\nCOPY . .\nRUN composer install --no-scripts --no-autoloader --working-dir=$APP\n',
      { 'composer.json': '{}\n', 'src/A.php': 'x\n' },
    );
    expect(reasons(variable)).toContain(
      'the composer folder (`--working-dir=$APP`) is not a literal',
    );
    const vendor = await run(
      'FROM composer:2\nWORKDIR /app\nCOPY . .\nRUN composer install --no-scripts --no-autoloader\n',
      { 'composer.json': '{}\n', 'vendor/autoload.php': 'x\n', 'src/A.php': 'x\n' },
    );
    expect(reasons(vendor)).toContain('`composer install` writes vendor/');
  });
});

describe('between the copy and the install', () => {
  const node = {
    'package.json': '{"name":"a","scripts":{"build":"tsc"}}\n',
    'package-lock.json': '{}\n',
    'src/i.ts': 'x\n',
  };
  const head = 'FROM node:20\nWORKDIR /app\nCOPY . .\n';
  const run = (df: string) =>
    optimize(df, { only: ['dependency-cache'], context: node, path: 'Dockerfile' });

  test.each([
    'RUN npm install -g @angular/cli@17 typescript',
    'RUN pnpm add -g pnpm@9.1.0',
    'RUN corepack enable',
    'RUN corepack enable && corepack prepare pnpm@8.15.4 --activate',
    'RUN set -eux; mkdir -p /var/log/app',
    'RUN --mount=type=cache,target=/root/.npm npm i -g npm@10',
    'RUN PIP_ROOT_USER_ACTION=ignore pip install --no-cache-dir --upgrade pip setuptools',
    'RUN python3 -m venv /opt/venv',
    'RUN gem install bundler -v 2.5.6',
    'COPY --from=oven/bun:1 /usr/local/bin/bun /usr/local/bin/bun',
  ])('`%s` reads nothing from the context: it stays before the install', async (between) => {
    const r = await run(head + between + '\nRUN npm ci\n');
    expect(r.output).toBe(
      `FROM node:20\nWORKDIR /app\n${between}\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n`,
    );
    expect(r.fixes[0]!.applicability).toBe('safe');
    expect(r.fixes[0]!.note).toContain('reads nothing from the build context');
  });

  test.each([
    'RUN npm install -g',
    'RUN npm install -g ./tools/cli',
    'RUN mkdir -p /app/logs',
    'RUN python3 -m venv .venv',
    'RUN corepack install',
    'RUN npm run lint',
    'RUN --mount=type=bind,source=tools,target=/tools npm i -g typescript',
    'RUN echo "registry=https://npm.example" > /root/.npmrc',
    'COPY --from=build /out/dist ./dist',
    'COPY .npmrc ./',
  ])('`%s` may read the source: the current reason', async (between) => {
    const r = await run(head + between + '\nRUN npm ci\n');
    expect(r.output).toBe(head + between + '\nRUN npm ci\n');
    expect(r.skipped.map((s) => s.reason).join('\n')).toContain(
      'runs between the copy and the install and may prepare it',
    );
  });

  test('with an ENV between too, the manifest COPY still goes right before the install', async () => {
    const setup = 'RUN npm i -g pnpm@9\nENV NODE_ENV=production\n';
    const moved = await run(head + setup + 'RUN npm ci\n');
    expect(moved.output).toBe(
      `FROM node:20\nWORKDIR /app\n${setup}COPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n`,
    );
    const split = await run(head + setup + 'RUN npm ci && npm run build\n');
    expect(split.output).toBe(
      `FROM node:20\nWORKDIR /app\n${setup}COPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n`,
    );
  });

  test('a tool set-up reading its settings from the copied tree stays a blocker', async () => {
    const df =
      'FROM node:20\nENV NPM_CONFIG_USERCONFIG=/app/ci.npmrc\nWORKDIR /app\nCOPY . .\nRUN npm i -g pnpm\nRUN npm ci\n';
    const r = await optimize(df, {
      only: ['dependency-cache'],
      context: { ...node, 'ci.npmrc': 'registry=https://npm.example\n' },
      path: 'Dockerfile',
    });
    expect(r.output).toBe(df);
    expect(r.skipped.map((s) => s.reason).join('\n')).toContain('a RUN at line 5');
  });
});

describe('notes and messages', () => {
  test('a fixed install gets no "nothing to move" note; such notes are info only', async () => {
    const df =
      'FROM python:3.12\nCOPY . /srv/app\nWORKDIR /srv/app\nRUN pip install -r requirements.txt\n';
    const context = { 'requirements.txt': 'flask\n', 'app.py': 'x\n' };
    const r = await optimize(df, { only: ['dependency-cache'], context, path: 'Dockerfile' });
    expect(r.fixes.map((f) => [f.ruleId, f.line])).toEqual([['dependency-cache/pip', 4]]);
    expect(r.skipped).toEqual([]);
    const again = await optimize(r.output, {
      only: ['dependency-cache'],
      context,
      path: 'Dockerfile',
    });
    expect(again.skipped.length).toBeGreaterThan(0);
    for (const s of again.skipped) expect(s).toMatchObject({ info: true });
  });

  test('a vendored Go module is an info note, and the message names the go command', async () => {
    const go = {
      'go.mod': 'module x\n\ngo 1.22\n\nrequire github.com/google/uuid v1.6.0\n',
      'go.sum': 'x\n',
      'main.go': 'package main\n',
    };
    const vendored = await optimize(
      'FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n',
      {
        only: ['dependency-cache'],
        context: { ...go, 'vendor/modules.txt': '# github.com/google/uuid v1.6.0\n' },
        path: 'Dockerfile',
        unsafe: true,
      },
    );
    expect(vendored.skipped).toEqual([
      expect.objectContaining({
        reason: expect.stringContaining('go build reads vendor/'),
        info: true,
      }),
    ]);
    const install = await optimize(
      'FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go install ./cmd/api\n',
      {
        only: ['dependency-cache'],
        context: go,
        path: 'Dockerfile',
        unsafe: true,
      },
    );
    expect(install.fixes[0]!.message).toMatch(/^go install downloads every module again/);
  });
});

describe('system package installs between the full copy and the install', () => {
  const ctx = { 'requirements.txt': 'flask==3.0.3\n', 'app.py': 'print(1)\n', 'pkg.deb': 'x' };
  const run = (dest: string, between: string) =>
    optimize(
      `FROM python:3.12-slim\nWORKDIR ${dest}\nCOPY . .\nRUN ${between}\nRUN pip install -r requirements.txt\nCMD ["python", "app.py"]\n`,
      { context: ctx, only: ['dependency-cache'] },
    );
  const moved = async (dest: string, between: string) => {
    const r = await run(dest, between);
    return r.fixes.some((f) => f.ruleId === 'dependency-cache/pip');
  };

  test.each([
    'apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev && rm -rf /var/lib/apt/lists/*',
    'apt-get update && apt-get install -y curl=7.88.1-10+deb12u5 gcc/bookworm-backports',
    'apk add --no-cache postgresql-dev gcc musl-dev',
    'dnf install -y gcc-c++ && dnf clean all',
    'apt-get update -qq && apt-get upgrade -y && apt-get clean',
  ])('named packages, nothing from the context: the copy moves below `%s`', async (between) => {
    expect(await moved('/app', between)).toBe(true);
    expect(await moved('/usr/src/app', between)).toBe(true);
    expect(await moved('/usr/local/app', between)).toBe(true);
  });

  test.each([
    ['a local .deb from the context', 'apt-get install -y ./pkg.deb'],
    ['a package list in a variable', 'apt-get install -y $BUILD_DEPS'],
    ['packages from a file of the context', 'apt-get install -y $(cat packages.txt)'],
    ['an apt option with a value', 'apt-get -o Dpkg::Options::=--force-confold install -y gcc'],
    ['a removal inside the copied tree', 'apt-get install -y gcc && rm -rf /app/build'],
    ['another command in the chain', 'apt-get install -y gcc && make deps'],
  ])('%s keeps the skip', async (_why, between) => {
    const r = await run('/app', between);
    expect(r.fixes).toEqual([]);
    expect(r.skipped.map((s) => s.reason)).toContainEqual(
      expect.stringContaining('runs between the copy and the install'),
    );
  });

  test.each(['/', '/var/www/html', '/usr/share/app', '/etc/app', '/opt'])(
    'a copy into %s (a folder packages install into) keeps the skip',
    async (dest) => {
      expect(await moved(dest, 'apt-get update && apt-get install -y gcc')).toBe(false);
    },
  );
});
