/**
 * The BuildKit cache model (src/cache/model.ts) and `explain` (src/explain.ts): labels and
 * numbering, which steps exist, ARG/ENV/USER/SHELL key rules, content-addressed COPY --from,
 * .dockerignore, wildcards, bind mounts, --target, default edits, the summary line, and the CLI.
 *
 * Cases marked "observed" reproduce builds made with Docker 20.10.24 (BuildKit, `--progress=plain`,
 * debian:bookworm): the labels are the ones it printed, the re-run sets the steps it did not report
 * CACHED after the edit.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { explain as apiExplain, optimize } from '../../src/api.js';
import {
  buildCacheModel,
  normalizeImage,
  overlaps,
  parseWords,
  processWord,
  TargetError,
  type CacheModel,
  type CacheModelOptions,
} from '../../src/cache/model.js';
import {
  DiskContext,
  MemoryContext,
  NoContext,
  OverlayContext,
} from '../../src/context/context.js';
import { InputError } from '../../src/engine/loop.js';
import {
  cacheSummary,
  defaultEdits,
  explain,
  explainFile,
  expensiveReason,
  filesNamedByFix,
  fixCacheLine,
  isManifest,
  type ExplainResult,
} from '../../src/explain/explain.js';
import { formatExplain } from '../../src/explain/format.js';
import { parseDockerfile } from '../../src/model/dockerfile.js';
import type { ContextEntry, WalkOptions } from '../../src/model/types.js';
import { initShellParser } from '../../src/model/shell.js';
import { removeTmpdirs, ROOT, tmpdir, writeTree } from '../helpers.js';
import { runCli } from '../support/cli.js';

beforeAll(initShellParser);
afterAll(removeTmpdirs);

type Files = Record<string, string>;

function cacheOf(text: string, files: Files | null = {}, options: CacheModelOptions = {}) {
  return buildCacheModel(
    parseDockerfile(text),
    files === null ? new NoContext() : new MemoryContext(files),
    options,
  );
}

/** BuildKit vertex names of the built steps, in order. */
const names = (c: CacheModel) =>
  c.steps.filter((s) => s.buildkit && s.built).map((s) => s.buildkit!.name);

/** The prefixes an edit re-runs, certain ones and maybe ones. */
function reruns(c: CacheModel, file: string) {
  const r = c.rerun(file);
  return {
    certain: r.filter((x) => x.certain).map((x) => x.step.buildkit!.prefix),
    maybe: r.filter((x) => !x.certain).map((x) => x.step.buildkit!.prefix),
  };
}

/** Instruction indices whose keys differ between two models (same instruction count). */
function changed(a: CacheModel, b: CacheModel): number[] {
  expect(a.steps.length).toBe(b.steps.length);
  return a.steps.filter((s, i) => s.key !== b.steps[i]!.key).map((s) => s.instruction);
}

/** Keys that change when `file` gets new content (the model over an edited context). */
function keyDiff(text: string, files: Files, file: string): number[] {
  const ctx = new MemoryContext(files);
  const edited = new OverlayContext(ctx);
  edited.overlay.set(file, (files[file] ?? '') + 'edited\n');
  const model = parseDockerfile(text);
  return changed(buildCacheModel(model, ctx), buildCacheModel(model, edited));
}

// Observed (labels, ARG over ENV, build args): see the tests using it.
const chain = [
  'FROM debian:bookworm AS base',
  'ENV V=1',
  'ARG V=2',
  'RUN echo "V=$V" > /v && cat /v',
  'ARG X=1',
  'FROM base AS child',
  'RUN echo child',
  'FROM scratch AS s',
  'COPY a.txt /a',
  'FROM child',
  'SHELL ["/bin/bash", "-c"]',
  'ARG F=a.txt',
  'COPY $F /f',
  'COPY --from=s /a /sa',
  'RUN echo last',
  '',
].join('\n');
const chainFiles = { 'a.txt': 'a\n', 'b.txt': 'b\n' };

const METADATA = ['ENV', 'ARG', 'LABEL', 'EXPOSE', 'CMD', 'ENTRYPOINT', 'USER', 'HEALTHCHECK'];

