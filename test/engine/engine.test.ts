import { beforeAll, describe, expect, test } from '@jest/globals';
import { applyEdits, InternalError, mapBack } from '../../src/engine/edit.js';
import { runEngine } from '../../src/engine/loop.js';
import { NoContext } from '../../src/context/context.js';
import { initShellParser } from '../../src/model/shell.js';
import { optimize } from '../../src/api.js';
import { unifiedDiff } from '../../src/engine/diff.js';
import type { Transform } from '../../src/model/types.js';
import { aptYes, keywordCase } from '../support/test-transforms.js';

beforeAll(() => initShellParser());

const meta = (id: string) => ({
  id,
  title: id,
  hadolint: [],
  applicability: 'safe' as const,
  docs: { why: '', fixSafety: '' },
});

function engine(source: string, transforms: Transform[], unsafe = false) {
  return runEngine({
    source,
    path: 'Dockerfile',
    transforms,
    context: new NoContext(),
    options: {},
    unsafe,
  });
}

describe('edits', () => {
  test('applyEdits applies sorted, insertions at one point keep their order', () => {
    expect(
      applyEdits('abcdef', [
        { start: 4, end: 6, text: 'XY' },
        { start: 1, end: 1, text: '1' },
        { start: 1, end: 1, text: '2' },
      ]),
    ).toBe('a12bcdXY');
  });

  test('mapBack maps offsets after edits to offsets before', () => {
    const edits = [{ start: 2, end: 4, text: 'LONGER' }];
    // 'abcdef' -> 'abLONGERef'
    expect(mapBack(edits, 0)).toBe(0);
    expect(mapBack(edits, 5)).toBe(2); // inside the replacement -> its start
    expect(mapBack(edits, 8)).toBe(4); // 'e'
  });
});

