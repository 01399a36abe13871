/** `--format json`: one document with every file's fixes, skips and suppressions, and the diff. */
import type { FileChange } from '../../engine/diff.js';
import { counts, type FileOutcome } from './outcome.js';

export function jsonReport(
  outcomes: FileOutcome[],
  changes: FileChange[],
  diff: string,
  dryRun: boolean,
  extra: Record<string, unknown> = {},
) {
  return {
    version: 1,
    dryRun,
    files: outcomes.map((o) => ({
      path: o.path,
      changed: !o.error && (o.result?.changed ?? false),
      error: o.error ?? null,
      fixes: (o.result?.fixes ?? []).map((f) => ({
        rule: f.ruleId,
        transform: f.transform,
        line: f.line,
        message: f.message,
        applicability: f.applicability,
        applied: f.applied,
        files: f.files,
        ...(f.note !== undefined ? { note: f.note } : {}),
        ...(f.data !== undefined ? { data: f.data } : {}),
      })),
      skipped: (o.result?.skipped ?? []).map((s) => ({
        rule: s.ruleId,
        transform: s.transform,
        line: s.line,
        reason: s.reason,
        ...(s.info ? { info: true } : {}),
      })),
      suppressed: (o.result?.suppressed ?? []).map((s) => ({
        rule: s.ruleId,
        transform: s.transform,
        line: s.line,
        message: s.message,
        by: s.by,
      })),
    })),
    changedFiles: changes.map((c) => ({ path: c.path, created: c.before === null })),
    summary: counts(outcomes),
    diff,
    ...extra,
  };
}