describe('BuildKit steps and labels', () => {
  test('metadata-only instructions are no steps; WORKDIR, COPY, RUN and FROM <image> are', () => {
    const df = [
      'FROM debian:bookworm',
      'ENV A=1',
      'LABEL x=y',
      'WORKDIR /app',
      'COPY req.txt .',
      'USER nobody',
      'RUN cat req.txt',
      'EXPOSE 80',
      'HEALTHCHECK CMD true',
      'STOPSIGNAL SIGTERM',
      'VOLUME /data',
      'SHELL ["/bin/bash", "-c"]',
      'ONBUILD RUN echo later',
      'CMD ["x"]',
      'ENTRYPOINT ["y"]',
      '',
    ].join('\n');
    const c = cacheOf(df, { 'req.txt': 'a\n' });
    expect(names(c)).toEqual([
      '[1/4] FROM docker.io/library/debian:bookworm',
      '[2/4] WORKDIR /app',
      '[3/4] COPY req.txt .',
      '[4/4] RUN cat req.txt',
    ]);
    for (const s of c.steps)
      if ([...METADATA, 'STOPSIGNAL', 'VOLUME', 'SHELL', 'ONBUILD'].includes(s.keyword))
        expect(s.buildkit).toBeNull();
    const r = explain({ text: df, context: new MemoryContext({ 'req.txt': 'a\n' }) });
    expect(r.steps.map((s) => s.instruction)).toEqual([
      'FROM debian:bookworm',
      'WORKDIR /app',
      'COPY req.txt .',
      'RUN cat req.txt',
    ]);
    expect(r.edits).toEqual([
      {
        path: 'req.txt',
        kind: 'source',
        ignored: false,
        reruns: [
          expect.objectContaining({ instruction: 'COPY req.txt .', line: 5, certain: true }),
          expect.objectContaining({ instruction: 'RUN cat req.txt', line: 7, cause: 'parent' }),
        ],
      },
    ]);
  });

  // Observed: the labels BuildKit printed for this file.
  const stages = [
    'ARG BASE=debian:bookworm',
    'FROM ${BASE} AS Deps',
    'ENV A=1',
    'WORKDIR /app',
    'LABEL x=y',
    'COPY req.txt .',
    'RUN cat req.txt',
    'FROM deps AS app',
    'COPY . .',
    'RUN ls',
    'FROM debian:bookworm',
    'COPY --from=app /app /app',
    'EXPOSE 80',
    'WORKDIR /',
    'RUN echo done',
    'CMD ["x"]',
    '',
  ].join('\n');

  test('multi-stage (observed): lower-cased names, stage-K, no FROM step for FROM <stage>, WORKDIR / counted but no step', () => {
    const c = cacheOf(stages, { 'req.txt': 'a\n', 'app.py': 'b\n' });
    expect(names(c)).toEqual([
      '[deps 1/4] FROM docker.io/library/debian:bookworm',
      '[deps 2/4] WORKDIR /app',
      '[deps 3/4] COPY req.txt .',
      '[deps 4/4] RUN cat req.txt',
      '[app 1/2] COPY . .',
      '[app 2/2] RUN ls',
      '[stage-2 1/4] FROM docker.io/library/debian:bookworm',
      '[stage-2 2/4] COPY --from=app /app /app',
      '[stage-2 3/4] RUN echo done',
    ]);
    expect(c.stepOf(7)!.buildkit).toBeNull(); // FROM deps AS app
    expect(c.stepOf(13)!.buildkit).toBeNull(); // WORKDIR /
    expect(c.stages.map((s) => [s.display, s.total, s.base])).toEqual([
      ['deps', 4, null],
      ['app', 2, 0],
      ['stage-2', 4, null],
    ]);
    // Observed: editing app.py re-ran [app 1/2], [app 2/2], [stage-2 2/4], [stage-2 3/4].
    expect(reruns(c, 'app.py')).toEqual({
      certain: ['[app 1/2]', '[app 2/2]'],
      maybe: ['[stage-2 2/4]', '[stage-2 3/4]'],
    });
  });

  test('padding to the width of n, variables expanded in names, single named stage unnamed (observed)', () => {
    const df = [
      'ARG META=1',
      'FROM debian:bookworm AS only',
      'ARG UNUSED=1',
      'ENV E=1',
      'RUN echo one',
      'COPY a.txt /a.txt',
      'USER nobody',
      'WORKDIR /w',
      `RUN echo two $E "$E" '$E' $NOPE`,
      'LABEL l=1',
      'COPY b.txt /b.txt',
      'RUN echo three',
      'RUN echo 4',
      'RUN echo 5',
      'RUN echo 6',
      'CMD ["x"]',
      '',
    ].join('\n');
    const files = { 'a.txt': 'a\n', 'b.txt': 'b\n' };
    const c = cacheOf(df, files);
    expect(names(c)).toEqual([
      '[ 1/10] FROM docker.io/library/debian:bookworm',
      '[ 2/10] RUN echo one',
      '[ 3/10] COPY a.txt /a.txt',
      '[ 4/10] WORKDIR /w',
      `[ 5/10] RUN echo two 1 "1" '$E' $NOPE`,
      '[ 6/10] COPY b.txt /b.txt',
      '[ 7/10] RUN echo three',
      '[ 8/10] RUN echo 4',
      '[ 9/10] RUN echo 5',
      '[10/10] RUN echo 6',
    ]);
    expect(c.stepOf(4)!.buildkit!.label).toBe(' 2/10');
    // Observed: editing b.txt re-ran [6/10] to [10/10].
    expect(reruns(c, 'b.txt').certain).toEqual([
      '[ 6/10]',
      '[ 7/10]',
      '[ 8/10]',
      '[ 9/10]',
      '[10/10]',
    ]);
    // Observed: --build-arg UNUSED=2 re-ran every step after the ARG; UNUSED=1 (the default),
    // an undeclared OTHER=1 and the global META=2 re-ran nothing.
    expect(changed(c, cacheOf(df, files, { buildArgs: { UNUSED: '2' } }))).toEqual([
      4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
    ]);
    expect(changed(c, cacheOf(df, files, { buildArgs: { UNUSED: '1' } }))).toEqual([]);
    expect(changed(c, cacheOf(df, files, { buildArgs: { OTHER: '1', META: '2' } }))).toEqual([]);
    // Observed: changing LABEL and CMD re-ran nothing.
    const relabelled = df.replace('LABEL l=1', 'LABEL l=2').replace('CMD ["x"]', 'CMD ["y"]');
    expect(changed(c, cacheOf(relabelled, files))).toEqual([]);
  });

  test('hidden stages (observed): COPY --from=<image> and a cache mount make a single stage stage-0', () => {
    expect(
      names(
        cacheOf(
          'FROM debian:bookworm\nCOPY --from=debian:bookworm /etc/hostname /x\nRUN echo hi\n',
        ),
      ),
    ).toEqual([
      '[stage-0 1/3] FROM docker.io/library/debian:bookworm',
      '[stage-0 2/3] COPY --from=debian:bookworm /etc/hostname /x',
      '[stage-0 3/3] RUN echo hi',
    ]);
    expect(
      names(cacheOf('FROM debian:bookworm\nRUN --mount=type=cache,target=/var/cache/x echo hi\n')),
    ).toEqual([
      '[stage-0 1/2] FROM docker.io/library/debian:bookworm',
      '[stage-0 2/2] RUN --mount=type=cache,target=/var/cache/x echo hi',
    ]);
    expect(
      names(cacheOf('FROM debian:bookworm\nRUN --mount=type=tmpfs,target=/t echo t\n')),
    ).toEqual([
      '[1/2] FROM docker.io/library/debian:bookworm',
      '[2/2] RUN --mount=type=tmpfs,target=/t echo t',
    ]);
  });

  test('FROM scratch and FROM <stage> are not counted; COPY names show expanded sources (observed)', () => {
    expect(names(cacheOf(chain, chainFiles))).toEqual([
      '[base 1/2] FROM docker.io/library/debian:bookworm',
      '[base 2/2] RUN echo "V=2" > /v && cat /v',
      '[child 1/1] RUN echo child',
      '[s 1/1] COPY a.txt /a',
      '[stage-3 1/3] COPY a.txt /f',
      '[stage-3 2/3] COPY --from=s /a /sa',
      '[stage-3 3/3] RUN echo last',
    ]);
    expect(names(cacheOf(chain, chainFiles, { buildArgs: { F: 'b.txt' } }))).toContain(
      '[stage-3 1/3] COPY b.txt /f',
    );
  });

  // Not observed against BuildKit: the model's own rule (writtenText), pinned here.
  test('heredocs: the step is named by its first line; the body is in the key', () => {
    const df = (body: string) =>
      `# syntax=docker/dockerfile:1\nFROM debian\nRUN <<EOF\n${body}\nEOF\nRUN echo after\n`;
    const c = cacheOf(df('echo one'));
    expect(names(c)).toEqual([
      '[1/3] FROM docker.io/library/debian:latest',
      '[2/3] RUN <<EOF',
      '[3/3] RUN echo after',
    ]);
    expect(explain({ text: df('echo one') }).steps.map((s) => s.instruction)).toEqual([
      'FROM debian',
      'RUN <<EOF',
      'RUN echo after',
    ]);
    expect(changed(c, cacheOf(df('echo two')))).toEqual([1, 2]);
  });

  test('normalised image names', () => {
    expect(normalizeImage('python:3.12')).toBe('docker.io/library/python:3.12');
    expect(normalizeImage('debian')).toBe('docker.io/library/debian:latest');
    expect(normalizeImage('user/img')).toBe('docker.io/user/img:latest');
    expect(normalizeImage('ghcr.io/a/b:1')).toBe('ghcr.io/a/b:1');
    expect(normalizeImage('localhost:5000/x')).toBe('localhost:5000/x:latest');
    expect(normalizeImage('img@sha256:abc')).toBe('docker.io/library/img@sha256:abc');
  });
});

