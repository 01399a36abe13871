/**
 * A rule tester in the spirit of ESLint's RuleTester: `valid` and `invalid` cases for one
 * transform (or a few), run through `optimize` (the fixed-point engine, as `fix` runs it).
 *
 *   ruleTester('package-hygiene', [transform], {
 *     valid: [{ code: 'FROM alpine\nRUN apk add --no-cache curl\n' }],
 *     invalid: [{ code: 'FROM alpine\nRUN apk add curl\n', output: '...', fixes: ['package-hygiene/apk-no-cache'] }],
 *   });
 *
 * Every case checks:
 * - valid: nothing changes, no fix is reported (applied or pending); `skipped`, when given, are
 *   the exact skips (`rule-id: substring of the reason`; omitted: skips are not checked).
 * - invalid: `output` is the exact text after the run (null: the text must not change, e.g. a
 *   review fix without `unsafe`, or only skips); an `output` equal to `code` fails; `fixes` are
 *   the rule ids applied (exact set; `{ rule, applicability, message }` checks more), `pending`
 *   the review fixes reported but not applied, `skipped` as above, `files` the other files
 *   written (a `.dockerignore`); a case must expect something.
 * - both: each reported rule id is in its transform's catalogue (when it has one), the output
 *   re-parses, and a second run on the output changes nothing and applies nothing.
 */
import { describe, expect, test } from '@jest/globals';
import { optimize, type OptimizeOptions, type OptimizeResult } from '../../src/api.js';
import { parseDockerfile } from '../../src/model/dockerfile.js';
import { ruleIdProblem } from '../../src/model/rules.js';
import type { Applicability, Transform } from '../../src/model/types.js';

export interface FixExpectation {
  rule: string;
  applicability?: Applicability;
  /** A substring of, or a pattern for, the message. */
  message?: string | RegExp;
}

export interface ValidCase {
  /** Test name (default: the first lines of `code`). */
  name?: string;
  code: string;
  /** Files of the build context (path -> content); default: none. */
  context?: Record<string, string> | null;
  /** Other optimize options (`unsafe`, `cacheMounts`, `dockerignore`, `only`...). */
  options?: Omit<OptimizeOptions, 'transforms' | 'context'>;
  /** `rule-id: substring of the reason`, every skip reported (omitted: not checked). */
  skipped?: string[];
}

export interface InvalidCase extends ValidCase {
  /** The exact output; null: the text must not change. */
  output: string | null;
  /** The fixes applied (exact set of rule ids). */
  fixes?: (string | FixExpectation)[];
  /** Review fixes reported but not applied (exact set of rule ids). */
  pending?: string[];
  /** Other files of the context the run writes (context-relative path -> exact text); omitted:
   * not checked. */
  files?: Record<string, string>;
}

export interface RuleTests {
  valid?: ValidCase[];
  invalid?: InvalidCase[];
}

const nameOf = (c: ValidCase) =>
  c.name ?? c.code.split('\n').filter(Boolean).slice(1, 3).join(' / ').slice(0, 80);

function run(
  transforms: readonly Transform[],
  c: ValidCase,
  code: string,
  written: Record<string, string> = {},
) {
  const context = c.context || Object.keys(written).length ? { ...c.context, ...written } : null;
  return optimize(code, { ...c.options, transforms, context, path: 'Dockerfile' });
}

/** The other files a run wrote (context-relative path -> text). */
function writtenFiles(result: OptimizeResult): Record<string, string> {
  return Object.fromEntries(
    result.files.filter((f) => f.path !== 'Dockerfile').map((f) => [f.path, f.after]),
  );
}

function skipProblems(result: OptimizeResult, expected: string[] | undefined): string[] {
  if (expected === undefined) return [];
  const got = result.skipped.map((s) => `${s.ruleId}: ${s.reason}`);
  const problems: string[] = [];
  for (const e of expected) {
    const colon = e.indexOf(': ');
    const [rule, reason] = colon < 0 ? [e, ''] : [e.slice(0, colon), e.slice(colon + 2)];
    if (!result.skipped.some((s) => s.ruleId === rule && s.reason.includes(reason)))
      problems.push(`expected skip "${e}", got ${JSON.stringify(got)}`);
  }
  if (got.length !== expected.length)
    problems.push(`expected ${expected.length} skips, got ${got.length}: ${JSON.stringify(got)}`);
  return problems;
}

