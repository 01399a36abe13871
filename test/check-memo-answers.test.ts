/** api.ts CheckMemo and src/toolkit/context-answer.ts: a check that read the context only
 * through `contextAnswer` and got its `none` each time is taken as it is by the run without a
 * context (the same findings as a run without the memo), never by a run over another context; a
 * check that got another answer runs again. */
import { afterAll, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CheckMemo, optimizeWith } from '../src/api.js';
import type { CheckContext, Transform } from '../src/model/types.js';
import { contextAnswer } from '../src/toolkit/context-answer.js';
import { transforms as registry } from '../transforms/index.js';
import { removeTmpdirs, tmpdir, writeTree } from './helpers.js';
import { meta } from './support/test-transforms.js';

afterAll(removeTmpdirs);

/** Whether the context holds `name`, as a contextAnswer (null: no, or no context). */
const holds = (check: CheckContext, name: string, _c: null): string | null =>
  check.buildContext.exists(name) ? name : null;

/** Asks for `wanted` through contextAnswer; reports what it got. */
function asking(wanted: string) {
  const calls = { n: 0 };
  const t: Transform = {
    meta: meta('memo-asking'),
    check(_model, ctx) {
      calls.n++;
      const got = contextAnswer(ctx, null, holds, ctx, wanted, null);
      return [{ ruleId: 'memo-asking', reason: got ?? 'nothing', at: 0 }];
    },
  };
  return { calls, transforms: [t] };
}

async function setup() {
  const dir = tmpdir('dfo-memo-ans-');
  writeTree(dir, { Dockerfile: 'FROM alpine\nRUN echo a\n', 'here.txt': 'x\n' });
  const file = path.join(dir, 'Dockerfile');
  return { dir, file, text: fs.readFileSync(file, 'utf8') };
}

test('none from every contextAnswer: the run without a context takes the findings', async () => {
  const { dir, file, text } = await setup();
  const { calls, transforms } = asking('absent.txt');
  const memo = new CheckMemo();
  await optimizeWith(text, { path: file, context: dir, transforms }, { memo });
  const without = await optimizeWith(text, { path: file, context: null, transforms }, { memo });
  expect(calls.n).toBe(1);
  expect(memo.hits).toBe(1);
  const plain = await optimizeWith(
    text,
    { path: file, context: null, transforms: asking('absent.txt').transforms },
    {},
  );
  expect(without).toEqual(plain);
});

test('an answer other than none: the run without a context checks again', async () => {
  const { dir, file, text } = await setup();
  const { calls, transforms } = asking('here.txt');
  const memo = new CheckMemo();
  const over = await optimizeWith(text, { path: file, context: dir, transforms }, { memo });
  const without = await optimizeWith(text, { path: file, context: null, transforms }, { memo });
  expect(calls.n).toBe(2);
  expect(memo.hits).toBe(0);
  expect(over.skipped.map((s) => s.reason)).toEqual(['here.txt']);
  expect(without.skipped.map((s) => s.reason)).toEqual(['nothing']);
});

test('none over one context is not taken over another context', async () => {
  const { dir, file, text } = await setup();
  const other = tmpdir('dfo-memo-ans-other-');
  writeTree(other, { 'absent.txt': 'now here\n' });
  const { calls, transforms } = asking('absent.txt');
  const memo = new CheckMemo();
  await optimizeWith(text, { path: file, context: dir, transforms }, { memo });
  const over = await optimizeWith(text, { path: file, context: other, transforms }, { memo });
  expect(calls.n).toBe(2);
  expect(over.skipped.map((s) => s.reason)).toEqual(['absent.txt']);
});

test('a read of the context outside contextAnswer still counts', async () => {
  const { dir, file, text } = await setup();
  const calls = { n: 0 };
  const t: Transform = {
    meta: meta('memo-both'),
    check(_model, ctx) {
      calls.n++;
      const got = contextAnswer(ctx, null, holds, ctx, 'absent.txt', null);
      const seen = ctx.buildContext.exists('here.txt');
      return [{ ruleId: 'memo-both', reason: `${got} ${seen}`, at: 0 }];
    },
  };
  const memo = new CheckMemo();
  await optimizeWith(text, { path: file, context: dir, transforms: [t] }, { memo });
  const without = await optimizeWith(
    text,
    { path: file, context: null, transforms: [t] },
    { memo },
  );
  expect(calls.n).toBe(2);
  expect(without.skipped.map((s) => s.reason)).toEqual(['null false']);
});

test('package-hygiene: a script the context does not hold, a lockfile not copied: taken from the memo and the same as a run without it; a script or a lockfile it holds: checked again', async () => {
  const hygiene = registry.filter((t) => t.meta.id === 'package-hygiene');
  const dir = tmpdir('dfo-memo-ans-ph-');
  writeTree(dir, {
    'install.sh': 'apt-get update\n',
    'app/package.json': '{}\n',
    'app/package-lock.json': '{}\n',
  });
  const file = path.join(dir, 'Dockerfile');
  const run = async (text: string) => {
    const memo = new CheckMemo();
    await optimizeWith(text, { path: file, context: dir, transforms: hygiene }, { memo });
    const without = await optimizeWith(
      text,
      { path: file, context: null, transforms: hygiene },
      { memo },
    );
    const plain = await optimizeWith(
      text,
      { path: file, context: null, transforms: hygiene },
      { findingsOnly: true },
    );
    expect({ ...without, diff: '', files: [] }).toEqual(plain);
    return memo.hits;
  };
  const apt = 'RUN apt-get update && apt-get install -y curl\n';
  // The copy holds no script the later RUN runs, and no lockfile where npm installs.
  const absent = `FROM debian:bookworm\nCOPY install.sh /opt/\n${apt}RUN ./missing.sh /opt/install.sh\nWORKDIR /srv\nRUN npm install\n`;
  expect(await run(absent)).toBeGreaterThan(0);
  // The script is copied and runs: read from the context.
  expect(await run(`FROM debian:bookworm\nCOPY install.sh /\n${apt}RUN /install.sh\n`)).toBe(0);
  // The lockfile is copied where npm installs: npm-ci over the context only.
  expect(
    await run('FROM node:20\nWORKDIR /srv\nCOPY app/package*.json ./\nRUN npm install\n'),
  ).toBe(0);
});