describe('keys: ARG, ENV, USER, SHELL (BuildKit rules)', () => {
  test('ARG before FROM: only FROM lines and re-declared ARGs see it', () => {
    const df = 'ARG BASE=debian:bookworm\nARG V=1\nFROM ${BASE}\nRUN echo $V\n';
    const c = cacheOf(df);
    expect(names(c)[0]).toBe('[1/2] FROM docker.io/library/debian:bookworm');
    expect(c.stepOf(3)!.vars).toEqual([]);
    // The global V is not in the RUN's environment: changing it re-runs nothing.
    expect(changed(c, cacheOf(df, {}, { buildArgs: { V: '2' } }))).toEqual([]);
    // A different base image changes everything.
    const other = cacheOf(df, {}, { buildArgs: { BASE: 'debian:12' } });
    expect(changed(c, other)).toEqual([2, 3]);
    expect(names(other)[0]).toBe('[1/2] FROM docker.io/library/debian:12');
    // Re-declared in the stage, it takes the global value and enters the key.
    const redeclared = 'ARG V=1\nFROM debian\nARG V\nRUN echo $V\n';
    const r = cacheOf(redeclared);
    expect(r.stepOf(3)!.vars).toEqual([['V', '1']]);
    expect(changed(r, cacheOf(redeclared, {}, { buildArgs: { V: '2' } }))).toEqual([3]);
  });

  test('an ENV change re-runs the first RUN after it, not the COPY before that RUN (observed)', () => {
    const df = (v: string, user = 'nobody') =>
      `FROM debian:bookworm\nRUN echo one\nUSER ${user}\nWORKDIR /w\nENV E2=${v}\nCOPY a.txt /a.txt\nRUN echo two\n`;
    const files = { 'a.txt': 'a\n' };
    expect(changed(cacheOf(df('x'), files), cacheOf(df('y'), files))).toEqual([6]);
    // Observed: a new USER re-ran the WORKDIR after it (and what follows), not what is before.
    expect(changed(cacheOf(df('x'), files), cacheOf(df('x', 'root'), files))).toEqual([3, 4, 5, 6]);
  });

  test('an ARG re-declared after an ENV of the same name wins in RUN (observed: printed V=2)', () => {
    const c = cacheOf(chain, chainFiles);
    expect(c.stepOf(3)!.vars).toEqual([['V', '2']]);
    expect(cacheOf(chain, chainFiles, { buildArgs: { V: '3' } }).stepOf(3)!.vars).toEqual([
      ['V', '3'],
    ]);
  });

  test('ARG values of a base stage reach the stages built FROM it (observed: X=2 re-ran child)', () => {
    const c = cacheOf(chain, chainFiles);
    const x2 = cacheOf(chain, chainFiles, { buildArgs: { X: '2' } });
    // Not the base stage (its RUN is before the ARG; the ARG itself is no step), but child's RUN
    // and everything built on it.
    expect(changed(c, x2)).toEqual([6, 9, 10, 11, 12, 13, 14]);
    const real = new Set(
      x2.steps
        .filter((s, i) => s.key !== c.steps[i]!.key && s.buildkit)
        .map((s) => s.buildkit!.prefix),
    );
    expect([...real]).toEqual(['[child 1/1]', '[stage-3 1/3]', '[stage-3 2/3]', '[stage-3 3/3]']);
    // F only changes the COPY that expands it and what follows (observed: [stage-3 1/3] to 3/3).
    expect(changed(c, cacheOf(chain, chainFiles, { buildArgs: { F: 'b.txt' } }))).toEqual([
      12, 13, 14,
    ]);
  });

  test('SHELL changes the keys of later RUNs; metadata alone changes no key', () => {
    const a = cacheOf('FROM debian\nRUN echo a\nSHELL ["/bin/sh", "-c"]\nCOPY x /x\nRUN echo b\n', {
      x: '1',
    });
    const b = cacheOf(
      'FROM debian\nRUN echo a\nSHELL ["/bin/bash", "-c"]\nCOPY x /x\nRUN echo b\n',
      { x: '1' },
    );
    expect(changed(a, b)).toEqual([4]);
    const m1 = cacheOf('FROM debian\nEXPOSE 80\nRUN echo a\nSTOPSIGNAL SIGTERM\n');
    const m2 = cacheOf('FROM debian\nEXPOSE 81\nRUN echo a\nSTOPSIGNAL SIGKILL\n');
    expect(changed(m1, m2)).toEqual([]);
  });
});

