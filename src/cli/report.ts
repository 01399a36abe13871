/** Output formats of `fix`: text lines, JSON, SARIF 2.1.0, GitHub workflow annotations. */
import type { FileChange, OptimizeResult } from '../api.js';
import type { FixReport, SkipReport } from '../engine/loop.js';
import type { Transform } from '../model/types.js';

export interface FileOutcome {
  path: string;
  result?: OptimizeResult;
  error?: string;
}

export const TOOL = {
  name: 'dockerfile-optimizer',
  version: '0.1.0',
  uri: 'https://github.com/dockerfile-optimizer/dockerfile-optimizer',
};

export function fixLine(file: string, f: FixReport): string {
  const tag = f.applied ? '' : ' [review: not applied; use --unsafe]';
  const note = f.note ? `    ${f.note}\n` : '';
  return `${file}:${f.line} ${f.ruleId}: ${f.message}${tag}\n${note}`;
}

export function skipLine(file: string, s: SkipReport): string {
  return `${file}:${s.line} ${s.ruleId}: skipped: ${s.reason}\n`;
}

export interface Counts {
  checked: number;
  changed: number;
  errors: number;
  safe: number;
  review: number;
  pending: number;
  suppressed: number;
}

export function counts(outcomes: FileOutcome[]): Counts {
  const c: Counts = {
    checked: outcomes.length,
    changed: 0,
    errors: 0,
    safe: 0,
    review: 0,
    pending: 0,
    suppressed: 0,
  };
  for (const o of outcomes) {
    if (o.error) c.errors++;
    // A file with an error (bad input, not written, refused by --verify) applied nothing.
    if (!o.result || o.error) continue;
    if (o.result.changed) c.changed++;
    for (const f of o.result.fixes) {
      if (!f.applied) c.pending++;
      else if (f.applicability === 'safe') c.safe++;
      else c.review++;
    }
    c.suppressed += o.result.suppressed.length;
  }
  return c;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The closing summary line (stderr). */
export function summaryLine(c: Counts, dryRun: boolean): string {
  const parts = [
    `${plural(c.checked, 'file')} checked`,
    `${c.changed} ${dryRun ? 'to change' : 'changed'}`,
  ];
  const fixes = `${dryRun ? 'would apply' : 'applied'} ${plural(c.safe + c.review, 'fix', 'fixes')} (${c.safe} safe, ${c.review} review)`;
  const tail: string[] = [];
  if (c.pending)
    tail.push(`${plural(c.pending, 'review fix', 'review fixes')} not applied (use --unsafe)`);
  if (c.suppressed) tail.push(`${c.suppressed} suppressed by comments`);
  if (c.errors) tail.push(`${plural(c.errors, 'error')}`);
  return `${parts.join(', ')}: ${fixes}${tail.length ? '; ' + tail.join('; ') : ''}\n`;
}

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

/** SARIF 2.1.0 for GitHub code scanning: one result per fix (applied or proposed). */
export function sarifReport(outcomes: FileOutcome[], transforms: readonly Transform[]) {
  const ruleIds = [
    ...new Set(outcomes.flatMap((o) => o.result?.fixes.map((f) => f.ruleId) ?? [])),
  ].sort();
  const metaOf = (ruleId: string) =>
    transforms.find((t) => t.meta.id === ruleId.split('/')[0])?.meta;
  const rules = ruleIds.map((id) => {
    const meta = metaOf(id);
    return {
      id,
      name: id.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) =>
        c ? c.toUpperCase() : '',
      ),
      shortDescription: { text: meta?.title ?? id },
      fullDescription: { text: meta?.docs.why || meta?.title || id },
      helpUri: `${TOOL.uri}/blob/main/docs/rules/${id.split('/')[0]}.md`,
      properties: { applicability: meta?.applicability ?? 'safe', hadolint: meta?.hadolint ?? [] },
    };
  });
  const results = outcomes.flatMap((o) =>
    (o.result?.fixes ?? []).map((f) => ({
      ruleId: f.ruleId,
      ruleIndex: ruleIds.indexOf(f.ruleId),
      level: f.applicability === 'safe' ? 'warning' : 'note',
      message: { text: f.note ? `${f.message} ${f.note}` : f.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: encodeURI(o.path) },
            region: { startLine: f.line },
          },
        },
      ],
      properties: { applicability: f.applicability, applied: f.applied },
    })),
  );
  const notifications = outcomes
    .filter((o) => o.error)
    .map((o) => ({
      level: 'error',
      message: { text: `${o.path}: ${o.error}` },
      locations: [{ physicalLocation: { artifactLocation: { uri: encodeURI(o.path) } } }],
    }));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: { name: TOOL.name, version: TOOL.version, informationUri: TOOL.uri, rules },
        },
        invocations: [
          {
            executionSuccessful: notifications.length === 0,
            toolExecutionNotifications: notifications,
          },
        ],
        results,
      },
    ],
  };
}

function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** GitHub Actions workflow commands (`::warning file=...,line=...::message`). */
export function githubAnnotations(outcomes: FileOutcome[]): string {
  let out = '';
  for (const o of outcomes) {
    if (o.error) {
      out += `::error file=${escapeProperty(o.path)},title=${escapeProperty('dockerfile-optimizer')}::${escapeData(o.error)}\n`;
      continue;
    }
    for (const f of o.result?.fixes ?? []) {
      const level = f.applicability === 'safe' ? 'warning' : 'notice';
      const msg = f.note ? `${f.message}\n${f.note}` : f.message;
      out += `::${level} file=${escapeProperty(o.path)},line=${f.line},title=${escapeProperty(f.ruleId)}::${escapeData(msg)}\n`;
    }
  }
  return out;
}
