/**
 * `dependency-cache` proved with the static cache model (src/cache/model.ts): for every fixture
 * that moves an install, editing a source file re-runs the install before the fix and leaves it
 * cached after it, while editing a manifest still re-runs it. The reachability answer
 * (`rerunOnEdit`) is checked against the keys themselves (a model built over the edited context).
 * Plus unit tests of the model.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as path from 'node:path';
import { buildCacheModel, sourceMatcher, type CacheModel } from '../src/cache/model.js';
import { DiskContext, MemoryContext, OverlayContext } from '../src/context.js';
import { optimize } from '../src/api.js';
import { parseDockerfile } from '../src/parse/dockerfile.js';
import { initShellParser } from '../src/parse/shell.js';
import type { BuildContext, DockerfileModel } from '../src/types.js';
import { loadCases, materialise, removeTmpdirs } from './helpers.js';

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
    // The install moved by the fix: the RUN whose text is in both files, re-run before the fix.
    const moved = movedRuns(before, after).filter(([b]) => reruns(cacheBefore, source).includes(b));
    expect(moved.length).toBeGreaterThan(0);
    const [b, a] = moved[0]!;
    // Before: a source edit re-runs the install (graph and keys agree).
    expect(reruns(cacheBefore, source)).toContain(b);
    expect(keyDiff(before, ctx, source)).toEqual(reruns(cacheBefore, source));
    // After: the install stays cached.
    expect(reruns(cacheAfter, source)).not.toContain(a);
    expect(keyDiff(after, ctx, source)).toEqual(reruns(cacheAfter, source));
    // ... but a manifest edit still re-runs it.
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
    const { NoContext } = await import('../src/context.js');
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
