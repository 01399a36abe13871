/**
 * The BuildKit cache model (src/cache/model.ts): labels and numbering, which steps exist,
 * ARG/ENV/USER/SHELL key rules, content-addressed COPY --from, .dockerignore, wildcards, bind
 * mounts, --target and BuildKit's word processing. `explain` itself: explain.test.ts.
 *
 * Cases marked "observed" reproduce builds made with Docker 20.10.24 (BuildKit, `--progress=plain`,
 * debian:bookworm): the labels are the ones it printed, the re-run sets the steps it did not report
 * CACHED after the edit.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as path from 'node:path';
import { explain as apiExplain } from '../../src/api.js';
import {
  buildCacheModel,
  normalizeImage,
  overlaps,
  parseWords,
  processWord,
  TargetError,
} from '../../src/cache/model.js';
import { MemoryContext } from '../../src/context/context.js';
import { explain } from '../../src/explain/explain.js';
import { parseDockerfile } from '../../src/model/dockerfile.js';
import { initShellParser } from '../../src/model/shell.js';
import { removeTmpdirs } from '../helpers.js';
import { cacheOf, names, reruns, changed, keyDiff } from './cache-helpers.js';

beforeAll(initShellParser);
afterAll(removeTmpdirs);

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