describe('which steps an edit re-runs', () => {
  // Observed: every edit below was built; the comments list what BuildKit did not report CACHED.
  const df = [
    'FROM debian:bookworm AS build',
    'WORKDIR /src',
    'COPY . .',
    'RUN cat a.txt > /out.txt',
    'FROM debian:bookworm AS src',
    'COPY . /s',
    'FROM debian:bookworm',
    'COPY --from=build /out.txt /out.txt',
    'RUN echo final',
    'COPY --from=src /s/a.txt /a.txt',
    'RUN echo final2',
    'RUN --mount=type=bind,source=sub,target=/m cat /m/x',
    'RUN --mount=type=bind,target=/c ls /c',
    'RUN --mount=type=bind,from=build,source=/out.txt,target=/o cat /o',
    '',
  ].join('\n');
  const files = { 'a.txt': 'a\n', 'b.txt': 'b\n', 'sub/x': 'x\n', Dockerfile: 'FROM x\n' };

  /** Certain re-runs must have re-run; everything that re-ran must be predicted. */
  function agrees(file: string, observed: string[]) {
    const r = reruns(cacheOf(df, files), file);
    for (const p of r.certain) expect(observed).toContain(p);
    for (const p of observed) expect([...r.certain, ...r.maybe]).toContain(p);
    return r;
  }

  test('b.txt (observed): COPY --from of an unchanged file stays cached', () => {
    const observed = ['[build 3/4]', '[build 4/4]', '[src 2/2]', '[stage-2 7/8]', '[stage-2 8/8]'];
    expect(agrees('b.txt', observed)).toEqual({
      certain: observed,
      // /out.txt comes from a RUN that re-runs: BuildKit copies it again only if its bytes change.
      maybe: ['[stage-2 2/8]', '[stage-2 3/8]', '[stage-2 4/8]', '[stage-2 5/8]', '[stage-2 6/8]'],
    });
  });

  test('sub/x (observed): the bind mount of sub re-runs, the whole-context one too', () => {
    const observed = [
      '[build 3/4]',
      '[build 4/4]',
      '[src 2/2]',
      '[stage-2 6/8]',
      '[stage-2 7/8]',
      '[stage-2 8/8]',
    ];
    expect(agrees('sub/x', observed).certain).toEqual(observed);
  });

  test('a.txt (observed): a COPY --from of the copied file itself is a certain re-run', () => {
    const r = agrees('a.txt', [
      '[build 3/4]',
      '[build 4/4]',
      '[stage-2 2/8]',
      '[stage-2 3/8]',
      '[src 2/2]',
      '[stage-2 4/8]',
      '[stage-2 5/8]',
      '[stage-2 6/8]',
      '[stage-2 7/8]',
      '[stage-2 8/8]',
    ]);
    expect(r.maybe).toEqual(['[stage-2 2/8]', '[stage-2 3/8]']);
    const step = cacheOf(df, files)
      .rerun('a.txt')
      .find((x) => x.step.buildkit!.prefix === '[stage-2 4/8]')!;
    expect([step.certain, step.cause]).toEqual([true, 'stage']);
    expect(
      cacheOf(df, files)
        .rerun('b.txt')
        .find((x) => !x.certain)!.maybeFrom,
    ).toBe(0);
  });

  test('keys agree with the re-run answer for every file', () => {
    const c = cacheOf(df, files);
    for (const f of Object.keys(files))
      expect(keyDiff(df, files, f)).toEqual(c.rerunOnEdit(f).map((s) => s.instruction));
  });

  test('.dockerignore exclusions (Docker semantics, negation included)', () => {
    const ctx = {
      'app.py': '1\n',
      'secret.txt': 's\n',
      'debug.log': 'l\n',
      'keep.log': 'k\n',
      '.dockerignore': 'secret.txt\n*.log\n!keep.log\n',
    };
    const text = 'FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN python -m compileall .\n';
    const c = cacheOf(text, ctx);
    expect(reruns(c, 'secret.txt').certain).toEqual([]);
    expect(reruns(c, 'debug.log').certain).toEqual([]);
    expect(reruns(c, 'keep.log').certain).toEqual(['[3/4]', '[4/4]']);
    expect(c.stepOf(2)!.sources[0]!.files).toEqual(['.dockerignore', 'app.py', 'keep.log']);
    const r = explain({ text, context: new MemoryContext(ctx), edits: ['secret.txt'] });
    expect(r.edits[0]).toEqual({ path: 'secret.txt', kind: 'given', ignored: true, reruns: [] });
    for (const f of Object.keys(ctx))
      expect(keyDiff(text, ctx, f)).toEqual(c.rerunOnEdit(f).map((s) => s.instruction));
  });

  test('wildcard COPY sources: one path level, folders matched whole, new files too', () => {
    const ctx = { 'a.py': '1\n', 'sub/b.py': '2\n', 'README.md': 'r\n', 'lib.d/x.txt': 'x\n' };
    const text = 'FROM python:3.12\nCOPY *.py /srv/\nCOPY *.d /etc/\nRUN ls /srv\n';
    const c = cacheOf(text, ctx);
    expect(reruns(c, 'a.py').certain).toEqual(['[2/4]', '[3/4]', '[4/4]']);
    expect(reruns(c, 'sub/b.py').certain).toEqual([]);
    expect(reruns(c, 'README.md').certain).toEqual([]);
    expect(reruns(c, 'lib.d/x.txt').certain).toEqual(['[3/4]', '[4/4]']);
    expect(reruns(c, 'new.py').certain).toEqual(['[2/4]', '[3/4]', '[4/4]']);
    for (const f of Object.keys(ctx))
      expect(keyDiff(text, ctx, f)).toEqual(c.rerunOnEdit(f).map((s) => s.instruction));
  });

  test('RUN --mount=type=bind: the whole context by default, or its source', () => {
    const ctx = { 'go.mod': 'module x\n', 'main.go': 'package main\n', 'docs/a.md': 'a\n' };
    const text = [
      'FROM golang:1.22',
      'RUN --mount=type=bind,source=go.mod,target=go.mod go mod download',
      'RUN --mount=type=bind,target=. go build -o /app .',
      '',
    ].join('\n');
    const c = cacheOf(text, ctx);
    expect(reruns(c, 'go.mod').certain).toEqual(['[2/3]', '[3/3]']);
    expect(reruns(c, 'main.go').certain).toEqual(['[3/3]']);
    expect(reruns(c, 'docs/a.md').certain).toEqual(['[3/3]']);
    expect(c.stepOf(1)!.sources).toEqual([{ raw: 'go.mod', path: 'go.mod', files: ['go.mod'] }]);
  });

  test('a stage nothing needs is not built without --target (observed); --target picks one', () => {
    const text = [
      'ARG META=m1',
      'FROM debian:bookworm AS one',
      'ARG META',
      'RUN echo one',
      'COPY a.txt /a.txt',
      'FROM debian:bookworm AS two',
      'RUN echo other',
      '',
    ].join('\n');
    const ctx = { 'a.txt': 'a\n' };
    const all = cacheOf(text, ctx);
    expect(all.stages.map((s) => s.built)).toEqual([false, true]);
    // Observed: only [two 2/2] ran.
    expect(names(all)).toEqual([
      '[two 1/2] FROM docker.io/library/debian:bookworm',
      '[two 2/2] RUN echo other',
    ]);
    expect(all.rerun('a.txt')).toEqual([]);
    const one = cacheOf(text, ctx, { target: 'ONE' });
    expect(one.stages.map((s) => s.built)).toEqual([true, false]);
    expect(reruns(one, 'a.txt').certain).toEqual(['[one 3/3]']);
    // Observed: --build-arg META=m2 re-ran [one 2/3] and [one 3/3] (META re-declared).
    const m2 = cacheOf(text, ctx, { target: 'one', buildArgs: { META: 'm2' } });
    expect(changed(one, m2)).toEqual([3, 4]);
    expect(() => cacheOf(text, ctx, { target: 'three' })).toThrow(TargetError);
  });

  test('--target builds the stages the target needs through COPY --from and FROM', () => {
    const c = cacheOf(df, files, { target: 'src' });
    expect(c.stages.map((s) => s.built)).toEqual([false, true, false]);
    expect(reruns(c, 'a.txt')).toEqual({ certain: ['[src 2/2]'], maybe: [] });
    const last = cacheOf(df, files);
    expect(last.stages.map((s) => s.built)).toEqual([true, true, true]);
    // A target reached through FROM <stage> and COPY --from: exactly the stages it needs.
    const chained = [
      'FROM debian AS base',
      'COPY a.txt /a.txt',
      'FROM base AS mid',
      'RUN echo mid',
      'FROM debian AS unused',
      'COPY b.txt /b.txt',
      'FROM debian AS top',
      'COPY --from=mid /a.txt /a.txt',
      'FROM debian',
      'RUN echo last',
      '',
    ].join('\n');
    const top = cacheOf(chained, files, { target: 'top' });
    expect(top.stages.map((s) => s.built)).toEqual([true, true, false, true, false]);
    // /a.txt of mid is the copied file, but mid's re-run RUN may rewrite it: a maybe re-run.
    expect(reruns(top, 'a.txt')).toEqual({
      certain: ['[base 2/2]', '[mid 1/1]'],
      maybe: ['[top 2/2]'],
    });
    expect(top.rerun('b.txt')).toEqual([]);
    const mid = cacheOf(chained, files, { target: 'mid' });
    expect(mid.stages.map((s) => s.built)).toEqual([true, true, false, false, false]);
    expect(reruns(mid, 'a.txt').certain).toEqual(['[base 2/2]', '[mid 1/1]']);
    // No target: only the last stage, which needs nothing.
    expect(cacheOf(chained, files).rerun('a.txt')).toEqual([]);
  });

  test('without a context, sources match as written', () => {
    const c = cacheOf(
      'FROM node\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\nCOPY src/ ./src/\n',
      null,
    );
    expect(reruns(c, 'package.json').certain).toEqual(['[3/5]', '[4/5]', '[5/5]']);
    expect(reruns(c, 'src/a.js').certain).toEqual(['[5/5]']);
    expect(reruns(c, 'README.md').certain).toEqual([]);
  });
});