describe('fixed-point engine', () => {
  test('applies fixes until nothing changes, reporting lines of the original file', () => {
    const src = 'from debian\nrun apt-get install curl\n';
    const r = engine(src, [keywordCase, aptYes]);
    expect(r.output).toBe('FROM debian\nRUN apt-get install -y curl\n');
    expect(r.fixes.map((f) => [f.ruleId, f.line])).toEqual([
      ['test-keyword-case/upper', 1],
      ['test-keyword-case/upper', 2],
      ['test-apt-yes/add-y', 2],
    ]);
    expect(r.passes).toBe(2);
  });

  test('a fix overlapping an earlier one waits for the next pass', () => {
    const first: Transform = {
      meta: meta('first'),
      check: (m) =>
        m.text.includes('AAA')
          ? [
              {
                ruleId: 'first/a',
                message: 'replace AAA',
                applicability: 'safe',
                at: 0,
                edits: [
                  { start: m.text.indexOf('AAA'), end: m.text.indexOf('AAA') + 3, text: 'BBB' },
                ],
              },
            ]
          : [],
    };
    const second: Transform = {
      meta: meta('second'),
      check: (m) =>
        m.text.includes('AAA') || m.text.includes('BBB')
          ? m.text.includes('echo BBB!')
            ? []
            : [
                {
                  ruleId: 'second/b',
                  message: 'append !',
                  applicability: 'safe',
                  at: 0,
                  edits: [
                    {
                      start: m.text.indexOf('echo') + 4,
                      end: m.text.indexOf('echo') + 8,
                      text: ' ' + (m.text.includes('AAA') ? 'AAA' : 'BBB') + '!',
                    },
                  ],
                },
              ]
          : [],
    };
    const r = engine('FROM x\nRUN echo AAA\n', [first, second]);
    expect(r.output).toBe('FROM x\nRUN echo BBB!\n');
    expect(r.passes).toBe(3);
  });

  test('a transform that never settles is an internal error naming it', () => {
    const loop: Transform = {
      meta: meta('flip-flop'),
      check: (m) => {
        const i = m.text.indexOf('RUN ');
        return [
          {
            ruleId: 'flip-flop/x',
            message: 'toggle',
            applicability: 'safe',
            at: i,
            edits: [{ start: m.text.length, end: m.text.length, text: '#\n' }],
          },
        ];
      },
    };
    expect(() => engine('FROM x\nRUN a\n', [loop])).toThrow(
      /did not settle after 10 passes \(transforms: flip-flop\)/,
    );
  });

  test('a fix that breaks the Dockerfile is an internal error, not an output', () => {
    const breaker: Transform = {
      meta: meta('breaker'),
      check: () => [
        {
          ruleId: 'breaker/x',
          message: 'break',
          applicability: 'safe',
          at: 0,
          edits: [{ start: 0, end: 4, text: 'BOGUS' }],
        },
      ],
    };
    expect(() => engine('FROM x\n', [breaker])).toThrow(InternalError);
    expect(() => engine('FROM x\n', [breaker])).toThrow(
      /breaker\/x produced an invalid Dockerfile/,
    );
  });

  test('a fix that breaks a RUN shell is rejected', () => {
    const breaker: Transform = {
      meta: meta('shell-breaker'),
      check: (m) =>
        m.text.includes('((')
          ? []
          : [
              {
                ruleId: 'shell-breaker/x',
                message: 'break',
                applicability: 'safe',
                at: 0,
                edits: [{ start: m.text.length - 1, end: m.text.length - 1, text: ' ((' }],
              },
            ],
    };
    expect(() => engine('FROM x\nRUN echo a\n', [breaker])).toThrow(/shell parser rejects/);
  });

  test('overlapping edits inside one fix and out-of-range edits are internal errors', () => {
    const overlap: Transform = {
      meta: meta('overlap'),
      check: () => [
        {
          ruleId: 'overlap/x',
          message: 'x',
          applicability: 'safe',
          at: 0,
          edits: [
            { start: 0, end: 3, text: 'a' },
            { start: 2, end: 4, text: 'b' },
          ],
        },
      ],
    };
    expect(() => engine('FROM x\n', [overlap])).toThrow(/overlapping edits/);
    const range: Transform = {
      meta: meta('range'),
      check: () => [
        {
          ruleId: 'range/x',
          message: 'x',
          applicability: 'safe',
          at: 0,
          edits: [{ start: 0, end: 999, text: 'a' }],
        },
      ],
    };
    expect(() => engine('FROM x\n', [range])).toThrow(/out of range/);
  });

  test('a throwing transform is reported by name', () => {
    const boom: Transform = {
      meta: meta('boom'),
      check: () => {
        throw new Error('kaput');
      },
    };
    expect(() => engine('FROM x\n', [boom])).toThrow('transform boom failed: kaput');
  });

  test('review fixes are pending without unsafe and applied with it', () => {
    const review: Transform = {
      meta: { ...meta('rev'), applicability: 'review' },
      check: (m) =>
        m.text.includes('# reviewed')
          ? []
          : [
              {
                ruleId: 'rev/x',
                message: 'needs a look',
                applicability: 'review',
                at: m.instructions[1]!.span.start,
                edits: [{ start: m.text.length, end: m.text.length, text: '# reviewed\n' }],
              },
            ],
    };
    const safe = engine('FROM x\nRUN a\n', [review]);
    expect(safe.output).toBe('FROM x\nRUN a\n');
    expect(safe.fixes).toEqual([
      expect.objectContaining({
        ruleId: 'rev/x',
        applied: false,
        line: 2,
        applicability: 'review',
      }),
    ]);
    const unsafe = engine('FROM x\nRUN a\n', [review], true);
    expect(unsafe.output).toBe('FROM x\nRUN a\n# reviewed\n');
    expect(unsafe.fixes[0]!.applied).toBe(true);
  });

  test('edits to other files land in otherFiles and are visible to later passes', () => {
    const other: Transform = {
      meta: meta('other'),
      check: (_m, ctx) => {
        const cur = ctx.buildContext.readFile('.dockerignore');
        if (cur !== null && cur.includes('.git')) return [];
        return [
          {
            ruleId: 'other/x',
            message: 'ignore .git',
            applicability: 'safe',
            at: 0,
            edits: [{ file: '.dockerignore', start: 0, end: 0, text: '.git\n' }],
          },
        ];
      },
    };
    const r = engine('FROM x\n', [other]);
    expect(r.output).toBe('FROM x\n');
    expect([...r.otherFiles]).toEqual([['.dockerignore', '.git\n']]);
    expect(r.fixes[0]!.files).toEqual(['.dockerignore']);
  });

  test("a transform's info note on text it inserted itself is dropped; its real skips and other transforms' skips stay", () => {
    // Inserts `RUN prepare` once, then notes "nothing to do" about it on the next pass (info),
    // and gives up on another rule there (a real skip: it must stay visible).
    const mover: Transform = {
      meta: meta('mover'),
      check: (m) => {
        const prep = m.instructions.find(
          (i) => m.text.slice(i.span.start, i.span.end) === 'RUN prepare',
        );
        if (prep)
          return [
            { ruleId: 'mover/x', reason: 'already in place', at: prep.span.start, info: true },
            { ruleId: 'mover/z', reason: 'cannot tell the port', at: prep.span.start },
          ];
        const from = m.instructions[0]!;
        return [
          {
            ruleId: 'mover/x',
            message: 'insert prepare',
            applicability: 'safe',
            at: from.span.start,
            edits: [{ start: from.span.end + 1, end: from.span.end + 1, text: 'RUN prepare\n' }],
          },
        ];
      },
    };
    const watcher: Transform = {
      meta: meta('watcher'),
      check: (m) =>
        m.instructions
          .filter((i) => i.keyword === 'RUN')
          .map((i) => ({
            ruleId: 'watcher/y',
            reason: `left ${m.text.slice(i.span.start, i.span.end)} alone`,
            at: i.span.start,
          })),
    };
    const r = engine('FROM x\nRUN a\n', [mover, watcher]);
    expect(r.output).toBe('FROM x\nRUN prepare\nRUN a\n');
    // The inserted line maps back to the original line it was inserted at (2).
    expect(r.skipped.map((s) => [s.ruleId, s.line, s.reason])).toEqual([
      ['mover/z', 2, 'cannot tell the port'],
      ['watcher/y', 2, 'left RUN prepare alone'],
      ['watcher/y', 2, 'left RUN a alone'],
    ]);
  });

  test('only the last pass reports skips (those of earlier passes are not mapped back)', () => {
    // A skip said only while a keyword is still in lower case: gone once the fix applied.
    const lowerNote: Transform = {
      meta: meta('lower-note'),
      check: (m) =>
        m.instructions
          .filter((i) => m.text.slice(i.span.start, i.span.start + 4) === 'from')
          .map((i) => ({ ruleId: 'lower-note/x', reason: 'lower case', at: i.span.start })),
    };
    const r = engine('from x\nRUN a\n', [keywordCase, lowerNote]);
    expect(r.output).toBe('FROM x\nRUN a\n');
    expect(r.passes).toBe(2);
    expect(r.skipped).toEqual([]);
    // Without the fix the skip is the final state's and is reported.
    expect(engine('from x\n', [lowerNote]).skipped.map((s) => s.line)).toEqual([1]);
  });

  test('BOM is kept and offsets ignore it', () => {
    const r = engine('\uFEFFfrom x\n', [keywordCase]);
    expect(r.output).toBe('\uFEFFFROM x\n');
  });
});

