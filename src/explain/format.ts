/** The text report of `explain` (per edit the steps it re-runs, then "after fix:") and the
 * JSON document of one file. */
import { cacheSummary, type ExplainEdit, type ExplainResult, type ExplainStep } from './explain.js';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const MAX_INSTRUCTION = 72;

function stepLine(s: ExplainStep & { certain?: boolean; maybeFrom?: string | null }): string {
  const text =
    s.instruction.length > MAX_INSTRUCTION
      ? `${s.instruction.slice(0, MAX_INSTRUCTION - 1).trimEnd()}…`
      : s.instruction;
  const notes: string[] = [];
  if (s.reason) notes.push(`expensive: ${s.reason}`);
  if (s.certain === false)
    notes.push(`maybe: only if ${s.maybeFrom ?? 'the other stage'}'s output changes`);
  return `  ${s.buildkit.prefix} ${text}${notes.length ? `  (${notes.join('; ')})` : ''}\n`;
}

function countText(e: ExplainEdit, total: number): string {
  const sure = e.reruns.filter((r) => r.certain).length;
  const maybe = e.reruns.length - sure;
  if (e.reruns.length === 0) return 'nothing';
  return `${sure} of ${plural(total, 'step')}${maybe ? ` (+${maybe} maybe)` : ''}`;
}

function sameAnswer(a: ExplainEdit, b: ExplainEdit): boolean {
  return (
    a.reruns.length === b.reruns.length &&
    a.reruns.every(
      (r, i) =>
        r.buildkit.prefix === b.reruns[i]!.buildkit.prefix && r.reason === b.reruns[i]!.reason,
    )
  );
}

/** The text report: per edit the steps it re-runs, then "after fix:" where the fixes change it. */
export function formatExplain(
  file: string,
  before: ExplainResult,
  after: ExplainResult | null,
  options: { target?: string } = {},
): string {
  let out = `${file}: ${plural(before.steps.length, 'build step')}`;
  if (options.target !== undefined && before.target !== null) out += `, target ${before.target}`;
  if (before.skippedStages.length) out += ` (not built: ${before.skippedStages.join(', ')})`;
  out += '\n';
  if (before.edits.length === 0) out += 'no COPY or ADD takes files from the build context\n';
  for (const [i, e] of before.edits.entries()) {
    if (i > 0) out += '\n';
    out += `editing ${e.path} re-runs ${countText(e, before.steps.length)}`;
    if (e.reruns.length === 0)
      out += e.ignored ? ' (excluded by .dockerignore)' : ' (no step reads it)';
    out += e.reruns.length ? ':\n' : '\n';
    for (const r of e.reruns) out += stepLine(r);
    const a = after?.edits[i];
    if (after && a && !sameAnswer(e, a)) {
      out += `after fix: re-runs ${countText(a, after.steps.length)}`;
      if (a.reruns.length === 0 && a.ignored) out += ' (excluded by .dockerignore)';
      out += a.reruns.length ? ':\n' : '\n';
      for (const r of a.reruns) out += stepLine(r);
    }
  }
  if (before.unreadable.length)
    out += `${before.unreadable.join(', ')} cannot be read: the files in ${
      before.unreadable.length === 1 ? 'it' : 'them'
    } are unknown, the edits above leave them out\n`;
  const summary = after ? cacheSummary(before, after) : null;
  if (summary) out += `${summary}\n`;
  return out;
}

/** One file's entry of `explain --format json`. */
export function explainJson(
  file: { path: string; context: string },
  before: ExplainResult,
  after: ExplainResult | null,
  fixes: string[],
) {
  return {
    ...file,
    ...before,
    after: after ? { fixes, ...after } : null,
    summary: after ? cacheSummary(before, after) : null,
  };
}