describe('model mechanics', () => {
  test('rerun and explain never read file contents (keys are computed on first use)', () => {
    const reads: string[] = [];
    class Counting extends MemoryContext {
      override readFile(p: string): string | null {
        if (!p.endsWith('.dockerignore')) reads.push(p);
        return super.readFile(p);
      }
    }
    const ctx = new Counting({ 'a.py': '1\n', 'b.py': '2\n' });
    const c = buildCacheModel(parseDockerfile('FROM python\nCOPY . .\nRUN python a.py\n'), ctx);
    expect(c.rerun('a.py').length).toBe(2);
    explain({ text: 'FROM python\nCOPY . .\nRUN python a.py\n', context: ctx });
    expect(reads).toEqual([]);
    expect(c.steps[1]!.key).toMatch(/^[0-9a-f]{64}$/);
    expect(reads.sort()).toEqual(['a.py', 'b.py']);
  });

  test('a COPY --from cycle (BuildKit rejects it) does not hang the model', () => {
    const c = cacheOf(
      'FROM debian AS a\nCOPY --from=b /x /x\nFROM debian AS b\nCOPY --from=a /y /y\n',
    );
    expect(c.steps.every((s) => /^[0-9a-f]{64}$/.test(s.key))).toBe(true);
    expect(c.rerun('x')).toEqual([]);
    expect(c.stages.map((s) => s.built)).toEqual([true, true]);
  });
});

describe('word processing (BuildKit lex)', () => {
  const env = new Map([
    ['A', '1'],
    ['E', ''],
  ]);
  test('expansion, quotes, escapes, defaults', () => {
    expect(processWord('x $A ${A} "$A" \'$A\'', env)!.value).toBe('x 1 1 1 $A');
    expect(processWord('${E:-d} ${A:+set} ${N:-n} \\$A', env)!.value).toBe('d set n $A');
    expect(processWord('$N', env)).toEqual({ value: '', unresolved: true });
    expect(processWord('"a $N"', env, { rawQuotes: true, skipUnset: true })!.value).toBe('"a $N"');
    expect(processWord('"unterminated', env)).toBeNull();
  });
  test('ENV/ARG words keep quotes; paths overlap', () => {
    expect(parseWords('A="x y" B=\'z\' C=1\\ 2')).toEqual(['A="x y"', "B='z'", 'C=1\\ 2']);
    expect(overlaps('/app/a.py', '/app')).toBe(true);
    expect(overlaps('/app', '/app/static')).toBe(true);
    expect(overlaps('/app/a.py', '/app/static')).toBe(false);
    expect(overlaps('/out/x.bin', '/out/*.bin')).toBe(true);
    expect(overlaps('/other', '/out/*.bin')).toBe(false);
    expect(overlaps(null, '/x')).toBe(true);
  });
});