describe('API', () => {
  test('optimize resolves to output, diff, fixes, files', async () => {
    const r = await optimize('FROM x\nrun apt-get install a\n', {
      transforms: [keywordCase, aptYes],
      path: 'app/Dockerfile',
      cwd: '/tmp',
    });
    expect(r.output).toBe('FROM x\nRUN apt-get install -y a\n');
    expect(r.changed).toBe(true);
    expect(r.files).toEqual([
      {
        path: 'app/Dockerfile',
        absolutePath: '/tmp/app/Dockerfile',
        before: 'FROM x\nrun apt-get install a\n',
        after: r.output,
      },
    ]);
    expect(r.diff).toContain('--- a/app/Dockerfile\n+++ b/app/Dockerfile\n');
    expect(r.diff).toContain('-run apt-get install a\n+RUN apt-get install -y a\n');
  });

  test('only/skip select transforms and rules; unknown ids are rejected', async () => {
    const src = 'from x\nrun apt-get install a\n';
    const opts = { transforms: [keywordCase, aptYes] };
    expect((await optimize(src, { ...opts, only: ['test-apt-yes'] })).output).toBe(
      'from x\nrun apt-get install -y a\n',
    );
    expect((await optimize(src, { ...opts, skip: ['test-apt-yes/add-y'] })).output).toBe(
      'FROM x\nRUN apt-get install a\n',
    );
    await expect(optimize(src, { ...opts, only: ['nope'] })).rejects.toThrow('unknown rule "nope"');
  });

  test('a bad Dockerfile rejects with the line and the problem', async () => {
    await expect(optimize('FROM x\nFROBNICATE y\n', { transforms: [] })).rejects.toThrow(
      'line 2: unknown instruction: FROBNICATE',
    );
  });

  test('new files diff from /dev/null', () => {
    const d = unifiedDiff([
      { path: 'ctx/.dockerignore', absolutePath: null, before: null, after: '.git\n' },
    ]);
    expect(d).toBe('--- /dev/null\n+++ b/ctx/.dockerignore\n@@ -0,0 +1,1 @@\n+.git\n');
  });
});
