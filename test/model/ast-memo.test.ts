import { describe, expect, test } from '@jest/globals';
import { DockerfileParser } from 'dockerfile-ast';
import { memoizeRawArguments } from '../../src/model/ast-memo.js';

interface Raw {
  getRawArguments(): { getValue(): string }[];
}

describe("dockerfile-ast's getRawArguments, computed once per instruction", () => {
  const text = 'FROM debian\nRUN --mount=type=cache,target=/var/cache/apt \\\n  apt-get update\n';

  test('the same Argument objects on every call, in a fresh array each time', () => {
    memoizeRawArguments();
    memoizeRawArguments(); // idempotent: one wrapper, not two
    const run = DockerfileParser.parse(text).getInstructions()[1]!;
    const raw = run as unknown as Raw;
    const a = raw.getRawArguments();
    const b = raw.getRawArguments();
    expect(a).not.toBe(b);
    expect(a).toHaveLength(3);
    a.forEach((arg, i) => expect(arg).toBe(b[i]));
    expect(a.map((x) => x.getValue())).toEqual([
      '--mount=type=cache,target=/var/cache/apt',
      'apt-get',
      'update',
    ]);
  });

  test('callers that shift the array (flags) do not change what later calls see', () => {
    memoizeRawArguments();
    const run = DockerfileParser.parse(text).getInstructions()[1]!;
    expect(run.getArguments().map((x) => x.getValue())).toEqual(['apt-get', 'update']);
    expect(run.getArguments().map((x) => x.getValue())).toEqual(['apt-get', 'update']);
    const flags = (run as unknown as { getFlags(): { getName(): string }[] }).getFlags();
    expect(flags.map((f) => f.getName())).toEqual(['mount']);
    expect((run as unknown as Raw).getRawArguments()).toHaveLength(3);
  });
});