describe('explain()', () => {
  const flask = {
    'app.py': 'print(1)\n',
    'requirements.txt': 'flask\n',
    'templates/index.html': '<p>\n',
    '.env': 'SECRET=1\n',
    Dockerfile: 'x\n',
    'README.md': 'r\n',
  };
  const flaskDf =
    'FROM python:3.12\nWORKDIR /app\nRUN apt-get update\nRUN apt-get install -y gcc\nCOPY . .\nRUN pip install -r requirements.txt\nCMD ["python", "app.py"]\n';
  const fixedDf =
    'FROM python:3.12\nWORKDIR /app\nRUN apt-get update && apt-get install -y gcc && rm -rf /var/lib/apt/lists/*\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\nCMD ["python", "app.py"]\n';

  test('default edits: a representative source file and each copied manifest', () => {
    const r = explain({ text: flaskDf, context: new MemoryContext(flask) });
    expect(r.edits.map((e) => [e.path, e.kind])).toEqual([
      ['app.py', 'source'],
      ['requirements.txt', 'manifest'],
    ]);
    expect(r.edits[0]!.reruns.map((s) => [s.buildkit.prefix, s.instruction, s.reason])).toEqual([
      ['[5/6]', 'COPY . .', null],
      ['[6/6]', 'RUN pip install -r requirements.txt', 'pip install'],
    ]);
    expect(r.steps.filter((s) => s.expensive).map((s) => s.reason)).toEqual([
      'apt-get update',
      'apt-get install',
      'pip install',
    ]);
    expect(r.target).toBeNull();
    expect(apiExplain).toBe(explain);
  });

  test('the source edit prefers a copied sub-folder, then code, then shallow paths', () => {
    const ctx = {
      'package.json': '{}\n',
      'package-lock.json': '{}\n',
      'index.js': '1\n',
      'src/a.css': 'a\n',
      'src/main.ts': 'm\n',
      'src/b/util.ts': 'u\n',
      'src/.hidden.ts': 'h\n',
    };
    const text =
      'FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY src/ ./src/\nCOPY index.js .\nRUN npm run build\n';
    const c = cacheOf(text, ctx);
    expect(defaultEdits(c, new MemoryContext(ctx))).toEqual([
      { path: 'src/main.ts', kind: 'source' },
      { path: 'package-lock.json', kind: 'manifest' },
      { path: 'package.json', kind: 'manifest' },
    ]);
    // Without a context: manifests named in COPY sources, any file of the first copied folder.
    expect(defaultEdits(cacheOf(text, null), new NoContext())).toEqual([
      { path: 'index.js', kind: 'source' },
      { path: 'package-lock.json', kind: 'manifest' },
      { path: 'package.json', kind: 'manifest' },
    ]);
    const whole = cacheOf('FROM python\nCOPY requirements.txt .\nCOPY . .\n', null);
    expect(defaultEdits(whole, new NoContext())).toEqual([
      { path: '*', kind: 'source' },
      { path: 'requirements.txt', kind: 'manifest' },
    ]);
    const r = explain({ text: 'FROM python\nCOPY requirements.txt .\nCOPY . .\n' });
    expect(r.edits[0]!.reruns.map((s) => s.buildkit.prefix)).toEqual(['[3/3]']);
  });

  test('manifests and expensive commands', () => {
    for (const m of [
      'requirements.txt',
      'requirements-dev.txt',
      'go.sum',
      'a/package.json',
      'App.csproj',
    ])
      expect(isManifest(m)).toBe(true);
    for (const m of ['app.py', 'requirements.md', 'main.go']) expect(isManifest(m)).toBe(false);
    // One list for explain and verify (src/manifest.ts): each used to miss some of these.
    for (const m of [
      'gradlew',
      'apt.txt',
      'packages.txt',
      '.yarnrc',
      'packages.lock.json',
      'constraints-dev.txt',
      'pdm.lock',
      'requirements/base.txt',
      'global.json',
      'gradle/wrapper/gradle-wrapper.properties',
    ])
      expect(isManifest(m)).toBe(true);
    for (const m of ['gradle.txt', 'src/package.json.bak', 'apt.txt.md'])
      expect(isManifest(m)).toBe(false);
    const model = parseDockerfile(
      [
        'FROM debian',
        'RUN apt-get install -y curl && curl -fsSL https://x/y.tgz | tar xz',
        'RUN /venv/bin/pip install --no-index -r requirements.txt',
        'RUN python3 -m pip install flask',
        'RUN npm ci && npm run build',
        'RUN CGO_ENABLED=0 go build -o /app . && make',
        'RUN ./mvnw -B package',
        'RUN echo done && ls',
        'ADD https://example.com/x.tar.gz /x',
        'COPY . .',
        '',
      ].join('\n'),
    );
    const c = buildCacheModel(model, new NoContext());
    expect(c.steps.slice(1).map((s) => expensiveReason(model, s))).toEqual([
      'apt-get install, curl download',
      'pip install',
      'pip install',
      'npm ci, npm run build',
      'go build, make',
      'mvn package',
      null,
      'ADD download',
      null,
    ]);
    const more = parseDockerfile(
      [
        'FROM debian',
        'RUN apk add --no-cache curl && apk info',
        'RUN dnf -y install gcc && yum in make && zypper search x',
        'RUN poetry install && pipenv sync && pdm list',
        'RUN cargo build --release && dotnet restore && composer install && cargo test',
        'RUN constructor install && toString x',
        '',
      ].join('\n'),
    );
    const m = buildCacheModel(more, new NoContext());
    expect(m.steps.slice(1).map((s) => expensiveReason(more, s))).toEqual([
      'apk add',
      'dnf install, yum in',
      'poetry install, pipenv sync',
      'cargo build, dotnet restore, composer install',
      null,
    ]);
  });

  test('cacheSummary: before vs after the fix, null when the answer is the same', () => {
    const ctx = new MemoryContext(flask);
    const before = explain({ text: flaskDf, context: ctx });
    const after = explain({ text: fixedDf, context: ctx, edits: before.edits.map((e) => e.path) });
    expect(cacheSummary(before, after)).toBe(
      'cache: a source edit re-runs 1 step (was 2, incl. pip install)',
    );
    expect(cacheSummary(before, before)).toBeNull();
    // The other way round (a change that makes it worse) says so too.
    const fixedFirst = explain({ text: fixedDf, context: ctx });
    const worse = explain({ text: flaskDf, context: ctx, edits: ['app.py', 'requirements.txt'] });
    expect(cacheSummary(fixedFirst, worse)).toBe('cache: a source edit re-runs 2 steps (was 1)');
    const noSource: ExplainResult = { ...before, edits: before.edits.slice(1) };
    expect(cacheSummary(noSource, after)).toBeNull();
  });

  test('cacheSummary counts maybe re-runs as "up to"', () => {
    const ctx = new MemoryContext({ 'hello.c': 'int main(){}\n' });
    const single = 'FROM gcc\nWORKDIR /src\nCOPY hello.c .\nRUN gcc -o /hello hello.c\n';
    const split =
      'FROM gcc AS builder\nWORKDIR /src\nCOPY hello.c .\nRUN gcc -o /hello hello.c\nFROM debian\nCOPY --from=builder /hello /hello\nRUN echo ok\n';
    const b = explain({ text: single, context: ctx });
    const a = explain({ text: split, context: ctx, edits: ['hello.c'] });
    expect(a.edits[0]!.reruns.map((s) => [s.buildkit.prefix, s.certain, s.maybeFrom])).toEqual([
      ['[builder 3/4]', true, null],
      ['[builder 4/4]', true, null],
      ['[stage-1 2/3]', false, 'builder'],
      ['[stage-1 3/3]', false, 'builder'],
    ]);
    expect(cacheSummary(b, a)).toBe('cache: a source edit re-runs up to 4 steps (was 2)');
  });

  test('fixCacheLine with a real optimize() result', async () => {
    const ctx = new MemoryContext(flask);
    const result = await optimize(flaskDf, { context: ctx, path: 'Dockerfile' });
    expect(result.output).toBe(fixedDf);
    expect(fixCacheLine(flaskDf, result, ctx)).toBe(
      'cache: a source edit re-runs 1 step (was 2, incl. pip install)',
    );
    const noCache = await optimize(
      'FROM debian\nRUN apt-get update\nRUN apt-get install -y curl\n',
    );
    expect(noCache.changed).toBe(true);
    expect(
      fixCacheLine(
        'FROM debian\nRUN apt-get update\nRUN apt-get install -y curl\n',
        noCache,
        new NoContext(),
      ),
    ).toBeNull();
  });

  test('the source edit of the cache line is never a file the fix starts copying by name', async () => {
    // requirements.txt includes base.txt: the fix copies both before the install. Editing
    // base.txt re-runs the install before and after the fix (3 steps after it): it is what the
    // install reads, not "a source edit" (the line said "re-runs 3 steps (was 2)").
    const df =
      'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nCMD ["python", "-m", "app"]\n';
    const files = { 'requirements.txt': '-r base.txt\n', 'base.txt': 'flask\n' };
    for (const [extra, line] of [
      [
        { 'config.yaml': 'a: 1\n' },
        'cache: a source edit re-runs 1 step (was 2, incl. pip install)',
      ],
      [{}, null],
    ] as const) {
      const ctx = new MemoryContext({ ...files, ...extra });
      const result = await optimize(df, { context: ctx, path: 'Dockerfile' });
      expect(result.output).toContain('COPY requirements.txt base.txt ./\n');
      expect(fixCacheLine(df, result, ctx)).toBe(line);
    }
    // Without a fix to compare, base.txt stays the representative (explain --no-after).
    const alone = explain({ text: df, context: new MemoryContext(files) });
    expect(alone.edits.map((e) => [e.path, e.kind])).toEqual([
      ['base.txt', 'source'],
      ['requirements.txt', 'manifest'],
    ]);
    expect(
      filesNamedByFix(
        { text: df, context: new MemoryContext(files) },
        {
          text: 'FROM python\nCOPY requirements.txt base.txt ./\nCOPY app.py .\nCOPY . .\n',
          context: new MemoryContext(files),
        },
      ),
    ).toEqual(['requirements.txt', 'base.txt']);
  });

  test('a copied folder that cannot be listed: the cache line says so, no count from a guess', async () => {
    /** A context whose folder `src` cannot be listed, as DiskContext reports it (mode 000 for
     * another user; the real-file case is in test/files.test.ts). */
    class Unlistable extends MemoryContext {
      override walk(options?: WalkOptions): ContextEntry[] {
        return super
          .walk(options)
          .filter((e) => !e.path.startsWith('src/'))
          .map((e) => (e.path === 'src' ? { ...e, unreadable: true } : e));
      }
    }
    const df =
      'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nCMD ["python", "-m", "src"]\n';
    const files = {
      'requirements.txt': 'flask\n',
      'config.yaml': 'a: 1\n',
      'src/__main__.py': 'print(1)\n',
    };
    const ctx = new Unlistable(files);
    const result = await optimize(df, { context: ctx, path: 'Dockerfile' });
    expect(result.changed).toBe(true);
    // The real source files are hidden: the representative would be config.yaml.
    expect(explain({ text: df, context: ctx }).edits[0]!.path).toBe('config.yaml');
    expect(explain({ text: df, context: ctx }).unreadable).toEqual(['src/']);
    expect(fixCacheLine(df, result, ctx)).toBe('cache: not estimated: src/ cannot be read');
    const before = explain({ text: df, context: ctx });
    expect(formatExplain('Dockerfile', before, null)).toContain(
      'src/ cannot be read: the files in it are unknown, the edits above leave them out\n',
    );
    // Excluded by .dockerignore (no `!` exception), or not copied: it does not matter.
    const ignored = new Unlistable({ ...files, '.dockerignore': 'src\n' });
    expect(explain({ text: df, context: ignored }).unreadable).toEqual([]);
    const reincluded = new Unlistable({ ...files, '.dockerignore': 'src\n!src/keep.py\n' });
    expect(explain({ text: df, context: reincluded }).unreadable).toEqual(['src/']);
    const narrow = df.replace('COPY . .', 'COPY requirements.txt config.yaml ./');
    expect(explain({ text: narrow, context: ctx }).unreadable).toEqual([]);
    const sub = df.replace('COPY . .', 'COPY src/app/ ./app/');
    expect(explain({ text: sub, context: ctx }).unreadable).toEqual(['src/']);
    // A readable context: the line is unchanged.
    const readable = new MemoryContext(files);
    expect(
      fixCacheLine(df, await optimize(df, { context: readable, path: 'Dockerfile' }), readable),
    ).toBe('cache: a source edit re-runs 1 step (was 2, incl. pip install)');
  });

  test('bad input: InputError for a syntax error and an unknown target', () => {
    expect(() => explain({ text: 'FROM x\nFOO y\n' })).toThrow(InputError);
    expect(() => explain({ text: 'FROM x\nFOO y\n' })).toThrow('line 2: unknown instruction: FOO');
    expect(() => explain({ text: 'FROM x AS a\n', target: 'b' })).toThrow(
      'target stage "b" could not be found',
    );
  });

  test('explainFile reads the file and uses its directory as the context', async () => {
    const dir = tmpdir('dfo-explain-');
    writeTree(dir, { ...flask, Dockerfile: flaskDf });
    const r = await explainFile(path.join(dir, 'Dockerfile'));
    expect(r.edits.map((e) => [e.path, e.reruns.length])).toEqual([
      ['app.py', 2],
      ['requirements.txt', 2],
    ]);
    const viaDisk = explain({
      text: flaskDf,
      context: new DiskContext(dir, path.join(dir, 'Dockerfile')),
    });
    expect(viaDisk).toEqual(r);
  });
});

