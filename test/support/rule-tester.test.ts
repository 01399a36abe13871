/** The rule tester (test/support/rule-tester.ts): passing cases pass, and each kind of mistake
 * is caught with a message that says what is wrong. */
import { describe, expect, test } from '@jest/globals';
import type { Transform } from '../../src/model/types.js';
import { checkInvalid, checkValid, ruleTester } from './rule-tester.js';
import { catalogued } from './test-transforms.js';

const T = [catalogued];

ruleTester('test-cat (the tester on a catalogued test transform)', T, {
  valid: [
    { code: 'FROM debian\nRUN true\n' },
    {
      name: 'a variable tag is skipped',
      code: 'FROM x:$TAG\n',
      skipped: ['test-cat/no-latest: variable'],
    },
  ],
  invalid: [
    { code: 'from debian\n', output: 'FROM debian\n', fixes: ['test-cat/upper-from'] },
    {
      name: 'a review fix is pending without --unsafe',
      code: 'FROM debian:latest\n',
      output: null,
      pending: ['test-cat/no-latest'],
    },
    {
      name: 'and applied with it',
      code: 'from debian:latest\n',
      options: { unsafe: true },
      output: 'FROM debian\n',
      fixes: [
        'test-cat/upper-from',
        { rule: 'test-cat/no-latest', applicability: 'review', message: /DL3007/ },
      ],
    },
  ],
});

describe('the tester catches', () => {
  test('a valid case that changes or reports', async () => {
    const p = await checkValid(T, { code: 'from debian\n' });
    expect(p[0]).toMatch(/^a valid case changed:\n--- a\/Dockerfile/);
    expect(p[1]).toBe('a valid case reported fixes: test-cat/upper-from');
  });

  test('wrong or missing skips', async () => {
    expect(await checkValid(T, { code: 'FROM x:$TAG\n', skipped: [] })).toEqual([
      'expected 0 skips, got 1: ["test-cat/no-latest: the tag is a variable"]',
    ]);
    expect(await checkValid(T, { code: 'FROM x\n', skipped: ['test-cat/no-latest: tag'] })).toEqual(
      ['expected skip "test-cat/no-latest: tag", got []', 'expected 1 skips, got 0: []'],
    );
  });

  test('an output equal to the code, a wrong output, wrong fixes and pending', async () => {
    const p = await checkInvalid(T, {
      code: 'from debian:latest\n',
      output: 'from debian:latest\n',
      fixes: ['test-cat/no-latest'],
    });
    expect(p).toEqual([
      'output equals code: use output: null (no change) or a valid case',
      'output differs:\n--- expected\nfrom debian:latest\n--- got\nFROM debian:latest\n',
      'fixes: expected ["test-cat/no-latest"], got ["test-cat/upper-from"]',
      'pending: expected [], got ["test-cat/no-latest"]',
    ]);
  });

  test('a wrong applicability or message', async () => {
    const p = await checkInvalid(T, {
      code: 'from debian\n',
      output: 'FROM debian\n',
      fixes: [{ rule: 'test-cat/upper-from', applicability: 'review', message: 'upper' }],
    });
    expect(p).toEqual([
      'test-cat/upper-from: applicability safe, expected review',
      'test-cat/upper-from: message "FROM written in lower case (test transform)" does not match upper',
    ]);
  });

  test('a case that expects nothing', async () => {
    expect(await checkInvalid(T, { code: 'FROM debian\n', output: null })).toEqual([
      'an invalid case must expect fixes, pending fixes or skips',
    ]);
  });

  test('a rule id missing from the catalogue', async () => {
    const rogue: Transform = {
      meta: catalogued.meta,
      check: (model) => [
        { ruleId: 'test-cat/rogue', reason: 'r', at: model.instructions[0]!.span.start },
      ],
    };
    expect(await checkValid([rogue], { code: 'FROM x\n' })).toEqual([
      'reported unknown rule "test-cat/rogue" (test-cat has: test-cat/upper-from, test-cat/no-latest): declare it in meta.rules',
    ]);
  });

  test('a second run that is not a no-op', async () => {
    let calls = 0;
    const late: Transform = {
      meta: { ...catalogued.meta, id: 'test-late', rules: undefined },
      check(model) {
        calls++;
        if (calls !== 2) return [];
        const i = model.instructions[0]!;
        return [
          {
            ruleId: 'test-late/x',
            message: 'm',
            applicability: 'safe',
            at: i.span.start,
            edits: [{ start: i.span.end, end: i.span.end, text: ' AS x' }],
          },
        ];
      },
    };
    const p = await checkValid([late], { code: 'FROM a\n' });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^a second run is not a no-op: test-late\/x\n--- a\/Dockerfile/);
  });
});