function fixProblems(result: OptimizeResult, c: InvalidCase): string[] {
  const problems: string[] = [];
  const applied = result.fixes.filter((f) => f.applied);
  const want = (c.fixes ?? []).map((f) => (typeof f === 'string' ? { rule: f } : f));
  const ids = (xs: { ruleId?: string; rule?: string }[]) =>
    [...new Set(xs.map((x) => x.ruleId ?? x.rule!))].sort();
  if (JSON.stringify(ids(applied)) !== JSON.stringify(ids(want)))
    problems.push(
      `fixes: expected ${JSON.stringify(ids(want))}, got ${JSON.stringify(ids(applied))}`,
    );
  for (const w of want) {
    for (const f of applied.filter((x) => x.ruleId === w.rule)) {
      if (w.applicability && f.applicability !== w.applicability)
        problems.push(`${w.rule}: applicability ${f.applicability}, expected ${w.applicability}`);
      const m = w.message;
      if (m !== undefined && !(typeof m === 'string' ? f.message.includes(m) : m.test(f.message)))
        problems.push(`${w.rule}: message "${f.message}" does not match ${String(m)}`);
    }
  }
  const pending = ids(result.fixes.filter((f) => !f.applied));
  const wantPending = [...new Set(c.pending ?? [])].sort();
  if (JSON.stringify(pending) !== JSON.stringify(wantPending))
    problems.push(
      `pending: expected ${JSON.stringify(wantPending)}, got ${JSON.stringify(pending)}`,
    );
  return problems;
}

/** Problems shared by valid and invalid cases: catalogue, re-parse, second run. */
async function commonProblems(
  transforms: readonly Transform[],
  c: ValidCase,
  result: OptimizeResult,
): Promise<string[]> {
  const problems: string[] = [];
  for (const r of [...result.fixes, ...result.skipped]) {
    const p = ruleIdProblem(transforms, r.ruleId);
    if (p) problems.push(`reported ${p}: declare it in meta.rules`);
  }
  const errors = parseDockerfile(result.output.replace(/^\uFEFF/, '')).errors;
  if (errors.length) problems.push(`the output does not parse: ${errors[0]!.message}`);
  // The second run sees the files the first one wrote (a generated .dockerignore).
  const again = await run(transforms, c, result.output, writtenFiles(result));
  if (again.output !== result.output || again.fixes.some((f) => f.applied))
    problems.push(
      `a second run is not a no-op: ${again.fixes.map((f) => f.ruleId).join(', ')}\n${again.diff}`,
    );
  return problems;
}

/** Everything wrong with a valid case (empty when it passes). */
export async function checkValid(
  transforms: readonly Transform[],
  c: ValidCase,
): Promise<string[]> {
  const result = await run(transforms, c, c.code);
  const problems: string[] = [];
  if (result.output !== c.code) problems.push(`a valid case changed:\n${result.diff}`);
  if (result.fixes.length)
    problems.push(`a valid case reported fixes: ${result.fixes.map((f) => f.ruleId).join(', ')}`);
  problems.push(...skipProblems(result, c.skipped));
  return [...problems, ...(await commonProblems(transforms, c, result))];
}

/** Everything wrong with an invalid case (empty when it passes). */
export async function checkInvalid(
  transforms: readonly Transform[],
  c: InvalidCase,
): Promise<string[]> {
  const problems: string[] = [];
  if (c.output === c.code)
    problems.push('output equals code: use output: null (no change) or a valid case');
  if (!c.fixes?.length && !c.pending?.length && !c.skipped?.length)
    problems.push('an invalid case must expect fixes, pending fixes or skips');
  const result = await run(transforms, c, c.code);
  const expected = c.output ?? c.code;
  if (result.output !== expected)
    problems.push(`output differs:\n--- expected\n${expected}--- got\n${result.output}`);
  problems.push(...fixProblems(result, c), ...skipProblems(result, c.skipped));
  if (c.files) {
    const got = writtenFiles(result);
    if (JSON.stringify(got) !== JSON.stringify(c.files))
      problems.push(`files: expected ${JSON.stringify(c.files)}, got ${JSON.stringify(got)}`);
  }
  return [...problems, ...(await commonProblems(transforms, c, result))];
}

/** Jest tests for the cases: `describe(name)` with `valid` and `invalid` groups. */
export function ruleTester(name: string, transforms: readonly Transform[], tests: RuleTests): void {
  describe(name, () => {
    if (tests.valid?.length)
      describe('valid', () => {
        test.each(tests.valid!.map((c) => [nameOf(c), c] as const))('%s', async (_n, c) => {
          expect(await checkValid(transforms, c)).toEqual([]);
        });
      });
    if (tests.invalid?.length)
      describe('invalid', () => {
        test.each(tests.invalid!.map((c) => [nameOf(c), c] as const))('%s', async (_n, c) => {
          expect(await checkInvalid(transforms, c)).toEqual([]);
        });
      });
  });
}