describe('CLI: explain and fix --dry-run', () => {
  const cli = (argv: string[], cwd: string) => runCli(argv, cwd);
  const project = () => {
    const dir = tmpdir('dfo-explain-cli-');
    writeTree(dir, {
      'svc/Dockerfile':
        'FROM python:3.12\nWORKDIR /app\nRUN apt-get update\nRUN apt-get install -y gcc\nCOPY . .\nRUN pip install -r requirements.txt\nCMD ["python", "app.py"]\n',
      'svc/app.py': 'print(1)\n',
      'svc/requirements.txt': 'flask\n',
    });
    return dir;
  };

  test('text: per edit the steps it re-runs, then after fix', async () => {
    const dir = project();
    const r = await cli(['explain', 'svc'], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'svc/Dockerfile: 6 build steps',
        'editing app.py re-runs 2 of 6 steps:',
        '  [5/6] COPY . .',
        '  [6/6] RUN pip install -r requirements.txt  (expensive: pip install)',
        'after fix: re-runs 1 of 6 steps:',
        '  [6/6] COPY . .',
        '',
        'editing requirements.txt re-runs 2 of 6 steps:',
        '  [5/6] COPY . .',
        '  [6/6] RUN pip install -r requirements.txt  (expensive: pip install)',
        'after fix: re-runs 3 of 6 steps:',
        '  [4/6] COPY requirements.txt .',
        '  [5/6] RUN pip install --no-cache-dir -r requirements.txt  (expensive: pip install)',
        '  [6/6] COPY . .',
        'cache: a source edit re-runs 1 step (was 2, incl. pip install)',
        '',
      ].join('\n'),
    );
    // Nothing was written.
    expect(fs.existsSync(path.join(dir, 'svc/.dockerignore'))).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'svc/Dockerfile'), 'utf8')).toContain(
      'RUN apt-get update\n',
    );
  });

  test('--no-after, --edit (from here or context-relative), --target, --build-arg', async () => {
    const dir = project();
    const a = await cli(
      ['explain', 'svc/Dockerfile', '--no-after', '--edit', 'svc/app.py', '--edit', 'README.md'],
      dir,
    );
    expect(a.stdout).toBe(
      [
        'svc/Dockerfile: 6 build steps',
        'editing app.py re-runs 2 of 6 steps:',
        '  [5/6] COPY . .',
        '  [6/6] RUN pip install -r requirements.txt  (expensive: pip install)',
        '',
        'editing README.md re-runs 2 of 6 steps:',
        '  [5/6] COPY . .',
        '  [6/6] RUN pip install -r requirements.txt  (expensive: pip install)',
        '',
      ].join('\n'),
    );
    writeTree(dir, {
      'ms/Dockerfile':
        'ARG V=1\nFROM debian:bookworm AS deps\nARG V\nCOPY a.txt /a\nRUN echo $V\nFROM debian:bookworm AS test\nCOPY t.txt /t\nFROM debian:bookworm\nCOPY --from=deps /a /a\n',
      'ms/a.txt': 'a\n',
      'ms/t.txt': 't\n',
    });
    const t = await cli(['explain', 'ms', '--target', 'test', '--no-after'], dir);
    expect(t.stdout).toBe(
      [
        'ms/Dockerfile: 2 build steps, target test (not built: deps, stage-2)',
        'editing t.txt re-runs 1 of 2 steps:',
        '  [test 2/2] COPY t.txt /t',
        '',
      ].join('\n'),
    );
    const j = await cli(
      ['explain', 'ms', '--format', 'json', '--build-arg', 'V=2', '--edit', 'a.txt'],
      dir,
    );
    const doc = JSON.parse(j.stdout);
    expect(doc.files[0].skippedStages).toEqual(['test']);
    expect(
      doc.files[0].edits[0].reruns.map((x: { buildkit: { name: string }; certain: boolean }) => [
        x.buildkit.name,
        x.certain,
      ]),
    ).toEqual([
      ['[deps 2/3] COPY a.txt /a', true],
      ['[deps 3/3] RUN echo 2', true],
      ['[stage-2 2/2] COPY --from=deps /a /a', false],
    ]);
  });

  test('json: steps, edits, after, summary', async () => {
    const dir = project();
    const r = await cli(['explain', 'svc', '--format', 'json'], dir);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.version).toBe(1);
    const f = doc.files[0];
    expect([f.path, f.context, f.target]).toEqual(['svc/Dockerfile', 'svc', null]);
    expect(f.steps.map((s: { buildkit: { prefix: string } }) => s.buildkit.prefix)).toEqual([
      '[1/6]',
      '[2/6]',
      '[3/6]',
      '[4/6]',
      '[5/6]',
      '[6/6]',
    ]);
    expect(f.steps[5]).toEqual({
      stage: 0,
      stageName: null,
      buildkit: {
        stage: '',
        index: 6,
        total: 6,
        label: '6/6',
        prefix: '[6/6]',
        name: '[6/6] RUN pip install -r requirements.txt',
      },
      instruction: 'RUN pip install -r requirements.txt',
      line: 6,
      expensive: true,
      reason: 'pip install',
    });
    expect(f.edits.map((e: { path: string; kind: string }) => [e.path, e.kind])).toEqual([
      ['app.py', 'source'],
      ['requirements.txt', 'manifest'],
    ]);
    expect(f.edits[0].reruns[0]).toEqual(
      expect.objectContaining({
        instruction: 'COPY . .',
        certain: true,
        cause: 'input',
        maybeFrom: null,
      }),
    );
    expect(f.after.fixes).toContain('dependency-cache/pip');
    expect(f.after.edits[0].reruns.map((x: { instruction: string }) => x.instruction)).toEqual([
      'COPY . .',
    ]);
    expect(f.summary).toBe('cache: a source edit re-runs 1 step (was 2, incl. pip install)');
  });

  test('bad input: one line naming the file, exit 2', async () => {
    const dir = project();
    writeTree(dir, { 'bad/Dockerfile': 'FROM x\nFOO y\n', 'ok/Dockerfile': 'FROM x AS a\n' });
    fs.writeFileSync(path.join(dir, 'bin.Dockerfile'), Buffer.from([0, 1, 2, 3]));
    const cases: [string[], string][] = [
      [
        ['explain', 'missing/Dockerfile'],
        'dockerfile-optimizer: missing/Dockerfile: no such file or directory\n',
      ],
      [
        ['explain', 'bad'],
        'dockerfile-optimizer: bad/Dockerfile: line 2: unknown instruction: FOO\n',
      ],
      [
        ['explain', 'bin.Dockerfile'],
        'dockerfile-optimizer: bin.Dockerfile: binary file, not a Dockerfile\n',
      ],
      [
        ['explain', 'ok', '--target', 'b'],
        'dockerfile-optimizer: ok/Dockerfile: target stage "b" could not be found\n',
      ],
      [
        ['explain', 'svc', '--context', 'nowhere'],
        'dockerfile-optimizer: svc/Dockerfile: build context nowhere: not a directory\n',
      ],
      [
        ['explain', 'svc', '--format', 'xml'],
        'dockerfile-optimizer: Invalid values: Argument: format, Given: "xml", Choices: "text", "json"\n',
      ],
    ];
    for (const [argv, err] of cases) {
      const r = await cli(argv, dir);
      expect([r.code, r.stderr, r.stdout]).toEqual([2, err, '']);
    }
  });

  test('fix --dry-run: one cache line per changed Dockerfile, before the summary; not with --quiet', async () => {
    const dir = project();
    writeTree(dir, {
      'apt/Dockerfile': 'FROM debian\nRUN apt-get update\nRUN apt-get install -y curl\n',
    });
    const r = await cli(['fix', '--dry-run', '.'], dir);
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.filter((l) => l.includes('cache:'))).toEqual([
      'svc/Dockerfile: cache: a source edit re-runs 1 step (was 2, incl. pip install)',
    ]);
    // After svc's fix lines, right before the closing summary.
    expect(lines[lines.length - 2]).toBe(
      'svc/Dockerfile: cache: a source edit re-runs 1 step (was 2, incl. pip install)',
    );
    expect(lines[lines.length - 3]).toMatch(/^svc\/Dockerfile:\d+ /);
    expect(lines[lines.length - 1]).toMatch(/^2 files checked, 2 to change/);
    const q = await cli(['fix', '--dry-run', '--quiet', '.'], dir);
    expect(q.stderr).toBe('');
    const applied = await cli(['fix', 'svc'], dir);
    expect(applied.stderr).not.toContain('cache:');
  });
});

