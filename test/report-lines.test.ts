/**
 * Every line a fix, a skip or a suppressed fix reports (text `path:line:`, JSON, SARIF and the
 * language server's ranges all use it) names an instruction of the original Dockerfile, never a
 * blank, a comment or a directive; and the same instruction (with the same instructions named
 * by `line N` in its message) whatever the line endings, a BOM, an `# escape` directive, lines
 * added before the first instruction or a comment and a blank line inside continued
 * instructions. Over every fixture (fixtures/**) and those variants.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { optimize } from '../src/api.js';
import { instructionLine } from '../src/engine/loop.js';
import { parseDockerfile } from '../src/model/dockerfile.js';
import { engineTransforms } from './support/test-transforms.js';
import { loadCases, materialise, removeTmpdirs, toCRLF, type FixtureCase } from './helpers.js';

afterAll(removeTmpdirs);

function optionsFor(c: FixtureCase) {
  if (c.transform === 'engine') return { transforms: engineTransforms, ...(c.spec.options ?? {}) };
  return { only: c.spec.all ? undefined : [c.transform], ...(c.spec.options ?? {}) };
}

/** A 1-based line as the instruction it falls in (`#3`, `#3+` for a later line of it), or the
 * gap before instruction k (`gap(k)`). */
function placer(text: string): (line1: number) => string {
  const m = parseDockerfile(text.replace(/^\uFEFF/, ''));
  return (line1) => {
    const l = line1 - 1;
    const i = m.instructions.findIndex((x) => x.line <= l && l <= x.endLine);
    if (i >= 0) return `#${i}${m.instructions[i]!.line === l ? '' : '+'}`;
    return `gap(${m.instructions.findIndex((x) => x.line > l)})`;
  };
}

/** Every report of one run, lines replaced by the instructions they name. */
async function reports(c: FixtureCase, input: string): Promise<string[]> {
  const mat = materialise(c, input);
  const r = await optimize(input, {
    ...optionsFor(c),
    unsafe: true,
    path: mat.dockerfile,
    context: mat.context,
    cwd: mat.dir,
  });
  const at = placer(input);
  const msg = (m: string) =>
    m.replace(
      /\b([Ll]ines?) (\d+)(?:-(\d+))?/g,
      (_a, w, n, end) => `${w} ${at(+n)}${end ? `-${at(+end)}` : ''}`,
    );
  return [
    ...r.fixes.map((f) => `fix ${f.ruleId} at ${at(f.line)}: ${msg(f.message)}`),
    ...r.skipped.map((s) => `skip ${s.ruleId} at ${at(s.line)}: ${msg(s.reason)}`),
    ...r.suppressed.map((s) => `suppressed ${s.ruleId} at ${at(s.line)}`),
  ].sort();
}

/** Variants, combined to keep the run short: CRLF with a BOM; a comment line before the first
 * instruction (under an escape directive when the text has no backslash or backtick); a comment
 * and a blank line inside each continued instruction. */
function variants(input: string): [string, string][] {
  const m = parseDockerfile(input);
  const out: [string, string][] = [['crlf+bom', '\uFEFF' + toCRLF(input)]];
  const first = m.instructions[0];
  if (first) {
    const at = m.lineStarts[first.line]!;
    const prefixed = input.slice(0, at) + '\n# a comment\n' + input.slice(at);
    if (!/[\\`]/.test(input) && !m.directives.some((d) => d.name === 'escape'))
      out.push(['prefix+escape', '# escape=`\n' + prefixed]);
    else out.push(['prefix', prefixed]);
  }
  const lines = input.split('\n');
  const inner: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    inner.push(lines[i]!);
    const instr = m.instructions.find((x) => x.line === i);
    if (instr && !instr.heredocs.length && instr.endLine > i && /\\\r?$/.test(lines[i]!))
      inner.push('    # a comment inside', '');
  }
  if (inner.length > lines.length) out.push(['inner', inner.join('\n')]);
  return out;
}

const cases = loadCases();

describe.each(cases.map((c) => [`${c.transform}/${c.name}`, c] as const))('%s', (_n, c) => {
  test('each report names an instruction, the same one in every variant', async () => {
    const base = await reports(c, c.input);
    for (const r of base) expect(r).not.toMatch(/^\S+ \S+ at gap/);
    if (!base.length) return;
    for (const [v, text] of variants(c.input))
      expect([v, await reports(c, text)]).toEqual([v, base]);
  });
});

describe('the two reports that named a blank or a comment line', () => {
  test('instructionLine: a covered line stays, a gap goes to the next instruction, the end to the last', () => {
    const instrs = [
      [1, 1],
      [3, 5],
      [8, 8],
    ] as const;
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((l) => instructionLine(instrs, l))).toEqual([
      1, 1, 3, 3, 4, 5, 8, 8, 8, 8,
    ]);
    expect(instructionLine([], 4)).toBe(4);
  });

  test('the non-root user of a runtime stage the fix inserts: its first original instruction', async () => {
    const df =
      'FROM golang:1.22\n\nWORKDIR /src\nCOPY . .\nRUN go build -o /usr/local/bin/orders ./cmd/orders\n\n# The API\nEXPOSE 8080\nENTRYPOINT ["/usr/local/bin/orders"]\n';
    const r = await optimize(df, { only: ['multistage'], unsafe: true });
    expect(r.fixes.map((f) => [f.ruleId, f.line])).toEqual([
      ['multistage/go', 1],
      // was 6 (the blank line the new stage was inserted at)
      ['multistage/non-root-user', 8],
    ]);
  });

  test('a .dockerignore fix without a whole-context copy: the first instruction, not line 1', async () => {
    const { MemoryContext } = await import('../src/context/context.js');
    const df =
      '# syntax=docker/dockerfile:1\n# deploy tool\nFROM alpine:3.20\nCOPY deploy/sync.sh /usr/local/bin/sync\n';
    const ctx = new MemoryContext({
      'deploy/sync.sh': 'rsync\n',
      'deploy/id_ed25519':
        '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n',
    });
    const r = await optimize(df, { only: ['dockerignore'], context: ctx });
    const secrets = r.fixes.find((f) => f.ruleId === 'dockerignore/secrets')!;
    expect(secrets.line).toBe(3);
  });
});
