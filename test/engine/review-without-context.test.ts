/** Transform.reviewWithoutContext: the engine holds a transform that declares it to review
 * fixes when there is no build context (builds.ts leaves it out of the run without a context
 * that tells which findings depend on the context, see test/builds-rerun.test.ts). */
import { beforeAll, expect, test } from '@jest/globals';
import { InternalError } from '../../src/engine/edit.js';
import { runEngine } from '../../src/engine/loop.js';
import { MemoryContext, NoContext } from '../../src/context/context.js';
import { initShellParser } from '../../src/model/shell.js';
import type { Applicability, BuildContext, Transform } from '../../src/model/types.js';

beforeAll(() => initShellParser());

function upper(applicability: Applicability, declared: boolean): Transform {
  return {
    meta: {
      id: 'upper',
      title: 'upper',
      hadolint: [],
      applicability: 'safe',
      docs: { why: '', fixSafety: '' },
    },
    ...(declared ? { reviewWithoutContext: true } : {}),
    check(model) {
      const at = model.text.indexOf('echo a');
      const i = model.instructions.find((x) => x.keyword === 'RUN');
      if (at < 0 || !i) return [];
      return [
        {
          ruleId: 'upper/a',
          message: 'upper',
          applicability,
          at: i.span.start,
          edits: [{ start: at, end: at + 6, text: 'echo A' }],
        },
      ];
    },
  };
}

const run = (t: Transform, context: BuildContext, unsafe = false) =>
  runEngine({
    source: 'FROM alpine\nRUN echo a\n',
    path: 'Dockerfile',
    transforms: [t],
    context,
    options: {},
    unsafe,
  });

test('a safe fix without a context from a transform that declares review: an internal error', () => {
  expect(() => run(upper('safe', true), new NoContext())).toThrow(InternalError);
  expect(() => run(upper('safe', true), new NoContext())).toThrow(/reviewWithoutContext/);
});

test('review fixes without a context, safe ones with one, or no declaration: as before', () => {
  expect(run(upper('review', true), new NoContext()).output).toBe('FROM alpine\nRUN echo a\n');
  expect(run(upper('review', true), new NoContext(), true).output).toBe(
    'FROM alpine\nRUN echo A\n',
  );
  expect(run(upper('safe', true), new MemoryContext({ 'a.txt': 'x' })).output).toBe(
    'FROM alpine\nRUN echo A\n',
  );
  expect(run(upper('safe', false), new NoContext()).output).toBe('FROM alpine\nRUN echo A\n');
});

test('also through a CheckMemo (the run without a context of a declared build)', async () => {
  const { CheckMemo, optimizeWith } = await import('../../src/api.js');
  const memo = new CheckMemo();
  await expect(
    optimizeWith(
      'FROM alpine\nRUN echo a\n',
      { context: null, transforms: [upper('safe', true)] },
      { memo },
    ),
  ).rejects.toThrow(/reviewWithoutContext/);
});