describe('README', () => {
  const readme = () => fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  /** The output lines after `$ <command>` in the README's explain section. */
  function example(command: string): string {
    const text = readme();
    const at = text.indexOf(`$ ${command}\n`);
    expect(at).toBeGreaterThan(0);
    const body = text.slice(at + command.length + 3);
    return body.slice(0, body.indexOf('```'));
  }

  test.each([
    'npx dockerfile-optimizer explain examples/flask',
    'npx dockerfile-optimizer explain examples/multi-stage --no-after',
  ])('the explain example is the real output: %s', async (command) => {
    const { code, stdout, stderr } = await runCli(command.split(' ').slice(2), ROOT);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(example(command)).toBe(stdout);
  });

  test("the Flask report's cache line is the real one", async () => {
    const { stderr } = await runCli(['fix', '--dry-run', 'examples/flask'], ROOT);
    const line = stderr.split('\n').find((l) => l.includes(' cache: '))!;
    expect(line).toBe(
      'examples/flask/Dockerfile: cache: a source edit re-runs 1 step (was 2, incl. pip install)',
    );
    expect(readme()).toContain(`\n${line}\n`);
  });
});

describe('package entry', () => {
  test('explain is exported from the package entry point', async () => {
    const entry = await import('../../src/index.js');
    await entry.initShellParser();
    const r = entry.explain({
      text: 'FROM debian\nWORKDIR /app\nCOPY . .\nRUN make\n',
      context: new entry.MemoryContext({ 'main.c': 'int main(){}\n', Makefile: 'all:\n' }),
      edits: ['main.c'],
    });
    expect(r.edits[0]!.reruns.map((x) => x.instruction)).toEqual(['COPY . .', 'RUN make']);
  });
});
