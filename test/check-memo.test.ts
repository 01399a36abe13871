/** api.ts CheckMemo: the run without a context that decides which declared-context messages name
 * the context takes the findings of checks that never read the build context from the runs over
 * it; a check that read it (even `available`) runs again. */
import { afterAll, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CheckMemo, optimizeWith } from '../src/api.js';
import { optimizeDeclared } from '../src/builds.js';
import { findBuilds, buildsFor } from '../src/context/builds/index.js';
import type { Transform } from '../src/model/types.js';
import { transforms as registry } from '../transforms/index.js';
import { removeTmpdirs, tmpdir, writeTree } from './helpers.js';
import { meta } from './support/test-transforms.js';

afterAll(removeTmpdirs);

function counting() {
  const calls = { blind: 0, looking: 0 };
  // Never looks at the context: one finding per RUN.
  const blind: Transform = {
    meta: meta('memo-blind'),
    check(model) {
      calls.blind++;
      return model.instructions
        .filter((i) => i.keyword === 'RUN')
        .map((i) => ({ ruleId: 'memo-blind', reason: 'a RUN', at: i.span.start }));
    },
  };
  // Only asks whether there is a context: its finding says so.
  const looking: Transform = {
    meta: meta('memo-looking'),
    check(_model, ctx) {
      calls.looking++;
      const where = ctx.buildContext.available ? 'with' : 'without';
      return [{ ruleId: 'memo-looking', reason: `${where} a context`, at: 0 }];
    },
  };
  return { calls, transforms: [blind, looking] };
}

/** A context folder with a two-line Dockerfile, its path and text, and the counting transforms. */
function oneDockerfile() {
  const dir = tmpdir('dfo-memo-');
  writeTree(dir, { Dockerfile: 'FROM alpine\nRUN echo a\n' });
  const file = path.join(dir, 'Dockerfile');
  return { dir, file, text: fs.readFileSync(file, 'utf8'), ...counting() };
}

test('a check that did not read the context is taken from the memo; one that did runs again', async () => {
  const { dir, file, text, calls, transforms } = oneDockerfile();
  const memo = new CheckMemo();
  const over = await optimizeWith(text, { path: file, context: dir, transforms }, { memo });
  const without = await optimizeWith(text, { path: file, context: null, transforms }, { memo });
  expect(calls).toEqual({ blind: 1, looking: 2 });
  expect(memo.hits).toBe(1);
  expect(over.skipped.map((s) => s.reason)).toEqual(['a RUN', 'with a context']);
  expect(without.skipped.map((s) => s.reason)).toEqual(['a RUN', 'without a context']);
  // The same as a run without the memo.
  const fresh = counting();
  const plain = await optimizeWith(
    text,
    { path: file, context: null, transforms: fresh.transforms },
    {},
  );
  expect(without).toEqual(plain);
});

test('another path or other options neither take nor add', async () => {
  const { dir, file, text, calls, transforms } = oneDockerfile();
  const memo = new CheckMemo();
  await optimizeWith(text, { path: file, context: dir, transforms }, { memo });
  await optimizeWith(text, { path: `${file}.other`, context: null, transforms }, { memo });
  await optimizeWith(text, { path: file, context: null, transforms, cacheMounts: true }, { memo });
  expect(memo.hits).toBe(0);
  expect(calls.blind).toBe(3);
});

test('declared context: the messages are those of a run without the memo', async () => {
  const dir = fs.realpathSync(tmpdir('dfo-memo-'));
  fs.mkdirSync(path.join(dir, '.git'));
  writeTree(dir, {
    'compose.yaml': 'services:\n  web:\n    build: .\n',
    Dockerfile: 'FROM debian\nRUN apt-get update && apt-get install -y curl\nCOPY . .\n',
  });
  const set = await findBuilds(['.'], dir, {});
  const builds = buildsFor(set, path.join(dir, 'Dockerfile'));
  expect(builds).toHaveLength(1);
  const { calls, transforms } = counting();
  const r = await optimizeDeclared('Dockerfile', builds, { cwd: dir, transforms });
  // The blind check ran once (over the context); the run without one took it from the memo.
  expect(calls).toEqual({ blind: 1, looking: 2 });
  expect(r.skipped.map((s) => s.reason)).toEqual([
    'a RUN',
    'with a context (context . from compose.yaml service web)',
  ]);
});

test('findingsOnly: the findings of a full run, without file changes or diff', async () => {
  const dir = tmpdir('dfo-memo-');
  writeTree(dir, {
    Dockerfile: 'FROM debian\nRUN apt-get update\nRUN apt-get install -y curl\nCOPY . .\n',
  });
  const file = path.join(dir, 'Dockerfile');
  const text = fs.readFileSync(file, 'utf8');
  const full = await optimizeWith(text, { path: file, context: dir }, {});
  const found = await optimizeWith(text, { path: file, context: dir }, { findingsOnly: true });
  expect(full.files.length).toBeGreaterThan(0);
  expect(found).toEqual({ ...full, diff: '', files: [], changed: true });
});

test('package-hygiene: a Dockerfile with no copy from the context never looks at it (its check is taken from the memo); one with a copy does', async () => {
  const hygiene = registry.filter((t) => t.meta.id === 'package-hygiene');
  const dir = tmpdir('dfo-memo-ph-');
  writeTree(dir, { 'install.sh': 'apt-get update\n' });
  const file = path.join(dir, 'Dockerfile');
  const hits = async (text: string) => {
    const memo = new CheckMemo();
    await optimizeWith(text, { path: file, context: dir, transforms: hygiene }, { memo });
    await optimizeWith(text, { path: file, context: null, transforms: hygiene }, { memo });
    return memo.hits;
  };
  const apt = 'RUN apt-get update && apt-get install -y curl && my-tool --version\n';
  expect(await hits(`FROM debian:bookworm\n${apt}`)).toBeGreaterThan(0);
  expect(await hits(`FROM debian:bookworm\nCOPY install.sh /usr/local/bin/my-tool\n${apt}`)).toBe(
    0,
  );
});

test("a memo wraps each transform once for all its runs, and each run's checks see its own view", async () => {
  const { dir, file, text, calls, transforms } = oneDockerfile();
  const memo = new CheckMemo();
  const [a, b] = [memo.wrap(transforms), memo.wrap(transforms)];
  expect(a[0]).toBe(b[0]);
  expect(a[1]).toBe(b[1]);
  expect(new CheckMemo().wrap(transforms)[0]).not.toBe(a[0]);
  // Two runs over the context, then one without: the looking check runs each time (it read the
  // context, or runs without one), the blind one once; each run's view answers for its own run.
  const over = await optimizeWith(text, { path: file, context: dir, transforms }, { memo });
  const again = await optimizeWith(text, { path: file, context: dir, transforms }, { memo });
  const without = await optimizeWith(text, { path: file, context: null, transforms }, { memo });
  expect(calls).toEqual({ blind: 1, looking: 3 });
  expect([over, again, without].map((r) => r.skipped.map((s) => s.reason))).toEqual([
    ['a RUN', 'with a context'],
    ['a RUN', 'with a context'],
    ['a RUN', 'without a context'],
  ]);
});
